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

package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// records lists the AttestationRecords the harness holds, in chain order.
func (h *harness) records() []v1alpha1.AttestationRecord {
	h.t.Helper()
	var list v1alpha1.AttestationRecordList
	if err := h.kube.List(context.Background(), &list); err != nil {
		h.t.Fatal(err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Spec.Sequence < list.Items[j].Spec.Sequence })
	return list.Items
}

// withRecords gives the harness's reconciler a record writer with its own clock and tracker, on
// the client c (the harness's, or one that intercepts it).
func (h *harness) withRecords(c client.Client) *metrics.UnknownRecordTracker {
	tr := metrics.NewUnknownRecordTracker(time.Now)
	h.r.Records = &Records{Client: c, Reader: c, Unknown: tr}
	return tr
}

func (h *harness) mustReconcile() {
	h.t.Helper()
	if _, err := h.reconcile(); err != nil {
		h.t.Fatal(err)
	}
}

// The start and the create each leave one record, completed with Partner Center's answer, chained
// to the one before; the create's record holds the attestation's handle, never its id.
func TestEachWriteLeavesOneCompletedRecordInTheChain(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Annotations = map[string]string{v1alpha1.AnnotationRequestedBy: "alice@contoso.example", v1alpha1.AnnotationRequestedByUID: "alice-uid"}
	})
	h.withRecords(h.kube)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("%d records after the start, want 1", len(recs))
	}
	start := recs[0]
	handle := v1alpha1.AttestationHandle(h.pc.attestation.AttestationID)
	if start.Name != mca.RecordName("pt", 1) || start.Spec.Sequence != 1 || start.Spec.Previous != nil {
		t.Errorf("first record %s: sequence %d, previous %+v", start.Name, start.Spec.Sequence, start.Spec.Previous)
	}
	ca := h.get()
	sp := start.Spec
	if sp.Act != v1alpha1.ActStartAttestation || sp.PartnerTenant.Name != "pt" || sp.PartnerTenant.TenantID != "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c" ||
		sp.CustomerTenantID != ca.Spec.CustomerTenantID || sp.CustomerAgreement.Namespace != "ns" || sp.CustomerAgreement.Name != "c" ||
		sp.CustomerAgreement.UID != string(ca.UID) || sp.CustomerAgreement.Generation != ca.Generation {
		t.Errorf("record spec %+v", sp)
	}
	if sp.RequestID != h.pc.requestIDs[pc.OpStartEnhancedAttestation][0] || start.Labels[v1alpha1.LabelRecordRequestID] != sp.RequestID ||
		start.Labels[v1alpha1.LabelRecordPartnerTenant] != "pt" {
		t.Errorf("request id %q, labels %v; the call carried %v", sp.RequestID, start.Labels, h.pc.requestIDs)
	}
	if sp.RequestBody != string(h.pc.sentBodies[0]) || sp.RequestBodySHA256 != sha(h.pc.sentBodies[0]) {
		t.Errorf("record body %s (sha %s), sent %s", sp.RequestBody, sp.RequestBodySHA256, h.pc.sentBodies[0])
	}
	if sp.RequestedBy.Username != "alice@contoso.example" || sp.RequestedBy.UID != "alice-uid" {
		t.Errorf("requestedBy %+v", sp.RequestedBy)
	}
	if d := time.Until(sp.RetainUntil.Time); d < v1alpha1.DefaultRecordRetention-time.Hour || d > v1alpha1.DefaultRecordRetention {
		t.Errorf("retainUntil %v is not seven years from now", sp.RetainUntil)
	}
	st := start.Status
	if st.Outcome != v1alpha1.OutcomeSucceeded || st.HTTPStatus != 201 || st.AttestationHandle != handle || st.CorrelationID == "" ||
		st.RequestedAt == nil || st.AnsweredAt == nil || st.Code != "" {
		t.Errorf("start record status %+v", st)
	}

	h.pc.attestation.Status = pc.StatusCustomerAccepted
	h.mustReconcile()
	recs = h.records()
	if len(recs) != 2 || h.pc.calls[pc.OpCreateAgreementFromAttestation] != 1 {
		t.Fatalf("%d records after the create (%d creates), want 2", len(recs), h.pc.calls[pc.OpCreateAgreementFromAttestation])
	}
	create := recs[1]
	if create.Spec.Act != v1alpha1.ActCreateAgreement || create.Spec.Sequence != 2 || create.Spec.Previous == nil ||
		create.Spec.Previous.Name != start.Name || create.Spec.Previous.Digest != mca.RecordDigest(&start.Spec) {
		t.Errorf("second record %s: act %s, sequence %d, previous %+v; want a link to %s %s", create.Name, create.Spec.Act, create.Spec.Sequence,
			create.Spec.Previous, start.Name, mca.RecordDigest(&start.Spec))
	}
	id := h.pc.attestation.AttestationID
	sent := h.pc.sentBodies[1]
	if !strings.Contains(string(sent), id) {
		t.Fatalf("the create sent %s, without the attestation id", sent)
	}
	if strings.Contains(create.Spec.RequestBody, id) || !strings.Contains(create.Spec.RequestBody, `"attestationId":"`+handle+`"`) {
		t.Errorf("the create's record body %s holds the id or not its handle", create.Spec.RequestBody)
	}
	if create.Spec.RequestBodySHA256 != sha(sent) {
		t.Errorf("requestBodySHA256 %s is not over the bytes sent", create.Spec.RequestBodySHA256)
	}
	if create.Status.Outcome != v1alpha1.OutcomeSucceeded || create.Status.AttestationHandle != handle {
		t.Errorf("create record status %+v", create.Status)
	}
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// A record that cannot be written stops the write: nothing reaches Partner Center, and the
// reconcile says why and retries.
func TestNoRecordNoWrite(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	c := interceptor.NewClient(h.kube.(client.WithWatch), interceptor.Funcs{Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
		if _, ok := obj.(*v1alpha1.AttestationRecord); ok {
			return errors.New("etcd is full")
		}
		return c.Create(ctx, obj, opts...)
	}})
	h.withRecords(c)
	if _, err := h.reconcile(); err == nil {
		t.Fatal("the reconcile succeeded although its write could not be recorded")
	}
	if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 0 {
		t.Fatalf("%d start(s) reached Partner Center without a record", n)
	}
	if got := h.cond(v1alpha1.ConditionReady); got != "Unknown/"+v1alpha1.ReasonPartnerCenterError {
		t.Errorf("Ready = %s", got)
	}
	if msg := readyMessage(h); !strings.Contains(msg, "AttestationRecord") || !strings.Contains(msg, "nothing was sent") {
		t.Errorf("Ready's message %q does not say the record failed and nothing was sent", msg)
	}
}

