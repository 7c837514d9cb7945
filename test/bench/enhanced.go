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
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// Enhanced is the result of the enhanced onboarding phase (the headline).
type Enhanced struct {
	Customers int            `json:"customers"`
	Mix       map[string]int `json:"mix"`
	Fates     map[string]int `json:"signatories"`
	// Accepted: signatories who accepted a link; Agreed: of them, those whose agreement exists.
	Accepted int `json:"accepted"`
	Agreed   int `json:"agreed"`
	// AcceptedWithoutAgreement: accepted, and no agreement by the end of the run (stuck).
	AcceptedWithoutAgreement int `json:"acceptedWithoutAgreement"`
	// AcceptFailed: the simulator refused a planned acceptance (the link had expired already).
	AcceptFailed int `json:"acceptFailed"`
	// Acceptance-to-agreement delays: from the signatory's acceptance (sim.Accept) to the
	// agreement record's creation in the simulator.
	AcceptedDelayP50 float64 `json:"acceptedDelayP50Seconds"`
	AcceptedDelayP95 float64 `json:"acceptedDelayP95Seconds"`
	AcceptedDelayMax float64 `json:"acceptedDelayMaxSeconds"`
	// AwaitingPeak: the most customers awaiting their signatory at once (an attestation started,
	// no agreement yet), sampled every 200 ms.
	AwaitingPeak int `json:"awaitingPeak"`
	// BoundSeconds is the poll budget's bound on the delay: polls may use pollShare of the
	// tenant's rate, so AwaitingPeak customers polled in turn are each checked once every
	// AwaitingPeak / (pollShare × qps) seconds at worst, and an acceptance waits at most that long
	// for the poll that sees it. The back-off interval (up to --attestation-poll-max-interval) is a
	// floor of its own: with few customers it, not the budget, sets the delay.
	BoundSeconds float64 `json:"boundSeconds"`
	// CallsPerCustomer: Partner Center calls (token requests apart) per CustomerAgreement of the
	// run (the new one included), "total" and by operation; CreateAgreement by answer code.
	CallsPerCustomer map[string]float64 `json:"callsPerCustomer"`
	Calls            CallStats          `json:"calls"`
	// PollShare: the fraction of calls that were polls (GETs of attestations, and create attempts
	// refused with 600062 because the signatory had not accepted yet).
	PollShare float64 `json:"pollShare"`
	Polls     int     `json:"polls"`
	Throttled int     `json:"throttled"`
	// NewCustomerStartSeconds: one CustomerAgreement created once every other customer's
	// attestation had started (while they wait): from its creation to its start call
	// (POST /v1/attestations/enhanced).
	NewCustomerStartSeconds float64 `json:"newCustomerStartSeconds"`
	NewCustomerCreatedAt    float64 `json:"newCustomerCreatedAtSeconds"`
	// NewCustomerCalls: the new customer's calls until its start, seconds after its creation.
	NewCustomerCalls []string `json:"newCustomerCalls,omitempty"`
	// LinksRenewed: attestations started beyond the first of each customer.
	LinksRenewed int `json:"linksRenewed"`
	// RenewedForAccepting: renewals for customers whose signatory accepted the first link.
	RenewedForAccepting int `json:"renewedForAccepting"`
	// ExpiredNotRenewed: customers whose link expired at least a minute before the end and who
	// got no new one.
	ExpiredNotRenewed int `json:"expiredNotRenewed"`
	// AgreementsWithoutAcceptance: agreements the operator created for a customer whose
	// signatory had not accepted (never, or not yet).
	AgreementsWithoutAcceptance int `json:"agreementsWithoutAcceptance"`
	CustomersWithTwoAgreements  int `json:"customersWithTwoAgreements"`
	// Seconds: manager start to the end of the run; AllStartedSeconds: to the start of the last
	// customer's first attestation.
	Seconds           float64 `json:"seconds"`
	AllStartedSeconds float64 `json:"allStartedSeconds"`
	// Complete: the run saw every accepting customer's agreement and every renewal it waited for.
	Complete                bool           `json:"complete"`
	StatusWritesPerCustomer float64        `json:"statusWritesPerCustomer"`
	StatusWritesMax         int            `json:"statusWritesMax"`
	APIWrites               map[string]int `json:"apiServerWrites"`
	PeakRSSMiB              float64        `json:"peakRssMiB"`
	CPUSeconds              float64        `json:"cpuSeconds"`
	Deliveries              Deliveries     `json:"deliveries"`
	Settings                EnhancedConfig `json:"settings"`
	Targets                 []Target       `json:"targets"`
	Plot                    string         `json:"plot,omitempty"`
	ManagerLog              string         `json:"managerLog"`
}

