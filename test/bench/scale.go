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
	"path/filepath"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// Scale is the scale phase: settled customers, created as a GitOps tool applies them, through a
// first start, one resync cycle and a restart of the manager.
type Scale struct {
	Customers int `json:"customers"`
	// Shards is the number of managers the customers are shared among.
	Shards         int    `json:"shards"`
	RateQPS        int    `json:"rateQps"`
	ResyncInterval string `json:"resyncInterval"`
	// GoMemLimit is the manager's GOMEMLIMIT: config/manager's unless --manager-env sets one.
	GoMemLimit    string  `json:"goMemLimit"`
	CreateSeconds float64 `json:"createSeconds"`
	// StartToSyncedSeconds: from starting the restarted manager until it was elected leader and
	// its caches synced (its CustomerAgreement workers started); FirstStartToSyncedSeconds the
	// same for the first start, before any status was written.
	StartToSyncedSeconds      float64 `json:"startToSyncedSeconds"`
	FirstStartToSyncedSeconds float64 `json:"firstStartToSyncedSeconds"`
	// PeakRSSMiB is the higher peak RSS of the two manager processes.
	PeakRSSMiB float64 `json:"peakRSSMiB"`
	// HeapLiveMiB is the manager's live heap (as its last garbage collection marked it) once
	// every customer settled; HeapMiBPerThousand the same per 1,000 customers.
	HeapLiveMiB        float64 `json:"heapLiveMiB"`
	HeapMiBPerThousand float64 `json:"heapMiBPerThousand"`
	// FirstCycleSeconds: from starting the first manager until every customer was Attested and
	// Ready.
	FirstCycleSeconds float64 `json:"firstCycleSeconds"`
	// The restart: RestartWindow after the caches synced stands for production's first 10
	// minutes, the restarted manager's --resync-interval (36 windows) for production's 6 hours.
	// RestartReadsFirst10Min counts the Partner Center calls for the settled customers in the
	// window; RestartReadsExpected is customers × window / resync interval, the steady rate.
	RestartWindow          string  `json:"restartWindow"`
	RestartResyncInterval  string  `json:"restartResyncInterval"`
	RestartReadsFirst10Min int     `json:"restartReadsFirst10Min"`
	RestartReadsExpected   float64 `json:"restartReadsExpected"`
	// RestartStatusWrites counts the settled customers' status writes from the restart to the
	// window's end.
	RestartStatusWrites int `json:"restartStatusWrites"`
	// NewCustomerStartSeconds: a CustomerAgreement created a quarter into the restart window, from
	// its creation to its first Partner Center call.
	NewCustomerStartSeconds    float64 `json:"newCustomerStartSeconds"`
	CallsPerCustomerPerResync  float64 `json:"callsPerCustomerPerResync"`
	WritesPerCustomerPerResync float64 `json:"writesPerCustomerPerResync"`
	// Cycle is the first manager's resync cycle in full.
	Cycle             *SteadyState `json:"cycle"`
	RestartManagerLog string       `json:"restartManagerLog"`
	// Series is peak RSS against customers, by customers: a fresh run per --scale-series count
	// (a first start until every customer converged) and, with one shard, this run's own point
	// (its first manager's, the resync cycle included). RSSPlot draws it.
	Series  []ScalePoint `json:"series"`
	RSSPlot string       `json:"rssPlot,omitempty"`
	// ShardManagers: with several shards, each shard's manager over the first start.
	ShardManagers []ShardManager `json:"shardManagers,omitempty"`
}

// ScalePoint is one point of the series of peak RSS against customers.
type ScalePoint struct {
	Customers            int     `json:"customers"`
	CreateSeconds        float64 `json:"createSeconds"`
	StartToSyncedSeconds float64 `json:"startToSyncedSeconds"`
	FirstCycleSeconds    float64 `json:"firstCycleSeconds"`
	PeakRSSMiB           float64 `json:"peakRSSMiB"`
	HeapLiveMiB          float64 `json:"heapLiveMiB"`
}

