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
	// APIWritesPerCustomer: the writes that grow with customers (customerWrites), per customer.
	APIWritesPerCustomer float64 `json:"apiServerWritesPerCustomer"`
	PeakRSSMiB           float64 `json:"peakRssMiB"`
	CPUSeconds           float64 `json:"cpuSeconds"`
	CreateSeconds        float64 `json:"createSeconds"`
	// TCPConnections: TCP+TLS connections the manager opened to the simulator (HTTP/1.1).
	TCPConnections int    `json:"tcpConnections"`
	ManagerLog     string `json:"managerLog"`
}

// onboardingPhase onboards o.customers customers of kindOf's mix: LegacyConfirmation for those
// without a current agreement.
type onboardingPhase struct {
	o   options
	cs  []customer
	res *Onboarding
	st  *stage
	mgr *managerProc
}

// onboardingRun is what the phase observed, for the summary.
type onboardingRun struct {
	times                     []float64 // seconds from the manager's start to each convergence
	modified                  map[string]int
	writesBefore, writesAfter map[string]float64
	reqs                      []pcsim.RequestRecord
}

func onboarding(ctx context.Context, o options, bin, tmp string) (*Onboarding, []float64, error) {
	p := newOnboardingPhase(o)
	st, err := startStage(ctx, o, tmp, newSim(o, p.cs), "pcsim-ca.pem", "onboarding")
	defer st.undo.run()
	if err != nil {
		return nil, nil, err
	}
	p.st = st
	// Everything is in the API server before the manager starts: the clock measures the operator.
	if p.res.CreateSeconds, err = st.createCustomers(ctx, o, 1, agreementsFor(p.cs)); err != nil {
		return nil, nil, err
	}
	logf("onboarding: created %d CustomerAgreements in %.1fs", len(p.cs), p.res.CreateSeconds)
	run, err := p.measure(ctx, bin)
	if err != nil {
		return nil, nil, err
	}
	p.summarise(run)
	return p.res, run.times, nil
}

// newOnboardingPhase draws the customers and computes the lower bound: every needed call at the
// full rate.
func newOnboardingPhase(o options) *onboardingPhase {
	cs := customers(o.customers, kindOf)
	res := &Onboarding{Customers: len(cs), Mix: map[string]int{}, BoundCalls: 1} // + the template metadata, once
	for _, c := range cs {
		res.Mix[c.kind.String()]++
		res.BoundCalls += c.kind.minimalCalls()
	}
	res.BoundSeconds = round(float64(res.BoundCalls)/float64(o.rate), 2)
	res.BoundSecondsWithBurst = round(float64(max(0, res.BoundCalls-o.burst))/float64(o.rate), 2)
	return &onboardingPhase{o: o, cs: cs, res: res}
}

// measure starts the manager and waits until every customer converged; it stops the manager.
func (p *onboardingPhase) measure(ctx context.Context, bin string) (onboardingRun, error) {
	var run onboardingRun
	o, st := p.o, p.st
	tr, wctx, err := st.watch(ctx, len(p.cs))
	if err != nil {
		return run, err
	}
	if run.writesBefore, err = st.cp.apiWrites(ctx); err != nil {
		return run, err
	}
	st.sim.ResetRequests()

	conns := newConnCounter(wctx, st.url)
	p.res.ManagerLog = filepath.Join(o.out, "bench-manager-onboarding.log")
	// The onboarding manager resyncs hourly: nothing settles again within the measurement.
	mgr, err := st.startManager(ctx, o, bin, managerArgs(st.cp.kubeconfig, st.caFile, time.Hour, o.maxConcurrent), p.res.ManagerLog)
	if err != nil {
		return run, err
	}
	p.mgr = mgr
	tr.setStart(mgr.started)
	logf("onboarding: manager started (pid %d)", mgr.cmd.Process.Pid)
	if o.pprof {
		go func() {
			time.Sleep(2 * time.Second)
			mgr.profile("profile?seconds=15", filepath.Join(o.out, "bench-onboarding-cpu.pprof"))
		}()
	}

	if err := waitAll(ctx, tr, "onboarding", mgr); err != nil {
		return run, err
	}
	run.times, _ = tr.snapshot()
	// Let trailing writes, if any, arrive before counting.
	time.Sleep(3 * time.Second)
	_, run.modified = tr.snapshot()
	if run.writesAfter, err = st.cp.apiWrites(ctx); err != nil {
		return run, err
	}
	p.res.TCPConnections = conns.count()
	mgr.profile("heap", filepath.Join(o.out, "bench-onboarding-heap.pprof"))
	mgr.stop()
	run.reqs = st.sim.Requests()
	return run, nil
}

// summarise fills in the result from what the run observed.
func (p *onboardingPhase) summarise(run onboardingRun) {
	res, mgr := p.res, p.mgr
	last := run.times[len(run.times)-1]
	res.Seconds = round(last, 2)
	res.Calls = callStats(run.reqs, len(p.cs))
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
	for _, c := range p.cs {
		n := run.modified[c.name]
		total += n
		maxW = max(maxW, n)
		res.StatusWritesHistogram[fmt.Sprint(n)]++
	}
	res.StatusWritesPerCustomer = round(float64(total)/float64(len(p.cs)), 3)
	res.StatusWritesMax = maxW
	res.APIWrites = diffWrites(run.writesBefore, run.writesAfter)
	res.APIWritesPerCustomer = round(float64(customerWrites(res.APIWrites))/float64(len(p.cs)), 3)
	res.PeakRSSMiB = round(float64(mgr.peakRSSKiB)/1024, 1)
	res.CPUSeconds = round(mgr.cpu.Seconds(), 2)
}