// EnhancedConfig records the phase's settings.
type EnhancedConfig struct {
	RateQPS         int             `json:"rateQps"`
	RateBurst       int             `json:"rateBurst"`
	PollShare       string          `json:"pollShare"`
	LinkLifetime    string          `json:"linkLifetime"`
	PollInterval    string          `json:"attestationPollInterval"`
	PollMaxInterval string          `json:"attestationPollMaxInterval"`
	MinReadInterval string          `json:"minReadInterval"`
	ResyncInterval  string          `json:"resyncInterval"`
	Duration        string          `json:"duration,omitempty"`
	Seed            uint64          `json:"seed"`
	WireVariants    json.RawMessage `json:"wireVariants,omitempty"`
}

// enhancedPhase is the enhanced onboarding: its customers, where it runs and what it starts.
type enhancedPhase struct {
	o        options
	e        enhancedOptions
	share    float64
	variants pcsim.WireVariants
	cs       []ecustomer // created before the manager starts
	newcomer ecustomer   // created while the others wait
	all      []ecustomer // cs and the newcomer
	r        *Enhanced

	st           *stage
	mb           *mailbox.Server
	tr           *tracker
	mgr          *managerProc
	writesBefore map[string]float64
}

// enhancedRun is what the run loop observed besides the signatories' states.
type enhancedRun struct {
	newCreatedAt, allStartedAt, end time.Time
	complete                        bool
}

// runEnhanced runs the phase.
func runEnhanced(ctx context.Context, o options, bin, tmp string) (*Enhanced, error) {
	p, err := newEnhancedPhase(o)
	if err != nil {
		return nil, err
	}
	if err := setVariants(p.st.sim, p.variants); err != nil {
		return nil, err
	}
	st, err := startStage(ctx, o, tmp, p.st.sim, "pcsim-ca-enhanced.pem", "enhanced")
	defer st.undo.run()
	if err != nil {
		return nil, err
	}
	p.st = st
	if err := p.setUp(ctx); err != nil {
		return nil, err
	}
	if err := p.startManager(ctx, bin); err != nil {
		return nil, err
	}
	sg := newSignatories(st.sim, p.all, p.newcomer)
	run, err := p.observe(ctx, sg)
	if err != nil {
		return nil, err
	}
	// Let trailing calls land: a second agreement or a late renewal would show here.
	time.Sleep(5 * time.Second)
	run.end = time.Now()
	if err := p.summarise(ctx, sg, run); err != nil {
		return nil, err
	}
	return p.r, nil
}

// newEnhancedPhase validates the options and draws the customers; its stage holds the
// simulator, not started yet.
func newEnhancedPhase(o options) (*enhancedPhase, error) {
	e := o.enhanced
	share, variants, err := e.validate()
	if err != nil {
		return nil, err
	}
	cs := enhancedCustomers(e)
	newcomer := ecustomer{customer: customer{name: "customer-new", tenantID: "e0000000-0000-4000-8000-ffffffffffff", kind: kindNoMCA}, sig: signatoryOf(99999), fate: fateNever}
	all := append(append([]ecustomer(nil), cs...), newcomer)

	r := &Enhanced{Customers: len(cs), Mix: map[string]int{}, Fates: map[string]int{}, Settings: EnhancedConfig{
		RateQPS: e.rate, RateBurst: e.burst, PollShare: e.pollShare, LinkLifetime: e.linkLifetime.String(),
		PollInterval: e.pollInterval.String(), PollMaxInterval: e.pollMaxInterval.String(), MinReadInterval: e.minReadInterval.String(),
		ResyncInterval: time.Hour.String(), Seed: e.seed,
	}}
	if e.duration > 0 {
		r.Settings.Duration = e.duration.String()
	}
	if e.wireVariants != "" {
		r.Settings.WireVariants, _ = json.Marshal(variants)
	}
	for _, c := range cs {
		r.Mix[c.kind.String()]++
		r.Fates[c.fate.String()]++
	}
	sim := pcsim.New(enhancedSeed(all), pcsim.Options{Latency: o.latency, RateLimitQPS: float64(e.rate), RateLimitBurst: e.burst})
	return &enhancedPhase{o: o, e: e, share: share, variants: variants, cs: cs, newcomer: newcomer, all: all, r: r, st: &stage{sim: sim}}, nil
}

