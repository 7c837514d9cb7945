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
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func approval(d v1alpha1.ApprovalDecision, digest string) *v1alpha1.RecordApproval {
	return &v1alpha1.RecordApproval{Decision: d, By: "bob", RequestBodySHA256: digest}
}

func TestApproval(t *testing.T) {
	for _, tc := range []struct {
		name     string
		required bool
		a        *v1alpha1.RecordApproval
		want     ApprovalVerdict
	}{
		{"not required", false, nil, ApprovalProceed},
		{"required, no decision yet", true, nil, ApprovalWait},
		{"approved this body", true, approval(v1alpha1.ApprovalApproved, "d1"), ApprovalProceed},
		{"approved an older body", true, approval(v1alpha1.ApprovalApproved, "d0"), ApprovalWait},
		{"denied", true, approval(v1alpha1.ApprovalDenied, "d1"), ApprovalDenied},
		{"denied an older body: final for the intent", true, approval(v1alpha1.ApprovalDenied, "d0"), ApprovalDenied},
		{"denied, though no longer required", false, approval(v1alpha1.ApprovalDenied, "d1"), ApprovalDenied},
		{"an unknown decision releases nothing", true, approval("Maybe", "d1"), ApprovalWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Approval(tc.required, tc.a, "d1"); got != tc.want {
				t.Errorf("Approval = %s, want %s", got, tc.want)
			}
		})
	}
}

func rec(name, digest string, required bool, st v1alpha1.AttestationRecordStatus) v1alpha1.AttestationRecord {
	return v1alpha1.AttestationRecord{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.AttestationRecordSpec{RequestBodySHA256: digest, ApprovalRequired: required,
			CustomerAgreement: v1alpha1.RecordCustomerAgreement{UID: "ca-1"}},
		Status: st}
}

func TestRecordFor(t *testing.T) {
	none := v1alpha1.AttestationRecordStatus{}
	for _, tc := range []struct {
		name    string
		records []v1alpha1.AttestationRecord
		want    int
	}{
		{"no record", nil, -1},
		{"the record of this body", []v1alpha1.AttestationRecord{rec("a", "d0", true, none), rec("b", "d1", true, none)}, 1},
		{"another body awaiting approval: a new record", []v1alpha1.AttestationRecord{rec("a", "d0", true, none)}, -1},
		{"another body approved: a new record", []v1alpha1.AttestationRecord{
			rec("a", "d0", true, v1alpha1.AttestationRecordStatus{Approval: approval(v1alpha1.ApprovalApproved, "d0")})}, -1},
		{"another body denied: the denial", []v1alpha1.AttestationRecord{
			rec("a", "d1", true, none), rec("b", "d0", true, v1alpha1.AttestationRecordStatus{Approval: approval(v1alpha1.ApprovalDenied, "d0")})}, 1},
		{"this body, superseded: a new record", []v1alpha1.AttestationRecord{
			rec("a", "d1", true, v1alpha1.AttestationRecordStatus{SupersededBy: "b"})}, -1},
		{"no approval needed: the retry completes it, whatever the body", []v1alpha1.AttestationRecord{
			rec("a", "d0", false, v1alpha1.AttestationRecordStatus{Outcome: v1alpha1.OutcomeUnknown})}, 0},
		{"sent after approval of another body: a new record", []v1alpha1.AttestationRecord{
			rec("a", "d0", true, v1alpha1.AttestationRecordStatus{Outcome: v1alpha1.OutcomeUnknown, Approval: approval(v1alpha1.ApprovalApproved, "d0")})}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RecordFor(tc.records, "d1"); got != tc.want {
				t.Errorf("RecordFor = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestSuperseded(t *testing.T) {
	none := v1alpha1.AttestationRecordStatus{}
	other := rec("other-ca", "d0", true, none)
	other.Spec.CustomerAgreement.UID = "ca-2"
	pending := []v1alpha1.AttestationRecord{
		rec("old", "d0", true, none),
		rec("new", "d1", true, none),
		other,
		rec("approved", "d0", true, v1alpha1.AttestationRecordStatus{Approval: approval(v1alpha1.ApprovalApproved, "d0")}),
		rec("sent", "d0", true, v1alpha1.AttestationRecordStatus{Outcome: v1alpha1.OutcomeSucceeded}),
		rec("replaced", "d0", true, v1alpha1.AttestationRecordStatus{SupersededBy: "x"}),
		rec("unrequired", "d0", false, none),
		rec("denied", "d0", true, v1alpha1.AttestationRecordStatus{Approval: approval(v1alpha1.ApprovalDenied, "d0")}),
	}
	if got := Superseded(pending, "ca-1", "new"); !slices.Equal(got, []int{0, 3}) {
		t.Errorf("Superseded = %v, want [0 3] (the unsent, undenied records of the same CustomerAgreement)", got)
	}
}

func TestNotAwaiting(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, time.May, 1, 10, 0, 0, 0, time.UTC))
	decided := approval(v1alpha1.ApprovalDenied, "d1")
	decided.At = at
	for _, tc := range []struct {
		name     string
		required bool
		st       v1alpha1.AttestationRecordStatus
		want     string
	}{
		{"waits", true, v1alpha1.AttestationRecordStatus{}, ""},
		{"needs no approval", false, v1alpha1.AttestationRecordStatus{}, "needs no approval"},
		{"decided", true, v1alpha1.AttestationRecordStatus{Approval: decided}, "Denied by bob at 2026-05-01T10:00:00Z already"},
		{"superseded", true, v1alpha1.AttestationRecordStatus{SupersededBy: "r2"}, "superseded by AttestationRecord r2"},
		{"sent", true, v1alpha1.AttestationRecordStatus{Outcome: v1alpha1.OutcomeUnknown}, "already sent to Partner Center (outcome Unknown)"},
		{"decided and sent: the decision is named", true, v1alpha1.AttestationRecordStatus{Approval: decided, Outcome: v1alpha1.OutcomeSucceeded}, "Denied by bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec("r1", "d1", tc.required, tc.st)
			got := NotAwaiting(&r)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("NotAwaiting = %q, want %q", got, tc.want)
			}
		})
	}
}