// ShardManager is one shard's manager, from its start until every customer converged.
type ShardManager struct {
	PartnerTenant string  `json:"partnerTenant"`
	Customers     int     `json:"customers"`
	PeakRSSMiB    float64 `json:"peakRSSMiB"`
	HeapLiveMiB   float64 `json:"heapLiveMiB"`
	// Writes counts the manager's writes to CustomerAgreements (and their status), Secrets and
	// Events, from the API server's audit log; WritesForOtherTenants those to the
	// CustomerAgreements of another shard's PartnerTenant.
	Writes                int    `json:"writes"`
	WritesForOtherTenants int    `json:"writesForOtherTenants"`
	ManagerLog            string `json:"managerLog"`
}

// point is the run's point of the series.
func (sc *Scale) point() ScalePoint {
	return ScalePoint{Customers: sc.Customers, CreateSeconds: sc.CreateSeconds, StartToSyncedSeconds: sc.FirstStartToSyncedSeconds,
		FirstCycleSeconds: sc.FirstCycleSeconds, PeakRSSMiB: sc.PeakRSSMiB, HeapLiveMiB: sc.HeapLiveMiB}
}

func logPoint(pt ScalePoint) {
	logf("scale series: %d customers: peak RSS %.1f MiB, live heap %.1f MiB; created in %.1fs, caches synced %.1fs and all converged %.1fs after the start",
		pt.Customers, pt.PeakRSSMiB, pt.HeapLiveMiB, pt.CreateSeconds, pt.StartToSyncedSeconds, pt.FirstCycleSeconds)
}

// scalePhase is one run of the scale phase on a stage of its own. cs holds one customer more
// than the run creates at first: the new one of the restart.
type scalePhase struct {
	o   options // at the scale phase's rate
	tmp string
	// label names the run in the log, its manager logs and its profiles: "scale" for the main
	// run, "scale-N" for a point of the series.
	label string
	cs    []customer
	res   *Scale
	st    *stage
	tr    *tracker
	wctx  context.Context
	// mgrs are the first start's managers, one per shard.
	mgrs []*firstManager
}

// firstManager is a manager of the first start: the shard it serves and where it serves its
// metrics.
type firstManager struct {
	*managerProc
	shard       int
	addr        string
	heapLiveMiB float64
}

// scaleRun is o at the scale phase's rate and resync interval, running the manager with
// config/manager's GOMEMLIMIT unless --manager-env sets one.
func scaleRun(o options) (options, string, error) {
	limit, err := shippedGoMemLimit(shippedManifest)
	if err != nil {
		return o, "", err
	}
	so := o
	so.rate, so.burst, so.ptQPS, so.ptBurst = o.scale.rate, o.scale.rate, o.scale.rate, o.scale.rate
	so.resync = o.scale.resync
	so.managerEnv = append([]string{"GOMEMLIMIT=" + limit}, o.managerEnv...)
	for _, e := range o.managerEnv {
		if v, ok := strings.CutPrefix(e, "GOMEMLIMIT="); ok {
			limit = v
		}
	}
	return so, limit, nil
}

// scaleBench runs the points of the series, then the main run: with one shard its first start,
// resync cycle and restart; with several their first start and writes.
func scaleBench(ctx context.Context, o options, bin, tmp string) (*Scale, error) {
	so, limit, err := scaleRun(o)
	if err != nil {
		return nil, err
	}
	series := []ScalePoint{}
	for _, n := range o.scale.series {
		res := &Scale{Customers: n, Shards: 1}
		stop := func(p *scalePhase) error { p.stopManagers(); return nil }
		if err := settle(ctx, so, bin, tmp, fmt.Sprintf("scale-%d", n), res, stop); err != nil {
			return nil, fmt.Errorf("the series' point at %d customers: %w", n, err)
		}
		series = append(series, res.point())
		logPoint(series[len(series)-1])
	}
	res := &Scale{Customers: o.scale.customers, Shards: o.scale.shards, RateQPS: so.rate, ResyncInterval: so.resync.String(), GoMemLimit: limit}
	mo := so
	mo.auditWrites = res.Shards > 1
	err = settle(ctx, mo, bin, tmp, "scale", res, func(p *scalePhase) error {
		if res.Shards > 1 {
			return p.countShardWrites()
		}
		if err := p.cycle(ctx); err != nil {
			return err
		}
		series = append(series, res.point())
		logPoint(res.point())
		return p.restart(ctx, bin)
	})
	res.Series = series
	return res, err
}

