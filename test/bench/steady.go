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
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
)

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
	// WritesPerCustomer: the manager's writes to the API server in the cycle that grow with
	// customers (all but a PartnerTenant's and the Leases': customerWrites), per customer;
	// APIWrites holds every write, by resource.
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

// steadyPhase settles o.steadyCustomers attested customers, then measures one resync cycle. The
// scale phase measures its cycle with it too: label names the phase in the log, file in the
// profiles' names.
type steadyPhase struct {
	label, file string
	o           options
	cs          []customer
	res         *SteadyState
	st          *stage
	tr          *tracker
	mgr         *managerProc
}

// steadyCycle is what the phase observed over the cycle, for the summary.
type steadyCycle struct {
	writes0, writes1 int // status writes seen by the watch
	api0, api1       map[string]float64
	st0, st1         procStats
	reqs             []pcsim.RequestRecord
}

func steadyState(ctx context.Context, o options, bin, tmp string) (*SteadyState, error) {
	cs := customers(o.steadyCustomers, func(int) kind { return kindAttested })
	p := &steadyPhase{label: "steady state", file: "steady", o: o, cs: cs, res: &SteadyState{Customers: len(cs), ResyncInterval: o.resync.String()}}
	st, err := startStage(ctx, o, tmp, newSim(o, cs), "pcsim-ca-steady.pem", "steady state")
	defer st.undo.run()
	if err != nil {
		return nil, err
	}
	p.st = st
	if p.res.CreateSeconds, err = st.createCustomers(ctx, o, 1, agreementsFor(cs)); err != nil {
		return nil, err
	}
	logf("steady state: created %d CustomerAgreements in %.1fs", len(cs), p.res.CreateSeconds)
	wctx, err := p.initialSync(ctx, bin)
	if err != nil {
		return nil, err
	}
	c, err := p.cycle(ctx, wctx)
	if err != nil {
		return nil, err
	}
	p.summarise(c)
	return p.res, nil
}

// initialSync starts the manager and waits until every customer converged.
func (p *steadyPhase) initialSync(ctx context.Context, bin string) (context.Context, error) {
	o, st := p.o, p.st
	tr, wctx, err := st.watch(ctx, len(p.cs))
	if err != nil {
		return nil, err
	}
	p.tr = tr
	p.res.ManagerLog = filepath.Join(o.out, "bench-manager-steady.log")
	if p.mgr, err = st.startManager(ctx, o, bin, managerArgs(st.cp.kubeconfig, st.caFile, o.resync, o.maxConcurrent), p.res.ManagerLog); err != nil {
		return nil, err
	}
	tr.setStart(p.mgr.started)
	if err := waitAll(ctx, tr, "steady state (initial sync)", p.mgr); err != nil {
		return nil, err
	}
	times, _ := tr.snapshot()
	p.res.ConvergeSecs = round(times[len(times)-1], 2)
	// Trailing writes of the initial sync are not part of the cycle.
	time.Sleep(2 * time.Second)
	return wctx, nil
}

// cycle measures from now until every customer has been read from Partner Center again; it
// stops the manager.
func (p *steadyPhase) cycle(ctx, wctx context.Context) (steadyCycle, error) {
	var c steadyCycle
	var err error
	_, c.writes0 = p.tr.counts()
	if c.api0, err = p.st.cp.apiWrites(ctx); err != nil {
		return c, err
	}
	if c.st0, err = p.mgr.stats(); err != nil {
		return c, err
	}
	p.st.sim.ResetRequests()
	cycleStart := time.Now()
	// The measured interval starts a tenth of an interval on: the resync reads the first cycle
	// deferred (its first reads took the tenant's rate) are done by then, and would otherwise
	// count with the same customers' next slots.
	window := cycleStart.Add(p.o.resync / 10)
	logf("%s: all %d converged after %.1fs; measuring one resync interval from %s on (%s: each customer at its slot)",
		p.label, len(p.cs), p.res.ConvergeSecs, p.o.resync/10, p.o.resync)
	conns := newConnCounter(wctx, p.st.url)
	conns0 := conns.count()
	seen, err := p.waitResynced(ctx, cycleStart, window)
	if err != nil {
		return c, err
	}
	p.res.CycleSeconds = round(time.Since(cycleStart).Seconds(), 1)
	p.res.CustomersResynced = seen
	time.Sleep(2 * time.Second) // the status writes, if any, of the last reads
	// The calls of the measured interval, in which each customer's slot comes once; the cycle may
	// last a few seconds longer (the reads' least interval), in which the first slots come again.
	c.reqs = requestsBetween(p.st.sim.Requests(), window, window.Add(p.o.resync))
	if c.st1, err = p.mgr.stats(); err != nil {
		return c, err
	}
	_, c.writes1 = p.tr.counts()
	if c.api1, err = p.st.cp.apiWrites(ctx); err != nil {
		return c, err
	}
	conns1 := conns.count()
	p.res.TCPConnections = conns1 - conns0
	p.mgr.profile("heap", filepath.Join(p.o.out, "bench-"+p.file+"-heap.pprof"))
	p.mgr.stop()
	return c, nil
}

