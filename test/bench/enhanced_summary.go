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
	"math"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// summarise stops the manager and fills in the result from what the run observed.
func (p *enhancedPhase) summarise(ctx context.Context, sg *signatories, run enhancedRun) error {
	r, mgr := p.r, p.mgr
	r.Complete = run.complete
	r.Seconds = round(run.end.Sub(mgr.started).Seconds(), 1)
	if !run.allStartedAt.IsZero() {
		r.AllStartedSeconds = round(run.allStartedAt.Sub(mgr.started).Seconds(), 1)
	}
	_, modified := p.tr.snapshot()
	writesAfter, err := p.st.cp.apiWrites(ctx)
	if err != nil {
		return err
	}
	reqs := p.st.sim.Requests()
	mgr.stop()

	// Delays, agreements, renewals.
	var delays []float64
	total, maxW := 0, 0
	for _, st := range sg.states {
		recs := operatorAgreements(p.st.sim.CustomerAgreements(partnerTenantID, st.c.tenantID))
		if d, ok := r.countCustomer(st, recs, run.end); ok {
			delays = append(delays, d)
		}
		n := modified[st.c.name]
		total += n
		maxW = max(maxW, n)
	}
	sort.Float64s(delays)
	r.AcceptedDelayP50 = round(percentile(delays, 0.50), 2)
	r.AcceptedDelayP95 = round(percentile(delays, 0.95), 2)
	if len(delays) > 0 {
		r.AcceptedDelayMax = round(delays[len(delays)-1], 2)
	}
	r.BoundSeconds = round(float64(r.AwaitingPeak)/(p.share*float64(p.e.rate)), 1)

	r.countCalls(reqs, p.st.sim, len(p.all))
	p.newcomerStart(sg.newState, run.newCreatedAt, reqs)

	r.StatusWritesPerCustomer = round(float64(total)/float64(len(p.all)), 2)
	r.StatusWritesMax = maxW
	r.APIWrites = diffWrites(p.writesBefore, writesAfter)
	r.PeakRSSMiB = round(float64(mgr.peakRSSKiB)/1024, 1)
	r.CPUSeconds = round(mgr.cpu.Seconds(), 2)
	r.Deliveries = countDeliveries(p.mb, p.e.deliveriesPerMinute)
	// After every count: the targets read them (the duplicate link emails among them).
	r.Targets = enhancedTargets(r)

	png := filepath.Join(p.o.out, "bench-enhanced-cdf.png")
	if err := plotAcceptanceCDF(png, delays, r); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	r.Plot = png
	return nil
}

// countCustomer adds one customer's acceptance, agreements and renewals to the counts; it returns
// the delay from the acceptance to the agreement, if both happened.
func (r *Enhanced) countCustomer(st *custState, recs []pcsim.AgreementRecord, end time.Time) (float64, bool) {
	accepted := !st.acceptedAt.IsZero()
	if len(recs) > 1 {
		r.CustomersWithTwoAgreements++
	}
	for _, a := range recs {
		if !accepted || a.Created.Before(st.acceptedAt) {
			r.AgreementsWithoutAcceptance++
		}
	}
	if st.acceptErr {
		r.AcceptFailed++
	}
	if n := len(st.atts); n > 1 {
		r.LinksRenewed += n - 1
		if accepted {
			r.RenewedForAccepting += n - 1
		}
	}
	if len(recs) == 0 && !accepted && !st.lastExpiry.IsZero() && end.Sub(st.lastExpiry) > time.Minute {
		r.ExpiredNotRenewed++
	}
	if !accepted {
		return 0, false
	}
	r.Accepted++
	if len(recs) == 0 {
		r.AcceptedWithoutAgreement++
		return 0, false
	}
	r.Agreed++
	return recs[0].Created.Sub(st.acceptedAt).Seconds(), true
}

// countCalls counts the calls, CreateAgreement split by the code answered, and the polls.
func (r *Enhanced) countCalls(reqs []pcsim.RequestRecord, sim *pcsim.Server, customers int) {
	r.Calls = callStats(reqs, customers)
	r.Throttled = r.Calls.Throttled
	r.Polls = splitCreates(&r.Calls, reqs, sim, customers)
	r.Calls.ThrottledAt = nil
	if r.Calls.Total > 0 {
		r.PollShare = round(float64(r.Polls)/float64(r.Calls.Total), 3)
	}
	r.CallsPerCustomer = map[string]float64{"total": r.Calls.PerCust}
	for op, v := range r.Calls.PerCustOp {
		r.CallsPerCustomer[op] = v
	}
}