// settle is what every run of the scale phase shares: a fresh stage whose res.Customers
// customers, created as GitOps applies them, are split evenly over res.Shards partner tenants,
// and one manager per shard started and waited on until every customer converged. then goes
// on with the managers running; the stage ends after it.
func settle(ctx context.Context, o options, bin, tmp, label string, res *Scale, then func(*scalePhase) error) error {
	n := res.Customers
	p := &scalePhase{o: o, tmp: tmp, label: label, res: res, cs: shardedCustomers(n, res.Shards)}
	st, err := startStage(ctx, o, tmp, newSim(o, p.cs), "pcsim-ca-"+label+".pem", label)
	defer st.undo.run()
	if err != nil {
		return err
	}
	p.st = st
	cas := agreementsFor(p.cs[:n])
	if err := asGitOpsApplies(cas); err != nil {
		return err
	}
	if res.CreateSeconds, err = st.createCustomers(ctx, o, res.Shards, cas, gitOpsCreateOption); err != nil {
		return err
	}
	logf("%s: created %d CustomerAgreements as GitOps applies them in %.1fs", label, n, res.CreateSeconds)
	if p.tr, p.wctx, err = st.watch(ctx, n); err != nil {
		return err
	}
	if err := p.firstStart(ctx, bin); err != nil {
		return err
	}
	return then(p)
}

// shardedCustomers are n settled customers split evenly, in order, over the shards' partner
// tenants, and one more (the restart's new customer) in the last shard.
func shardedCustomers(n, shards int) []customer {
	cs := customers(n+1, func(int) kind { return kindAttested })
	for i := range cs {
		cs[i].shard = min(i*shards/n, shards-1)
	}
	return cs
}

// managerArgs are the steady state's, with leader election and the metrics served over plain
// HTTP at metricsAddr.
func (p *scalePhase) managerArgs(kubeconfig string, resync time.Duration, metricsAddr string) []string {
	return append(managerArgs(kubeconfig, p.st.caFile, resync, p.o.maxConcurrent),
		"--leader-elect", "--metrics-bind-address="+metricsAddr, "--metrics-secure=false")
}

// startShardManager starts the first start's manager of a shard. With several shards it serves
// its shard's PartnerTenant only, under a leader election and a Kubernetes user of its own.
func (p *scalePhase) startShardManager(ctx context.Context, bin string, shard int) error {
	m := &firstManager{shard: shard}
	var err error
	if m.addr, err = freeAddr(); err != nil {
		return err
	}
	kubeconfig, logName, extra := p.st.cp.kubeconfig, p.label, []string(nil)
	if p.res.Shards > 1 {
		t := benchTenant(shard)
		if kubeconfig, err = p.st.cp.addUser(shardUser(t), p.tmp); err != nil {
			return err
		}
		logName += "-" + t.name
		extra = []string{"--partner-tenants=" + t.name, "--leader-election-id=" + t.name + ".mca-operator.partnercenter.mca.dev"}
	}
	args := append(p.managerArgs(kubeconfig, p.o.resync, m.addr), extra...)
	if m.managerProc, err = p.st.startManager(ctx, p.o, bin, args, filepath.Join(p.o.out, "bench-manager-"+logName+".log")); err != nil {
		return err
	}
	p.mgrs = append(p.mgrs, m)
	return nil
}