// waitResynced waits until the simulator's log shows every customer's agreements read again from
// window on, or the cycle's deadline passes, and returns how many were.
func (p *steadyPhase) waitResynced(ctx context.Context, cycleStart, window time.Time) (int, error) {
	o, mgr := p.o, p.mgr
	deadline := cycleStart.Add(time.Duration(float64(o.resync)*1.1) + time.Duration(len(p.cs)/o.rate)*time.Second + time.Minute)
	want := map[string]bool{}
	for _, c := range p.cs {
		want[c.tenantID] = true
	}
	seen := map[string]bool{}
	seenIdx := 0
	profiling := false
	lastLog := time.Now()
	for len(seen) < len(want) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-mgr.done:
			return 0, fmt.Errorf("the manager exited early (log: %s)", mgr.logPath)
		case <-time.After(time.Second):
		}
		reqs := p.st.sim.Requests()
		for ; seenIdx < len(reqs); seenIdx++ {
			if r := reqs[seenIdx]; opOf(r) == pcsim.OpListCustomerAgreements && r.Status == 200 && !r.Time.Before(window) {
				if id := customerOf(r.Path); want[id] {
					seen[id] = true
				}
			}
		}
		if o.pprof && !profiling && len(seen) > 0 {
			profiling = true
			go mgr.profile("profile?seconds=60", filepath.Join(o.out, "bench-"+p.file+"-cpu.pprof"))
		}
		if time.Since(lastLog) > 15*time.Second {
			logf("%s: %d/%d customers resynced, %.0fs into the cycle", p.label, len(seen), len(want), time.Since(cycleStart).Seconds())
			lastLog = time.Now()
		}
	}
	return len(seen), nil
}

// summarise fills in the result from what the cycle observed.
func (p *steadyPhase) summarise(c steadyCycle) {
	res, n := p.res, len(p.cs)
	res.Calls = callStats(c.reqs, n)
	res.CallsPerCustomer = res.Calls.PerCust
	res.StatusWrites = c.writes1 - c.writes0
	res.APIWrites = diffWrites(c.api0, c.api1)
	res.WritesPerCustomer = round(float64(customerWrites(res.APIWrites))/float64(n), 4)
	res.RSSMiB = round(float64(max(c.st1.hwmKiB, p.mgr.peakRSSKiB))/1024, 1)
	res.RSSEndMiB = round(float64(c.st1.rssKiB)/1024, 1)
	res.RSSAnonEndMiB = round(float64(c.st1.anonKiB)/1024, 1)
	res.RSSFileEndMiB = round(float64(c.st1.fileKiB)/1024, 1)
	res.CPUSecondsCycle = round((c.st1.cpu - c.st0.cpu).Seconds(), 2)
	res.CPUSecondsTotal = round(p.mgr.cpu.Seconds(), 2)
	if res.CustomersResynced < n {
		logf("%s: only %d of %d customers were read again before the deadline", p.label, res.CustomersResynced, n)
	}
}

// requestsBetween is the requests made from one time until the other.
func requestsBetween(reqs []pcsim.RequestRecord, from, until time.Time) []pcsim.RequestRecord {
	out := reqs[:0:0]
	for _, r := range reqs {
		if !r.Time.Before(from) && r.Time.Before(until) {
			out = append(out, r)
		}
	}
	return out
}
