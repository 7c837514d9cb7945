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
	"fmt"
	"io"
	"strings"
)

func printEnhanced(w io.Writer, r *Enhanced) {
	if r == nil {
		return
	}
	s := r.Settings
	fmt.Fprintf(w, "\nENHANCED ONBOARDING (headline: %d customers needing attestation, %d NoMCA + %d Legacy, PartnerAttestation; signatories %d early, %d late, %d never)\n",
		r.Customers, r.Mix["NoMCA"], r.Mix["Legacy"], r.Fates["early"], r.Fates["late"], r.Fates["never"])
	row(w, "settings", fmt.Sprintf("links %s, poll %s..%s, %d req/s burst %d (simulator and rateLimit), pollShare %s, seed %d",
		s.LinkLifetime, s.PollInterval, s.PollMaxInterval, s.RateQPS, s.RateBurst, s.PollShare, s.Seed))
	if len(s.WireVariants) > 0 {
		row(w, "wire variants", string(s.WireVariants))
	}
	row(w, "run", fmt.Sprintf("%.1f s (all first attestations started after %.1f s; complete: %v)", r.Seconds, r.AllStartedSeconds, r.Complete))
	row(w, "accepted / with agreement", fmt.Sprintf("%d / %d (%d acceptances refused by the simulator)", r.Accepted, r.Agreed, r.AcceptFailed))
	row(w, "acceptance → agreement p50 / p95 / max", fmt.Sprintf("%.2f / %.2f / %.2f s", r.AcceptedDelayP50, r.AcceptedDelayP95, r.AcceptedDelayMax))
	row(w, "poll-budget bound", fmt.Sprintf("%.1f s = %d awaiting (peak) / (%s × %d req/s)", r.BoundSeconds, r.AwaitingPeak, s.PollShare, s.RateQPS))
	row(w, "PC calls per customer", fmt.Sprintf("%.3f (%d calls, +%d token requests)", r.CallsPerCustomer["total"], r.Calls.Total, r.Calls.Token))
	printCallsByOp(w, r.Calls)
	row(w, "share of calls that were polls", fmt.Sprintf("%.3f (%d polls)", r.PollShare, r.Polls))
	row(w, "429s", r.Throttled)
	row(w, "new customer: creation → start call", fmt.Sprintf("%.2f s (created %.1f s into the run; calls %s)",
		r.NewCustomerStartSeconds, r.NewCustomerCreatedAt, strings.Join(r.NewCustomerCalls, ", ")))
	row(w, "links renewed", fmt.Sprintf("%d (%d for customers who had accepted; %d expired links not renewed)", r.LinksRenewed, r.RenewedForAccepting, r.ExpiredNotRenewed))
	row(w, "agreements without acceptance", r.AgreementsWithoutAcceptance)
	d := r.Deliveries
	row(w, "links emailed (real SMTP)", fmt.Sprintf("initial %d, reminder %d, renewed %d; duplicates %d; %.1f messages/s (maxPerMinute %d)",
		d.Initial, d.Reminder, d.Renewed, d.Duplicates, d.PerSecond, d.MaxPerMinute))
	row(w, "customers with two agreements", r.CustomersWithTwoAgreements)
	row(w, "status writes per customer", fmt.Sprintf("%.2f (max %d)", r.StatusWritesPerCustomer, r.StatusWritesMax))
	row(w, "API-server writes by the manager", kv(r.APIWrites))
	row(w, "manager peak RSS / CPU", fmt.Sprintf("%.1f MiB / %.1f s", r.PeakRSSMiB, r.CPUSeconds))
	for _, t := range r.Targets {
		mark := "PASS"
		if !t.Met {
			mark = "FAIL"
		}
		row(w, strings.TrimPrefix(t.Name, "enhanced: "), fmt.Sprintf("%s\t(target %s)\t%s", t.Measured, t.Target, mark))
	}
}

// plotAcceptanceCDF draws the share of accepted customers whose agreement exists against the
// time since acceptance, with the poll-budget bound and 1.5 times it.