// shardUser is the Kubernetes user of the manager serving t, in a run with several shards.
func shardUser(t partnerTenant) string { return "shard-" + t.name }

// firstStart starts the managers, waits until every customer converged and, once the first
// cycle's trailing writes are in, reads the managers' live heaps.
func (p *scalePhase) firstStart(ctx context.Context, bin string) error {
	for shard := range p.res.Shards {
		if err := p.startShardManager(ctx, bin, shard); err != nil {
			return err
		}
	}
	p.tr.setStart(p.mgrs[0].started)
	procs := make([]*managerProc, len(p.mgrs))
	for i, m := range p.mgrs {
		synced, err := waitSynced(ctx, m.managerProc)
		if err != nil {
			return err
		}
		p.res.FirstStartToSyncedSeconds = max(p.res.FirstStartToSyncedSeconds, round(synced.Sub(m.started).Seconds(), 2))
		procs[i] = m.managerProc
	}
	logf("%s: caches synced %.1fs after the start", p.label, p.res.FirstStartToSyncedSeconds)
	if p.o.pprof {
		go p.profileHalfway(ctx, procs[0])
	}
	if err := waitAll(ctx, p.tr, p.label+" (first cycle)", procs...); err != nil {
		return err
	}
	times, _ := p.tr.snapshot()
	p.res.FirstCycleSeconds = round(times[len(times)-1], 2)
	time.Sleep(2 * time.Second) // the first cycle's trailing writes
	procs[0].profile("heap", filepath.Join(p.o.out, "bench-"+p.label+"-settled-heap.pprof"))
	maxLive := 0.0
	for _, m := range p.mgrs {
		live, err := metricValue(ctx, m.addr, "go_gc_heap_live_bytes")
		if err != nil {
			return err
		}
		m.heapLiveMiB = round(live/(1<<20), 1)
		maxLive = max(maxLive, live)
	}
	p.res.HeapLiveMiB = round(maxLive/(1<<20), 1)
	p.res.HeapMiBPerThousand = round(maxLive/(1<<20)/(float64(p.res.Customers/p.res.Shards)/1000), 2)
	return nil
}

// stopManagers stops the first start's managers; the run's peak RSS is the highest of theirs.
func (p *scalePhase) stopManagers() {
	for _, m := range p.mgrs {
		m.stop()
		p.res.PeakRSSMiB = max(p.res.PeakRSSMiB, round(float64(m.peakRSSKiB)/1024, 1))
	}
}

// cycle measures one resync cycle of the first start's one manager, which it stops.
func (p *scalePhase) cycle(ctx context.Context) error {
	n, m := p.res.Customers, p.mgrs[0]
	sp := &steadyPhase{label: p.label, file: p.label, o: p.o, cs: p.cs[:n], st: p.st, tr: p.tr, mgr: m.managerProc,
		res: &SteadyState{Customers: n, ResyncInterval: p.o.resync.String(), CreateSeconds: p.res.CreateSeconds,
			ConvergeSecs: p.res.FirstCycleSeconds, ManagerLog: m.logPath}}
	c, err := sp.cycle(ctx, p.wctx)
	if err != nil {
		return err
	}
	sp.summarise(c)
	p.res.Cycle = sp.res
	p.res.CallsPerCustomerPerResync = sp.res.CallsPerCustomer
	p.res.WritesPerCustomerPerResync = sp.res.WritesPerCustomer
	p.res.PeakRSSMiB = sp.res.RSSMiB
	return nil
}

// profileHalfway saves a heap profile once half the customers converged in the first cycle,
// when the manager's memory is at its highest.
func (p *scalePhase) profileHalfway(ctx context.Context, mgr *managerProc) {
	for {
		if n, _ := p.tr.counts(); n >= p.res.Customers/2 {
			mgr.profile("heap", filepath.Join(p.o.out, "bench-"+p.label+"-first-cycle-heap.pprof"))
			return
		}
		if sleepUntil(ctx, time.Now().Add(time.Second)) != nil || mgr.exited() {
			return
		}
	}
}