func readyMessage(h *harness) string {
	for _, c := range h.get().Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c.Message
		}
	}
	return ""
}

// A lost answer leaves the record Unknown; the retry carries the same MS-RequestId and completes
// the same record, even from a manager restarted meanwhile (a new record writer).
func TestALostAnswerIsCompletedByTheRetryNeverASecondRecord(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	later := metrics.NewUnknownRecordTracker(func() time.Time { return time.Now().Add(2 * time.Hour) })
	h.r.Records = &Records{Client: h.kube, Reader: h.kube, Unknown: later}
	h.pc.errs[pc.OpStartEnhancedAttestation] = &pc.Error{Kind: pc.KindTransient, Operation: pc.OpStartEnhancedAttestation, Message: "connection reset"}
	_, _ = h.reconcile()
	recs := h.records()
	if len(recs) != 1 || recs[0].Status.Outcome != v1alpha1.OutcomeUnknown || recs[0].Status.RequestedAt == nil || recs[0].Status.AnsweredAt != nil {
		t.Fatalf("after a lost answer: %d records, status %+v; want one, Unknown", len(recs), recs[0].Status)
	}
	if got := testutil.ToFloat64(later); got != 1 {
		t.Errorf("mca_attestation_records_unknown an hour later = %v, want 1", got)
	}
	delete(h.pc.errs, pc.OpStartEnhancedAttestation)
	// A restart: a new record writer, which knows neither the chain's head nor the record.
	h.r.Records = &Records{Client: h.kube, Reader: h.kube, Unknown: later}
	h.mustReconcile()
	ids := h.pc.requestIDs[pc.OpStartEnhancedAttestation]
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("request ids %v: the retry must repeat the first", ids)
	}
	recs = h.records()
	if len(recs) != 1 {
		t.Fatalf("%d records after the retry, want the one completed", len(recs))
	}
	if recs[0].Status.Outcome != v1alpha1.OutcomeSucceeded || recs[0].Status.AttestationHandle == "" {
		t.Errorf("status after the retry %+v", recs[0].Status)
	}
	if n := testutil.CollectAndCount(later); n != 0 {
		t.Errorf("mca_attestation_records_unknown has %d series after the completion, want none", n)
	}
}

