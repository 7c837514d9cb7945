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
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// ApprovalVerdict is what an act whose record may need approval does now.
type ApprovalVerdict string

const (
	// ApprovalProceed: no approval is needed, or the body about to be sent is the one approved.
	ApprovalProceed ApprovalVerdict = "Proceed"
	// ApprovalWait: the act waits (Reconciling=True, AwaitingApproval); nothing is sent.
	ApprovalWait ApprovalVerdict = "Wait"
	// ApprovalDenied: a person denied the act; denial is final for its intent.
	ApprovalDenied ApprovalVerdict = "Denied"
)

// Approval decides whether an act may be sent: required is the record's spec.approvalRequired,
// a its status.approval (nil: none yet), and digest the hex SHA-256 of the exact body about to be
// sent. An approval releases only the body it names.
func Approval(required bool, a *v1alpha1.RecordApproval, digest string) ApprovalVerdict {
	switch {
	case a != nil && a.Decision == v1alpha1.ApprovalDenied:
		return ApprovalDenied
	case !required:
		return ApprovalProceed
	case a != nil && a.Decision == v1alpha1.ApprovalApproved && a.RequestBodySHA256 == digest:
		return ApprovalProceed
	}
	return ApprovalWait
}

// RecordFor chooses, among the records of one MS-RequestId, the one that records the body whose
// hex SHA-256 is digest; -1: none does, a new record is created. In order: a denied record (denial
// is final for the intent, whatever the body); a record of this very body not superseded; a record
// that needs no approval (it was, or is about to be, sent: a retry completes it, as Partner Center
// answers a repeated MS-RequestId with its first answer). A record that needs approval and holds
// another body never covers this one: its approval, if any, names the other body.
func RecordFor(records []v1alpha1.AttestationRecord, digest string) int {
	for i := range records {
		if a := records[i].Status.Approval; a != nil && a.Decision == v1alpha1.ApprovalDenied {
			return i
		}
	}
	for i := range records {
		if records[i].Spec.RequestBodySHA256 == digest && records[i].Status.SupersededBy == "" {
			return i
		}
	}
	for i := range records {
		if !records[i].Spec.ApprovalRequired {
			return i
		}
	}
	return -1
}

// Superseded lists the records that a new record of the CustomerAgreement caUID replaces: those
// among pending (the records labelled as awaiting approval) of the same CustomerAgreement, other
// than the new one (named keep), whose act was not sent, not denied and not replaced yet. An
// approved one is replaced too: the act it approved is no longer the one to make.
func Superseded(pending []v1alpha1.AttestationRecord, caUID, keep string) []int {
	var out []int
	for i := range pending {
		r := &pending[i]
		denied := r.Status.Approval != nil && r.Status.Approval.Decision == v1alpha1.ApprovalDenied
		if r.Name != keep && r.Spec.CustomerAgreement.UID == caUID && r.Spec.ApprovalRequired &&
			r.Status.Outcome == "" && r.Status.SupersededBy == "" && !denied {
			out = append(out, i)
		}
	}
	return out
}

// NotAwaiting says why a record's act does not wait for a person's decision, "" when it does: it
// needs approval (spec.approvalRequired), nobody decided yet, it was not sent (no outcome) and not
// superseded. kubectl mca pending lists the records for which it is "", and approve and deny
// refuse the others with its answer.
func NotAwaiting(r *v1alpha1.AttestationRecord) string {
	switch a := r.Status.Approval; {
	case !r.Spec.ApprovalRequired:
		return "its act needs no approval (spec.approvalRequired is not set)"
	case a != nil:
		return string(a.Decision) + " by " + a.By + " at " + a.At.UTC().Format(time.RFC3339) + " already: a decision is written once"
	case r.Status.SupersededBy != "":
		return "it was superseded by AttestationRecord " + r.Status.SupersededBy + " (the spec changed): decide on that one"
	case r.Status.Outcome != "":
		return "its act was already sent to Partner Center (outcome " + string(r.Status.Outcome) + ")"
	}
	return ""
}