// restart starts a second manager over the settled customers and watches the window that stands
// for its first 10 minutes; a quarter into it a new customer is created.
func (p *scalePhase) restart(ctx context.Context, bin string) error {
	n, w := p.res.Customers, p.o.scale.restartWindow
	resync := restartResyncFactor * w
	p.res.RestartWindow, p.res.RestartResyncInterval = w.String(), resync.String()
	p.res.RestartReadsExpected = round(float64(n)*w.Seconds()/resync.Seconds(), 1)
	_, before := p.tr.snapshot()
	p.st.sim.ResetRequests()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p.res.RestartManagerLog = filepath.Join(p.o.out, "bench-manager-scale-restart.log")
	mgr, err := p.st.startManager(ctx, p.o, bin, p.managerArgs(p.st.cp.kubeconfig, resync, addr), p.res.RestartManagerLog)
	if err != nil {
		return err
	}
	synced, err := waitSynced(ctx, mgr)
	if err != nil {
		return err
	}
	p.res.StartToSyncedSeconds = round(synced.Sub(mgr.started).Seconds(), 2)
	logf("scale: restarted; caches synced %.1fs after the start; watching %s", p.res.StartToSyncedSeconds, w)
	created, err := p.createNewCustomer(ctx, synced.Add(w/4))
	if err != nil {
		return err
	}
	if err := sleepUntil(ctx, synced.Add(w)); err != nil {
		return err
	}
	_, after := p.tr.snapshot()
	for _, c := range p.cs[:n] {
		p.res.RestartStatusWrites += after[c.name] - before[c.name]
	}
	p.res.RestartReadsFirst10Min = p.readsBetween(p.st.sim.Requests(), synced, synced.Add(w))
	start, err := p.firstCallOf(ctx, p.cs[n], created)
	if err != nil {
		return err
	}
	p.res.NewCustomerStartSeconds = round(start.Sub(created).Seconds(), 2)
	mgr.profile("heap", filepath.Join(p.o.out, "bench-scale-restart-heap.pprof"))
	mgr.stop()
	p.res.PeakRSSMiB = max(p.res.PeakRSSMiB, round(float64(mgr.peakRSSKiB)/1024, 1))
	return nil
}

// createNewCustomer creates the last customer's CustomerAgreement at the time given, as GitOps
// applies it, and returns when.
func (p *scalePhase) createNewCustomer(ctx context.Context, at time.Time) (time.Time, error) {
	if err := sleepUntil(ctx, at); err != nil {
		return time.Time{}, err
	}
	cas := agreementsFor(p.cs[len(p.cs)-1:])
	if err := asGitOpsApplies(cas); err != nil {
		return time.Time{}, err
	}
	created := time.Now()
	return created, p.st.cp.cl.Create(ctx, cas[0], gitOpsCreateOption)
}

// readsBetween counts the Partner Center calls for the settled customers from one time to the
// other.
func (p *scalePhase) readsBetween(reqs []pcsim.RequestRecord, from, to time.Time) int {
	settled := map[string]bool{}
	for _, c := range p.cs[:p.res.Customers] {
		settled[c.tenantID] = true
	}
	n := 0
	for _, r := range reqs {
		if !r.Time.Before(from) && r.Time.Before(to) && settled[customerOf(r.Path)] {
			n++
		}
	}
	return n
}

// firstCallOf waits (a minute at most) for the customer's first Partner Center call after the
// time given.
func (p *scalePhase) firstCallOf(ctx context.Context, c customer, after time.Time) (time.Time, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		for _, r := range p.st.sim.Requests() {
			if customerOf(r.Path) == c.tenantID && !r.Time.Before(after) {
				return r.Time, nil
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("no Partner Center call for the new customer %s within a minute", c.name)
		}
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return time.Time{}, err
		}
	}
}

func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}
