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

package mca

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The rules of `kubectl mca audit reconcile`: which of Partner Center's activity log entries a
// record explains, and which records Partner Center does not show.

// RecordedAct is what reconciling needs of one AttestationRecord.
type RecordedAct struct {
	Record        string
	Act           v1alpha1.RecordAct
	Customer      string
	CorrelationID string
	Outcome       v1alpha1.RecordOutcome
	// At is when the write was sent (status.requestedAt, else the record's creation).
	At time.Time
}

// LoggedAct is one entry of Partner Center's activity log, its operation already read as the act
// that produces it (partnercenter.AuditActOf).
type LoggedAct struct {
	ID            string
	Act           v1alpha1.RecordAct
	Customer      string // "" when the entry names none (a started attestation names no customer)
	CorrelationID string
	At            time.Time
}

// How a logged act was matched to a record.
const (
	MatchByCorrelation = "correlationId"
	MatchByTime        = "customer and time"
)

// ActMatch pairs a record with the log entry that shows it.
type ActMatch struct {
	Record string
	Logged string
	By     string
	// WasUnknown: the record's outcome is Unknown, and Partner Center shows the write was
	// carried out.
	WasUnknown bool
}

// ActReconciliation is the result of ReconcileActs.
type ActReconciliation struct {
	Matched []ActMatch
	// Unexplained are acts Partner Center holds that no record explains: someone attested
	// outside the operator.
	Unexplained []LoggedAct
	// NotShown are Succeeded records Partner Center does not show (settled: older than the
	// settling time).
	NotShown []RecordedAct
	// NotShownYet are Succeeded records Partner Center does not show yet, younger than the
	// settling time (its log shows new entries late).
	NotShownYet []RecordedAct
}

// Faults says whether anything is unexplained or not shown.
func (r ActReconciliation) Faults() bool { return len(r.Unexplained) > 0 || len(r.NotShown) > 0 }

// sameKind says whether a logged act can be the log entry of a recorded one: the same act, or,
// since both produce the same operation, an agreement created either way.
func sameKind(a, b v1alpha1.RecordAct) bool {
	agreement := func(x v1alpha1.RecordAct) bool {
		return x == v1alpha1.ActCreateAgreement || x == v1alpha1.ActLegacyConfirmation
	}
	return a == b || (agreement(a) && agreement(b))
}

// ReconcileActs matches the log entries with the records: first on the correlation id (Partner
// Center's originalCorrelationId is the MS-CorrelationId of the call, the record's
// status.correlationId), then, for what is left, on the kind of act, the customer (when the
// entry names one) and the time, within window of each other, nearest first. Refused records
// are left out: a refused write carried nothing out. A Succeeded record without an entry is
// NotShown, or NotShownYet when it is younger than settle at now.
func ReconcileActs(records []RecordedAct, logged []LoggedAct, window, settle time.Duration, now time.Time) ActReconciliation {
	var res ActReconciliation
	recs := make([]RecordedAct, 0, len(records))
	for _, r := range records {
		if r.Outcome != v1alpha1.OutcomeRefused {
			recs = append(recs, r)
		}
	}
	usedRec := make([]bool, len(recs))
	usedLog := make([]bool, len(logged))
	byCorrelation := map[string]int{}
	for i, r := range recs {
		if r.CorrelationID != "" {
			byCorrelation[strings.ToLower(r.CorrelationID)] = i
		}
	}
	match := func(ri, li int, by string) {
		usedRec[ri], usedLog[li] = true, true
		res.Matched = append(res.Matched, ActMatch{Record: recs[ri].Record, Logged: logged[li].ID, By: by, WasUnknown: recs[ri].Outcome == v1alpha1.OutcomeUnknown})
	}
	for li, l := range logged {
		if ri, ok := byCorrelation[strings.ToLower(l.CorrelationID)]; ok && l.CorrelationID != "" && !usedRec[ri] && sameKind(recs[ri].Act, l.Act) {
			match(ri, li, MatchByCorrelation)
		}
	}
	for _, p := range candidatePairs(recs, logged, usedRec, usedLog, window) {
		if !usedRec[p.rec] && !usedLog[p.log] {
			match(p.rec, p.log, MatchByTime)
		}
	}
	for li, l := range logged {
		if !usedLog[li] {
			res.Unexplained = append(res.Unexplained, l)
		}
	}
	for ri, r := range recs {
		switch {
		case usedRec[ri] || r.Outcome != v1alpha1.OutcomeSucceeded:
		case now.Sub(r.At) < settle:
			res.NotShownYet = append(res.NotShownYet, r)
		default:
			res.NotShown = append(res.NotShown, r)
		}
	}
	return res
}

type pair struct {
	rec, log int
	dist     time.Duration
}

// candidatePairs lists the unmatched record and entry pairs that may match by kind, customer and
// time, nearest in time first.
func candidatePairs(recs []RecordedAct, logged []LoggedAct, usedRec, usedLog []bool, window time.Duration) []pair {
	var ps []pair
	for ri, r := range recs {
		if usedRec[ri] {
			continue
		}
		for li, l := range logged {
			if usedLog[li] || !sameKind(r.Act, l.Act) || (l.Customer != "" && !strings.EqualFold(l.Customer, r.Customer)) {
				continue
			}
			d := l.At.Sub(r.At)
			if d < 0 {
				d = -d
			}
			if d <= window {
				ps = append(ps, pair{rec: ri, log: li, dist: d})
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(a.dist, b.dist) })
	return ps
}
