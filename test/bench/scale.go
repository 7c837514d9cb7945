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
}

// scalePhase runs it. cs holds one customer more than the phase creates at first: the new one of
// the restart.
type scalePhase struct {
	o    options // at the scale phase's rate
	cs   []customer
	res  *Scale
	st   *stage
	tr   *tracker
	wctx context.Context
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

func scaleBench(ctx context.Context, o options, bin, tmp string) (*Scale, error) {
	so, limit, err := scaleRun(o)
	if err != nil {
		return nil, err
	}
	n := o.scale.customers
	p := &scalePhase{o: so, cs: customers(n+1, func(int) kind { return kindAttested })}
	p.res = &Scale{Customers: n, Shards: 1, RateQPS: so.rate, ResyncInterval: so.resync.String(), GoMemLimit: limit}
	st, err := startStage(ctx, so, tmp, newSim(so, p.cs), "pcsim-ca-scale.pem", "scale")
	defer st.undo.run()
	if err != nil {
		return nil, err
	}
	p.st = st
	cas := agreementsFor(p.cs[:n])
	if err := asGitOpsApplies(cas); err != nil {
		return nil, err
	}
	if p.res.CreateSeconds, err = st.createCustomers(ctx, so, cas, gitOpsCreateOption); err != nil {
		return nil, err
	}
	logf("scale: created %d CustomerAgreements as GitOps applies them in %.1fs", n, p.res.CreateSeconds)
	if p.tr, p.wctx, err = st.watch(ctx, n); err != nil {
		return nil, err
	}
	if err := p.firstStartAndCycle(ctx, bin); err != nil {
		return nil, err
	}
	if err := p.restart(ctx, bin); err != nil {
		return nil, err
	}
	return p.res, nil
}

// managerArgs are the steady state's, with leader election and the metrics served over plain
// HTTP at metricsAddr.
func (p *scalePhase) managerArgs(resync time.Duration, metricsAddr string) []string {
	return append(managerArgs(p.st.cp, p.st.caFile, resync, p.o.maxConcurrent),
		"--leader-elect", "--metrics-bind-address="+metricsAddr, "--metrics-secure=false")
}

// firstStartAndCycle starts the first manager, waits until every customer settled and measures
// one resync cycle; the cycle stops the manager.
func (p *scalePhase) firstStartAndCycle(ctx context.Context, bin string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	sp := &steadyPhase{label: "scale", file: "scale", o: p.o, cs: p.cs[:p.res.Customers], st: p.st, tr: p.tr,
		res: &SteadyState{Customers: p.res.Customers, ResyncInterval: p.o.resync.String(), CreateSeconds: p.res.CreateSeconds}}
	sp.res.ManagerLog = filepath.Join(p.o.out, "bench-manager-scale.log")
	if sp.mgr, err = p.st.startManager(ctx, p.o, bin, p.managerArgs(p.o.resync, addr), sp.res.ManagerLog); err != nil {
		return err
	}
	p.tr.setStart(sp.mgr.started)
	synced, err := waitSynced(ctx, sp.mgr)
	if err != nil {
		return err
	}
	p.res.FirstStartToSyncedSeconds = round(synced.Sub(sp.mgr.started).Seconds(), 2)
	logf("scale: caches synced %.1fs after the start", p.res.FirstStartToSyncedSeconds)
	if p.o.pprof {
		go p.profileHalfway(ctx, sp.mgr)
	}
	if err := waitAll(ctx, p.tr, sp.mgr, "scale (first cycle)"); err != nil {
		return err
	}
	times, _ := p.tr.snapshot()
	p.res.FirstCycleSeconds = round(times[len(times)-1], 2)
	sp.res.ConvergeSecs = p.res.FirstCycleSeconds
	time.Sleep(2 * time.Second) // the first cycle's trailing writes
	sp.mgr.profile("heap", filepath.Join(p.o.out, "bench-scale-settled-heap.pprof"))
	live, err := metricValue(ctx, addr, "go_gc_heap_live_bytes")
	if err != nil {
		return err
	}
	p.res.HeapLiveMiB = round(live/(1<<20), 1)
	p.res.HeapMiBPerThousand = round(live/(1<<20)/(float64(p.res.Customers)/1000), 2)
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
			mgr.profile("heap", filepath.Join(p.o.out, "bench-scale-first-cycle-heap.pprof"))
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
	mgr, err := p.st.startManager(ctx, p.o, bin, p.managerArgs(resync, addr), p.res.RestartManagerLog)
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