// A refusal on the request's merits completes the record as Refused, with Partner Center's
// status, code and description.
func TestARefusalIsRecorded(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.withRecords(h.kube)
	h.pc.errs[pc.OpStartEnhancedAttestation] = &pc.Error{Kind: pc.KindDuplicateSignatory, Operation: pc.OpStartEnhancedAttestation, StatusCode: 409, Code: "600061",
		Message: "A confirmed agreement already exists for this contact"}
	_, _ = h.reconcile()
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	st := recs[0].Status
	if st.Outcome != v1alpha1.OutcomeRefused || st.HTTPStatus != 409 || st.Code != "600061" || st.Description != "A confirmed agreement already exists for this contact" || st.AnsweredAt == nil {
		t.Errorf("status %+v", st)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonDuplicateSignatory {
		t.Errorf("Stalled = %s: the act's outcome must not change", got)
	}
}

// The act's outcome does not depend on the record's completion: a failed completion is logged,
// the attestation is followed as usual, and the record stays Unknown.
func TestAFailedCompletionDoesNotFailTheAct(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	c := interceptor.NewClient(h.kube.(client.WithWatch), interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
		if r, ok := obj.(*v1alpha1.AttestationRecord); ok && r.Status.Outcome != v1alpha1.OutcomeUnknown {
			return errors.New("the API server is gone")
		}
		return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
	}})
	h.withRecords(c)
	h.mustReconcile()
	if got := h.cond(v1alpha1.ConditionReady); got != "False/"+v1alpha1.ReasonAwaitingCustomer {
		t.Errorf("Ready = %s", got)
	}
	if a := h.get().Status.Attestation; a == nil || a.Handle == "" {
		t.Fatalf("the attestation started is not followed: %+v", a)
	}
	if recs := h.records(); len(recs) != 1 || recs[0].Status.Outcome != v1alpha1.OutcomeUnknown {
		t.Errorf("records %+v", recs)
	}
}

// The legacy confirmation is recorded too.
func TestTheLegacyConfirmationIsRecorded(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Spec.Method = v1alpha1.MethodLegacyConfirmation
		d := metav1.NewTime(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
		ca.Spec.DateAgreed = &d
	})
	h.withRecords(h.kube)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 1 || recs[0].Spec.Act != v1alpha1.ActLegacyConfirmation || recs[0].Status.Outcome != v1alpha1.OutcomeSucceeded ||
		recs[0].Spec.RequestID != h.pc.requestIDs[pc.OpCreateLegacyAgreement][0] {
		t.Fatalf("records %+v", recs)
	}
}

// A restarted manager finds its chain's head by probing names, and carries on from it; a head
// that moved behind its back (a name taken) makes it probe again, never fork the chain.
func TestTheChainHeadIsFoundAgainAfterARestartAndWhenItMoved(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	ctx := context.Background()
	// Three records of this PartnerTenant exist already, written by an earlier manager.
	var prev *v1alpha1.RecordLink
	for n := int64(1); n <= 3; n++ {
		rec := chainRecord("pt", n, prev)
		if err := h.kube.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
		prev = &v1alpha1.RecordLink{Name: rec.Name, Digest: mca.RecordDigest(&rec.Spec)}
	}
	h.withRecords(h.kube)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 4 || recs[3].Spec.Sequence != 4 || *recs[3].Spec.Previous != *prev {
		t.Fatalf("the new record: %d records, last %+v; want sequence 4 after %+v", len(recs), recs[len(recs)-1].Spec, prev)
	}
	// Another writer appended record 5 meanwhile: the next record is 6, linked to 5.
	five := chainRecord("pt", 5, &v1alpha1.RecordLink{Name: recs[3].Name, Digest: mca.RecordDigest(&recs[3].Spec)})
	if err := h.kube.Create(ctx, five); err != nil {
		t.Fatal(err)
	}
	h.pc.attestation.Status = pc.StatusCustomerAccepted
	h.mustReconcile()
	recs = h.records()
	last := recs[len(recs)-1]
	if len(recs) != 6 || last.Spec.Sequence != 6 || last.Spec.Previous.Name != five.Name || last.Spec.Previous.Digest != mca.RecordDigest(&five.Spec) {
		t.Fatalf("%d records; last %s previous %+v; want 6, after %s", len(recs), last.Name, last.Spec.Previous, five.Name)
	}
}

// chainRecord is record n of partnerTenant's chain, as an earlier manager wrote it.
func chainRecord(partnerTenant string, n int64, prev *v1alpha1.RecordLink) *v1alpha1.AttestationRecord {
	return &v1alpha1.AttestationRecord{
		ObjectMeta: metav1.ObjectMeta{Name: mca.RecordName(partnerTenant, n), Labels: map[string]string{
			v1alpha1.LabelRecordPartnerTenant: partnerTenant, v1alpha1.LabelRecordRequestID: "earlier-" + string(rune('0'+n))}},
		Spec: v1alpha1.AttestationRecordSpec{PartnerTenant: v1alpha1.RecordPartnerTenant{Name: partnerTenant, TenantID: "t"},
			Act: v1alpha1.ActStartAttestation, RequestID: "earlier-" + string(rune('0'+n)), RequestBody: "{}", Sequence: n, Previous: prev,
			RetainUntil: metav1.NewTime(time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC))},
	}
}
