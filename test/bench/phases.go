/*
Copyright 2026 The mca-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/google/uuid"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// kind is a customer's starting situation.
type kind int

const (
	kindNoMCA    kind = iota // no agreement: LegacyConfirmation creates one (list, direct status, create)
	kindAttested             // a current attestation: nothing to do (list)
	kindLegacy               // only a 2022 attestation: LegacyConfirmation with a new date (list, direct status, create)
)

func (k kind) String() string {
	return [...]string{"NoMCA", "Attested", "Legacy"}[k]
}

// minimalCalls is what the job needs for the customer: the reads that decide, plus a create.
func (k kind) minimalCalls() int {
	if k == kindAttested {
		return 1
	}
	return 3
}

// kindOf spreads the mix evenly over the list: of every ten customers 5 NoMCA, 3 attested, 2 legacy.
func kindOf(i int) kind {
	switch r := i % 10; {
	case r < 5:
		return kindNoMCA
	case r < 8:
		return kindAttested
	default:
		return kindLegacy
	}
}

type customer struct {
	name, tenantID string
	kind           kind
}

var (
	signatory      = pcsim.SeedContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "4255550100"}
	currentDate    = "2024-01-10T00:00:00"
	legacyDate     = "2022-06-14T00:00:00"
	confirmedOn    = time.Date(2024, time.May, 2, 0, 0, 0, 0, time.UTC) // LegacyConfirmation's dateAgreed (after 2023-04-01)
	benchPolicy    = mca.DefaultPolicy()
	benchSignatory = &v1alpha1.Signatory{FirstName: signatory.FirstName, LastName: signatory.LastName, Email: signatory.Email, PhoneNumber: signatory.PhoneNumber}
)

func customers(n int, mix func(int) kind) []customer {
	out := make([]customer, n)
	for i := range out {
		out[i] = customer{name: fmt.Sprintf("customer-%05d", i), tenantID: fmt.Sprintf("b0000000-0000-4000-8000-%012d", i), kind: mix(i)}
	}
	return out
}

func seedFor(cs []customer) *pcsim.Seed {
	p := pcsim.SeedPartner{TenantID: partnerTenantID, Type: pcsim.PartnerIndirectProvider, ClientID: partnerClientID, ClientSecret: partnerClientSecret, RefreshToken: partnerRefreshToken}
	for _, c := range cs {
		sc := pcsim.SeedCustomer{TenantID: c.tenantID, CompanyName: "Customer " + c.name}
		switch c.kind {
		case kindAttested:
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: currentDate, PrimaryContact: signatory}}
		case kindLegacy:
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: legacyDate, PrimaryContact: signatory}}
		}
		p.Customers = append(p.Customers, sc)
	}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{p}}
}

func agreementsFor(cs []customer) []*v1alpha1.CustomerAgreement {
	out := make([]*v1alpha1.CustomerAgreement, len(cs))
	for i, c := range cs {
		ca := &v1alpha1.CustomerAgreement{
			ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: c.name},
			Spec: v1alpha1.CustomerAgreementSpec{
				PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: partnerName},
				CustomerTenantID: c.tenantID,
				CompanyName:      "Customer " + c.name,
				Signatory:        benchSignatory.DeepCopy(),
			},
		}
		if c.kind != kindAttested {
			d := metav1.NewTime(confirmedOn)
			ca.Spec.Method, ca.Spec.DateAgreed = v1alpha1.MethodLegacyConfirmation, &d
		}
		out[i] = ca
	}
	return out
}

func newSim(o options, cs []customer) (*pcsim.Server, string, error) {
	sim := pcsim.New(seedFor(cs), pcsim.Options{Latency: o.latency, RateLimitQPS: float64(o.rate), RateLimitBurst: o.burst})
	url, err := sim.StartTLS("")
	return sim, url, err
}

// ---- onboarding ---------------------------------------------------------

// Onboarding is the result of the onboarding phase.
type Onboarding struct {
	Customers int            `json:"customers"`
	Mix       map[string]int `json:"mix"`
	// Seconds: from starting the manager process until the last customer reached its final state.
	Seconds float64 `json:"seconds"`
	// SecondsFromFirstCall: from the first Partner Center request until the last convergence.
	SecondsFromFirstCall float64 `json:"secondsFromFirstCall"`
	// StartupSeconds: manager start until its first Partner Center API request.
	StartupSeconds float64 `json:"startupSeconds"`
	BoundCalls     int     `json:"boundCalls"`
	BoundSeconds   float64 `json:"boundSeconds"`
	// BoundSecondsWithBurst credits the server's initial burst: (calls - burst) / rate.
	BoundSecondsWithBurst float64 `json:"boundSecondsWithBurst"`
	// Efficiency = BoundSeconds / Seconds.
	Efficiency              float64   `json:"efficiency"`
	EfficiencyFromFirstCall float64   `json:"efficiencyFromFirstCall"`
	Throttled               int       `json:"throttled"`
	Calls                   CallStats `json:"calls"`
	// AchievedQPS: API requests / SecondsFromFirstCall.
	AchievedQPS             float64        `json:"achievedQps"`
	StatusWritesPerCustomer float64        `json:"statusWritesPerCustomer"`
	StatusWritesMax         int            `json:"statusWritesMax"`
	StatusWritesHistogram   map[string]int `json:"statusWritesHistogram"`
	APIWrites               map[string]int `json:"apiServerWrites"`
	APIWritesPerCustomer    float64        `json:"apiServerWritesPerCustomer"`
	PeakRSSMiB              float64        `json:"peakRssMiB"`
	CPUSeconds              float64        `json:"cpuSeconds"`
	CreateSeconds           float64        `json:"createSeconds"`
	// TCPConnections: TCP+TLS connections the manager opened to the simulator (HTTP/1.1).
	TCPConnections int    `json:"tcpConnections"`
	ManagerLog     string `json:"managerLog"`
}

func onboarding(ctx context.Context, o options, bin, tmp string) (*Onboarding, []float64, error) {
	cs := customers(o.customers, kindOf)
	res := &Onboarding{Customers: len(cs), Mix: map[string]int{}, BoundCalls: 1} // + the template metadata, once
	for _, c := range cs {
		res.Mix[c.kind.String()]++
		res.BoundCalls += c.kind.minimalCalls()
	}
	res.BoundSeconds = round(float64(res.BoundCalls)/float64(o.rate), 2)
	res.BoundSecondsWithBurst = round(float64(max(0, res.BoundCalls-o.burst))/float64(o.rate), 2)

	sim, url, err := newSim(o, cs)
	if err != nil {
		return nil, nil, err
	}
	defer sim.Close()
	caFile := filepath.Join(tmp, "pcsim-ca.pem")
	if err := os.WriteFile(caFile, sim.CACertPEM(), 0o600); err != nil {
		return nil, nil, err
	}
	logf("onboarding: starting the control plane")
	cp, err := startControlPlane(ctx, o, tmp)
	if err != nil {
		return nil, nil, err
	}
	defer cp.stop()

	// Everything is in the API server before the manager starts: the clock measures the operator.
	t0 := time.Now()
	if err := cp.createPartnerTenant(ctx, url, o.ptQPS, o.ptBurst); err != nil {
		return nil, nil, err
	}
	if err := cp.createAll(ctx, agreementsFor(cs)); err != nil {
		return nil, nil, err
	}
	res.CreateSeconds = round(time.Since(t0).Seconds(), 2)
	logf("onboarding: created %d CustomerAgreements in %.1fs", len(cs), res.CreateSeconds)

	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	tr := newTracker(len(cs))
	if err := cp.watchCustomers(wctx, tr); err != nil {
		return nil, nil, err
	}
	writesBefore, err := cp.apiWrites(ctx)
	if err != nil {
		return nil, nil, err
	}
	sim.ResetRequests()

	conns := newConnCounter(wctx, url)
	res.ManagerLog = filepath.Join(o.out, "bench-manager-onboarding.log")
	// The onboarding manager resyncs hourly: nothing settles again within the measurement.
	mgr, err := startManager(ctx, o, bin, managerArgs(cp, caFile, time.Hour, o.maxConcurrent), res.ManagerLog)
	if err != nil {
		return nil, nil, err
	}
	defer mgr.stop()
	tr.setStart(mgr.started)
	logf("onboarding: manager started (pid %d)", mgr.cmd.Process.Pid)
	if o.pprof {
		go func() {
			time.Sleep(2 * time.Second)
			mgr.profile("profile?seconds=15", filepath.Join(o.out, "bench-onboarding-cpu.pprof"))
		}()
	}

	if err := waitAll(ctx, tr, mgr, "onboarding"); err != nil {
		return nil, nil, err
	}
	times, _ := tr.snapshot()
	last := times[len(times)-1]
	// Let trailing writes, if any, arrive before counting.
	time.Sleep(3 * time.Second)
	_, modified := tr.snapshot()
	writesAfter, err := cp.apiWrites(ctx)
	if err != nil {
		return nil, nil, err
	}
	res.TCPConnections, _ = conns.counts()
	mgr.profile("heap", filepath.Join(o.out, "bench-onboarding-heap.pprof"))
	mgr.stop()
	reqs := sim.Requests()

	res.Seconds = round(last, 2)
	res.Calls = callStats(reqs, len(cs))
	res.Throttled = res.Calls.Throttled
	if !res.Calls.FirstCall.IsZero() {
		res.StartupSeconds = round(res.Calls.FirstCall.Sub(mgr.started).Seconds(), 2)
		fromFirst := mgr.started.Add(time.Duration(last * float64(time.Second))).Sub(res.Calls.FirstCall).Seconds()
		res.SecondsFromFirstCall = round(fromFirst, 2)
		res.EfficiencyFromFirstCall = round(res.BoundSeconds/fromFirst, 3)
		res.AchievedQPS = round(float64(res.Calls.Total)/fromFirst, 1)
	}
	res.Efficiency = round(res.BoundSeconds/last, 3)
	total, maxW := 0, 0
	res.StatusWritesHistogram = map[string]int{}
	for _, c := range cs {
		n := modified[c.name]
		total += n
		maxW = max(maxW, n)
		res.StatusWritesHistogram[fmt.Sprint(n)]++
	}
	res.StatusWritesPerCustomer = round(float64(total)/float64(len(cs)), 3)
	res.StatusWritesMax = maxW
	res.APIWrites = diffWrites(writesBefore, writesAfter)
	res.APIWritesPerCustomer = round(float64(managerWrites(res.APIWrites))/float64(len(cs)), 3)
	res.PeakRSSMiB = round(float64(mgr.peakRSSKiB)/1024, 1)
	res.CPUSeconds = round(mgr.cpu.Seconds(), 2)
	return res, times, nil
}

// waitAll waits until every customer converged, logging progress.
func waitAll(ctx context.Context, tr *tracker, mgr *managerProc, phase string) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tr.allDone:
			return nil
		case <-ctx.Done():
			n, _ := tr.counts()
			return fmt.Errorf("%d of %d customers converged: %w (manager log: %s)", n, tr.total, ctx.Err(), mgr.logPath)
		case <-mgr.done:
			return fmt.Errorf("the manager exited early (log: %s)", mgr.logPath)
		case <-tick.C:
			n, w := tr.counts()
			logf("%s: %d/%d converged, %d status writes, %.0fs", phase, n, tr.total, w, time.Since(mgr.started).Seconds())
		}
	}
}

// ---- the sequential loop ------------------------------------------------

// Sequential is the partner's script: one customer at a time with the same client.
type Sequential struct {
	Customers int       `json:"customers"`
	Seconds   float64   `json:"seconds"`
	Calls     CallStats `json:"calls"`
	Throttled int       `json:"throttled"`
	// Ratio = sequential seconds / onboarding seconds.
	Ratio float64 `json:"ratio"`
}

func sequential(ctx context.Context, o options) (*Sequential, []float64, error) {
	cs := customers(o.customers, kindOf)
	sim, url, err := newSim(o, cs) // fresh state, same seed
	if err != nil {
		return nil, nil, err
	}
	defer sim.Close()
	cl, err := pc.New(pc.Config{
		TenantID: partnerTenantID, BaseURL: url, AuthorityURL: url,
		Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: partnerClientID, ClientSecret: partnerClientSecret, RefreshToken: partnerRefreshToken}),
		HTTPClient:  sim.HTTPClient(),
		QPS:         float64(o.ptQPS), Burst: o.ptBurst,
	})
	if err != nil {
		return nil, nil, err
	}
	logf("sequential: %d customers, one at a time", len(cs))
	start := time.Now()
	md, err := cl.GetAgreementMetadata(ctx)
	if err != nil {
		return nil, nil, err
	}
	times := make([]float64, 0, len(cs))
	for i, c := range cs {
		if err := scriptOne(ctx, cl, md.TemplateID, c); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		times = append(times, time.Since(start).Seconds())
		if (i+1)%250 == 0 {
			logf("sequential: %d/%d done, %.0fs", i+1, len(cs), time.Since(start).Seconds())
		}
	}
	res := &Sequential{Customers: len(cs), Seconds: round(times[len(times)-1], 2)}
	res.Calls = callStats(sim.Requests(), len(cs))
	res.Throttled = res.Calls.Throttled
	return res, times, nil
}

// scriptOne is what a partner's script does for one customer: list the agreements; if none is
// current, ask whether the customer accepted directly; if not, confirm the acceptance.
func scriptOne(ctx context.Context, cl *pc.Client, templateID string, c customer) error {
	recs, err := cl.ListCustomerAgreements(ctx, c.tenantID)
	if err != nil {
		return err
	}
	for _, a := range recs {
		if benchPolicy.Current(mca.Record{DateAgreed: a.DateAgreed}) {
			return nil
		}
	}
	signed, err := cl.GetDirectSignedStatus(ctx, c.tenantID)
	if err != nil || signed {
		return err
	}
	_, err = cl.CreateLegacyAgreement(ctx, c.tenantID, pc.Contact{FirstName: signatory.FirstName, LastName: signatory.LastName, Email: signatory.Email, PhoneNumber: signatory.PhoneNumber},
		templateID, confirmedOn, pc.WithRequestID(uuid.NewString()))
	return err
}

// ---- steady state -------------------------------------------------------

// SteadyState is one resync cycle of settled customers.
type SteadyState struct {
	Customers      int     `json:"customers"`
	ResyncInterval string  `json:"resyncInterval"`
	ConvergeSecs   float64 `json:"convergeSeconds"`
	// CycleSeconds: from all converged until every customer was read again.
	CycleSeconds      float64        `json:"cycleSeconds"`
	CustomersResynced int            `json:"customersResynced"`
	Calls             CallStats      `json:"calls"`
	CallsPerCustomer  float64        `json:"callsPerCustomer"`
	StatusWrites      int            `json:"statusWrites"`
	APIWrites         map[string]int `json:"apiServerWrites"`
	// WritesPerCustomer: every write the manager made to the API server in the cycle, per customer.
	WritesPerCustomer float64 `json:"writesPerCustomer"`
	// RSSMiB: the manager's peak RSS over the whole run (initial sync included); RSSEndMiB: at
	// the end of the cycle.
	RSSMiB    float64 `json:"rssMiB"`
	RSSEndMiB float64 `json:"rssEndMiB"`
	// RSSAnonEndMiB (heap, stacks) and RSSFileEndMiB (the binary's mapped pages) split RSSEndMiB.
	RSSAnonEndMiB   float64 `json:"rssAnonEndMiB"`
	RSSFileEndMiB   float64 `json:"rssFileEndMiB"`
	CPUSecondsCycle float64 `json:"cpuSecondsPerCycle"`
	CPUSecondsTotal float64 `json:"cpuSecondsTotal"`
	CreateSeconds   float64 `json:"createSeconds"`
	// TCPConnections: new TCP+TLS connections to the simulator during the cycle (approximate).
	TCPConnections int    `json:"tcpConnections"`
	ManagerLog     string `json:"managerLog"`
}

func steadyState(ctx context.Context, o options, bin, tmp string) (*SteadyState, error) {
	cs := customers(o.steadyCustomers, func(int) kind { return kindAttested })
	res := &SteadyState{Customers: len(cs), ResyncInterval: o.resync.String()}
	sim, url, err := newSim(o, cs)
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	caFile := filepath.Join(tmp, "pcsim-ca-steady.pem")
	if err := os.WriteFile(caFile, sim.CACertPEM(), 0o600); err != nil {
		return nil, err
	}
	logf("steady state: starting the control plane")
	cp, err := startControlPlane(ctx, o, tmp)
	if err != nil {
		return nil, err
	}
	defer cp.stop()
	t0 := time.Now()
	if err := cp.createPartnerTenant(ctx, url, o.ptQPS, o.ptBurst); err != nil {
		return nil, err
	}
	if err := cp.createAll(ctx, agreementsFor(cs)); err != nil {
		return nil, err
	}
	res.CreateSeconds = round(time.Since(t0).Seconds(), 2)
	logf("steady state: created %d CustomerAgreements in %.1fs", len(cs), res.CreateSeconds)

	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	tr := newTracker(len(cs))
	if err := cp.watchCustomers(wctx, tr); err != nil {
		return nil, err
	}
	res.ManagerLog = filepath.Join(o.out, "bench-manager-steady.log")
	mgr, err := startManager(ctx, o, bin, managerArgs(cp, caFile, o.resync, o.maxConcurrent), res.ManagerLog)
	if err != nil {
		return nil, err
	}
	defer mgr.stop()
	tr.setStart(mgr.started)
	if err := waitAll(ctx, tr, mgr, "steady state (initial sync)"); err != nil {
		return nil, err
	}
	times, _ := tr.snapshot()
	res.ConvergeSecs = round(times[len(times)-1], 2)
	// Trailing writes of the initial sync are not part of the cycle.
	time.Sleep(2 * time.Second)

	// The cycle: from now until every customer has been read from Partner Center again.
	_, writes0 := tr.counts()
	api0, err := cp.apiWrites(ctx)
	if err != nil {
		return nil, err
	}
	st0, err := mgr.stats()
	if err != nil {
		return nil, err
	}
	sim.ResetRequests()
	cycleStart := time.Now()
	deadline := cycleStart.Add(time.Duration(float64(o.resync)*1.1) + time.Duration(len(cs)/o.rate)*time.Second + time.Minute)
	logf("steady state: all %d converged after %.1fs; measuring one resync cycle (%s + up to 10%% jitter)", len(cs), res.ConvergeSecs, o.resync)
	want := map[string]bool{}
	for _, c := range cs {
		want[c.tenantID] = true
	}
	seen := map[string]bool{}
	seenIdx := 0
	profiling := false
	conns := newConnCounter(wctx, url)
	conns0, _ := conns.counts()
	lastLog := time.Now()
	for len(seen) < len(want) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-mgr.done:
			return nil, fmt.Errorf("the manager exited early (log: %s)", mgr.logPath)
		case <-time.After(time.Second):
		}
		reqs := sim.Requests()
		for ; seenIdx < len(reqs); seenIdx++ {
			if r := reqs[seenIdx]; opOf(r) == "ListCustomerAgreements" && r.Status == 200 {
				if id := customerOf(r.Path); want[id] {
					seen[id] = true
				}
			}
		}
		if o.pprof && !profiling && len(seen) > 0 {
			profiling = true
			go mgr.profile("profile?seconds=60", filepath.Join(o.out, "bench-steady-cpu.pprof"))
		}
		if time.Since(lastLog) > 15*time.Second {
			logf("steady state: %d/%d customers resynced, %.0fs into the cycle", len(seen), len(want), time.Since(cycleStart).Seconds())
			lastLog = time.Now()
		}
	}
	res.CycleSeconds = round(time.Since(cycleStart).Seconds(), 1)
	res.CustomersResynced = len(seen)
	time.Sleep(2 * time.Second) // the status writes, if any, of the last reads
	reqs := sim.Requests()
	st1, err := mgr.stats()
	if err != nil {
		return nil, err
	}
	_, writes1 := tr.counts()
	api1, err := cp.apiWrites(ctx)
	if err != nil {
		return nil, err
	}
	conns1, _ := conns.counts()
	res.TCPConnections = conns1 - conns0
	mgr.profile("heap", filepath.Join(o.out, "bench-steady-heap.pprof"))
	mgr.stop()

	res.Calls = callStats(reqs, len(cs))
	res.CallsPerCustomer = res.Calls.PerCust
	res.StatusWrites = writes1 - writes0
	res.APIWrites = diffWrites(api0, api1)
	res.WritesPerCustomer = round(float64(managerWrites(res.APIWrites))/float64(len(cs)), 4)
	res.RSSMiB = round(float64(max(st1.hwmKiB, mgr.peakRSSKiB))/1024, 1)
	res.RSSEndMiB = round(float64(st1.rssKiB)/1024, 1)
	res.RSSAnonEndMiB = round(float64(st1.anonKiB)/1024, 1)
	res.RSSFileEndMiB = round(float64(st1.fileKiB)/1024, 1)
	res.CPUSecondsCycle = round((st1.cpu - st0.cpu).Seconds(), 2)
	res.CPUSecondsTotal = round(mgr.cpu.Seconds(), 2)
	if res.CustomersResynced < len(cs) {
		logf("steady state: only %d of %d customers were read again before the deadline", res.CustomersResynced, len(cs))
	}
	return res, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