// setUp starts the mailbox and creates the PartnerTenant and the customers (the newcomer apart).
func (p *enhancedPhase) setUp(ctx context.Context) error {
	st := p.st
	mb, err := mailbox.Start("127.0.0.1:0", mailbox.Options{})
	if err != nil {
		return err
	}
	p.mb = mb
	st.undo.add(func() { _ = mb.Close() })
	if err := st.cp.createPartnerTenant(ctx, partnerName, enhancedPartnerTenantSpec(st.url, p.e, mb)); err != nil {
		return err
	}
	objs := make([]*v1alpha1.CustomerAgreement, len(p.cs))
	for i, c := range p.cs {
		objs[i] = enhancedAgreement(c)
	}
	if err := st.cp.createAll(ctx, objs); err != nil {
		return err
	}
	logf("enhanced: created %d CustomerAgreements (%s); signatories %s", len(p.cs), kv(p.r.Mix), kv(p.r.Fates))
	return nil
}

// startManager starts the watch and the manager, with the phase's poll intervals.
func (p *enhancedPhase) startManager(ctx context.Context, bin string) error {
	st, e := p.st, p.e
	tr, _, err := st.watch(ctx, len(p.all))
	if err != nil {
		return err
	}
	p.tr = tr
	if p.writesBefore, err = st.cp.apiWrites(ctx); err != nil {
		return err
	}
	st.sim.ResetRequests()
	p.r.ManagerLog = filepath.Join(p.o.out, "bench-manager-enhanced.log")
	args := append(managerArgs(st.cp.kubeconfig, st.caFile, time.Hour, p.o.maxConcurrent),
		"--attestation-poll-interval="+e.pollInterval.String(),
		"--attestation-poll-max-interval="+e.pollMaxInterval.String(),
		"--min-read-interval="+e.minReadInterval.String(),
	)
	if p.mgr, err = st.startManager(ctx, p.o, bin, args, p.r.ManagerLog); err != nil {
		return err
	}
	logf("enhanced: manager started (pid %d); links live %s, first poll after %s, at most %s apart; %d req/s, pollShare %s",
		p.mgr.cmd.Process.Pid, e.linkLifetime, e.pollInterval, e.pollMaxInterval, e.rate, e.pollShare)
	return nil
}

// observe plays the signatories every 200 ms, creates the newcomer once every other customer's
// attestation started (or half the run's cap passed), and returns once every accepting customer
// has its agreement and every never-accepting customer's link was renewed, or the cap is reached.
func (p *enhancedPhase) observe(ctx context.Context, sg *signatories) (enhancedRun, error) {
	var run enhancedRun
	e, mgr := p.e, p.mgr
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastLog := time.Now()
	for {
		select {
		case <-ctx.Done():
			return run, fmt.Errorf("%w (manager log: %s)", ctx.Err(), mgr.logPath)
		case <-mgr.done:
			return run, fmt.Errorf("the manager exited early (log: %s)", mgr.logPath)
		case <-tick.C:
		}
		now := time.Now()
		sg.track()
		awaiting, pend := sg.step(now)
		p.r.AwaitingPeak = max(p.r.AwaitingPeak, awaiting)
		if run.allStartedAt.IsZero() && sg.started == len(p.cs) {
			run.allStartedAt = now
		}
		if run.newCreatedAt.IsZero() && (!run.allStartedAt.IsZero() || (e.duration > 0 && now.Sub(mgr.started) > e.duration/2)) {
			if err := p.st.cp.cl.Create(ctx, enhancedAgreement(p.newcomer)); err != nil {
				return run, fmt.Errorf("creating the new customer: %w", err)
			}
			run.newCreatedAt = time.Now()
			logf("enhanced: created %s while %d customers await their signatory", p.newcomer.name, awaiting)
		}
		newPending := run.newCreatedAt.IsZero() || len(sg.newState.atts) == 0
		if pend == (pending{}) && !newPending {
			run.complete = true
			return run, nil
		}
		if e.duration > 0 && now.Sub(mgr.started) >= e.duration {
			logf("enhanced: --enhanced-duration %s reached", e.duration)
			return run, nil
		}
		if now.Sub(lastLog) >= 15*time.Second {
			lastLog = now
			logf("enhanced: %.0fs: %d/%d started, %d awaiting, %d acceptances to come, %d accepted without agreement yet, %d never-accepting links not renewed yet, %d requests",
				now.Sub(mgr.started).Seconds(), sg.started, len(p.cs), awaiting, pend.accept, pend.agreement, pend.renewal, len(p.st.sim.Requests()))
		}
	}
}
