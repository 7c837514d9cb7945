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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestReconcileActs(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	const custA, custB = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
	rec := func(name string, act v1alpha1.RecordAct, cust, corr string, out v1alpha1.RecordOutcome, h float64) RecordedAct {
		return RecordedAct{Record: name, Act: act, Customer: cust, CorrelationID: corr, Outcome: out, At: at(h)}
	}
	logged := func(id string, act v1alpha1.RecordAct, cust, corr string, h float64) LoggedAct {
		return LoggedAct{ID: id, Act: act, Customer: cust, CorrelationID: corr, At: at(h)}
	}
	ok, unknown, refused := v1alpha1.OutcomeSucceeded, v1alpha1.OutcomeUnknown, v1alpha1.OutcomeRefused
	start, create, legacy := v1alpha1.ActStartAttestation, v1alpha1.ActCreateAgreement, v1alpha1.ActLegacyConfirmation
	for _, tc := range []struct {
		name    string
		records []RecordedAct
		logged  []LoggedAct
		want    string
	}{
		{"all matched by correlation id",
			[]RecordedAct{rec("r1", start, custA, "C1", ok, 10), rec("r2", create, custA, "C2", ok, 9)},
			[]LoggedAct{logged("l2", create, custA, "c2", 9), logged("l1", start, "", "C1", 10)},
			"matched r1=l1/correlationId r2=l2/correlationId"},
		{"fallback on customer and time when the id is not echoed",
			[]RecordedAct{rec("r1", create, custA, "C1", ok, 10), rec("r2", create, custB, "C2", ok, 10)},
			[]LoggedAct{logged("lb", create, custB, "", 10.01), logged("la", create, custA, "", 9.99)},
			"matched r1=la/customer and time r2=lb/customer and time"},
		{"legacy and create produce the same operation",
			[]RecordedAct{rec("r1", legacy, custA, "C1", ok, 10)},
			[]LoggedAct{logged("l1", create, custA, "C1", 10)},
			"matched r1=l1/correlationId"},
		{"an act outside the operator",
			[]RecordedAct{rec("r1", create, custA, "C1", ok, 10)},
			[]LoggedAct{logged("l1", create, custA, "C1", 10), logged("outside", create, custB, "X", 8)},
			"matched r1=l1/correlationId; unexplained outside"},
		{"outside the window is not a match",
			[]RecordedAct{rec("r1", create, custA, "C1", ok, 10)},
			[]LoggedAct{logged("l1", create, custA, "", 9)},
			"unexplained l1; not shown r1"},
		{"another customer is not a match",
			[]RecordedAct{rec("r1", create, custA, "C1", ok, 10)},
			[]LoggedAct{logged("l1", create, custB, "", 10)},
			"unexplained l1; not shown r1"},
		{"a correlation id of another kind of act is not a match",
			[]RecordedAct{rec("r1", start, custA, "C1", ok, 10)},
			[]LoggedAct{logged("l1", create, custA, "C1", 10)},
			"unexplained l1; not shown r1"},
		{"a refused record needs no entry and explains none",
			[]RecordedAct{rec("r1", create, custA, "C1", refused, 10)},
			[]LoggedAct{logged("l1", create, custA, "C1", 10)},
			"unexplained l1"},
		{"an unknown record Partner Center shows carried out",
			[]RecordedAct{rec("r1", create, custA, "", unknown, 10)},
			[]LoggedAct{logged("l1", create, custA, "C9", 10)},
			"matched r1=l1/customer and time(was Unknown)"},
		{"an unknown record Partner Center does not show is not a fault",
			[]RecordedAct{rec("r1", create, custA, "C1", unknown, 10)},
			nil,
			""},
		{"a recent record not shown yet",
			[]RecordedAct{rec("r1", create, custA, "C1", ok, 1), rec("r0", create, custB, "C0", ok, 5)},
			nil,
			"not shown r0; not shown yet r1"},
		{"nearest first",
			[]RecordedAct{rec("far", create, custA, "", ok, 10.1), rec("near", create, custA, "", ok, 10.01)},
			[]LoggedAct{logged("l1", create, custA, "", 10)},
			"matched near=l1/customer and time; not shown far"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ReconcileActs(tc.records, tc.logged, 15*time.Minute, 4*time.Hour, now)
			if got := render(r); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if r.Faults() != (len(r.Unexplained)+len(r.NotShown) > 0) {
				t.Error("Faults disagrees")
			}
		})
	}
}

func render(r ActReconciliation) string {
	var parts []string
	if len(r.Matched) > 0 {
		ms := make([]string, 0, len(r.Matched))
		for _, m := range r.Matched {
			s := fmt.Sprintf("%s=%s/%s", m.Record, m.Logged, m.By)
			if m.WasUnknown {
				s += "(was Unknown)"
			}
			ms = append(ms, s)
		}
		parts = append(parts, "matched "+strings.Join(slices.Sorted(slices.Values(ms)), " "))
	}
	if len(r.Unexplained) > 0 {
		ids := make([]string, 0, len(r.Unexplained))
		for _, l := range r.Unexplained {
			ids = append(ids, l.ID)
		}
		parts = append(parts, "unexplained "+strings.Join(ids, " "))
	}
	if len(r.NotShown) > 0 {
		parts = append(parts, "not shown "+names(r.NotShown))
	}
	if len(r.NotShownYet) > 0 {
		parts = append(parts, "not shown yet "+names(r.NotShownYet))
	}
	return strings.Join(parts, "; ")
}

func names(rs []RecordedAct) string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Record)
	}
	return strings.Join(out, " ")
}