// newcomerStart finds the new customer's start call: the first request carrying its start's
// MS-RequestId.
func (p *enhancedPhase) newcomerStart(newState *custState, createdAt time.Time, reqs []pcsim.RequestRecord) {
	r := p.r
	r.NewCustomerStartSeconds = -1
	if createdAt.IsZero() {
		return
	}
	r.NewCustomerCreatedAt = round(createdAt.Sub(p.mgr.started).Seconds(), 1)
	rids := map[string]bool{}
	for _, s := range p.st.sim.EnhancedStarts(partnerTenantID) {
		if len(newState.atts) > 0 && s.AttestationID == newState.atts[0] && s.RequestID != "" {
			rids[s.RequestID] = true
		}
	}
	at := newState.firstAt
	for _, q := range reqs {
		isStart := rids[q.RequestID] && q.Method == http.MethodPost && q.Path == "/v1/attestations/enhanced"
		if isStart && q.Time.Before(at) {
			at = q.Time
		}
		if (isStart || customerOf(q.Path) == p.newcomer.tenantID) && len(r.NewCustomerCalls) < 8 {
			r.NewCustomerCalls = append(r.NewCustomerCalls, fmt.Sprintf("%s %d +%.2fs", opOf(q), q.Status, q.Time.Sub(createdAt).Seconds()))
		}
	}
	if len(newState.atts) > 0 {
		r.NewCustomerStartSeconds = round(at.Sub(createdAt).Seconds(), 2)
	}
}

// operatorAgreements are the records the operator created (not the seeded ones), oldest first.
func operatorAgreements(recs []pcsim.AgreementRecord) []pcsim.AgreementRecord {
	var out []pcsim.AgreementRecord
	for _, a := range recs {
		if a.Source != "seed" {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// splitCreates replaces CreateAgreement in the call counts by the answer's code
// ("CreateAgreement (201)", "CreateAgreement (600062)", ...) and returns the polls: GETs of
// attestations and creates refused with 600062.
func splitCreates(cs *CallStats, reqs []pcsim.RequestRecord, sim *pcsim.Server, customers int) int {
	polls := 0
	for _, q := range reqs {
		op := opOf(q)
		if op == "GetEnhancedAttestation" {
			polls++
		}
		if op != pcsim.OpCreateAgreement || q.Status == 429 || q.RateLimited {
			continue
		}
		label := fmt.Sprintf("CreateAgreement (%d)", q.Status)
		if status, code, ok := sim.AnsweredCode(q.PartnerTenantID, q.RequestID); ok && code != "" && status == q.Status {
			label = "CreateAgreement (" + code + ")"
			if code == strconv.Itoa(pcsim.CodeNotAccepted) {
				polls++
			}
		}
		cs.ByOp[pcsim.OpCreateAgreement]--
		cs.ByOp[label]++
	}
	if cs.ByOp[pcsim.OpCreateAgreement] == 0 {
		delete(cs.ByOp, pcsim.OpCreateAgreement)
	}
	cs.PerCustOp = map[string]float64{}
	for op, n := range cs.ByOp {
		cs.PerCustOp[op] = round(float64(n)/float64(customers), 3)
	}
	return polls
}

// percentile of sorted values, by nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func enhancedTargets(r *Enhanced) []Target {
	return []Target{
		{"enhanced: 429s", "0", fmt.Sprint(r.Throttled), r.Throttled == 0},
		{"enhanced: p95 acceptance-to-agreement delay", fmt.Sprintf("≤ 1.5 × bound (%.1f s)", 1.5*r.BoundSeconds),
			fmt.Sprintf("%.2f s (bound %.1f s)", r.AcceptedDelayP95, r.BoundSeconds), r.Agreed > 0 && r.AcceptedDelayP95 <= 1.5*r.BoundSeconds},
		{"enhanced: new customer's start call", "≤ 2 s", fmt.Sprintf("%.2f s", r.NewCustomerStartSeconds), r.NewCustomerStartSeconds >= 0 && r.NewCustomerStartSeconds <= 2},
		{"enhanced: agreements without acceptance", "0", fmt.Sprint(r.AgreementsWithoutAcceptance), r.AgreementsWithoutAcceptance == 0},
		{"enhanced: customers with two agreements", "0", fmt.Sprint(r.CustomersWithTwoAgreements), r.CustomersWithTwoAgreements == 0},
		{"enhanced: accepted customers without agreement at the end", "0", fmt.Sprint(r.AcceptedWithoutAgreement), r.AcceptedWithoutAgreement == 0},
		{"enhanced: expired links not renewed", "0", fmt.Sprint(r.ExpiredNotRenewed), r.ExpiredNotRenewed == 0},
		{"enhanced: duplicate link emails", "0", fmt.Sprint(r.Deliveries.Duplicates), r.Deliveries.Duplicates == 0},
	}
}
