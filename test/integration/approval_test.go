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

package integration

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// requireApproval sets spec.approval.required of partner p for the rest of the spec, and waits
// until the manager has seen it (the PartnerTenant controller observed the generation).
func requireApproval(p testPartner) {
	GinkgoHelper()
	updatePartnerTenant(p.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.Approval = &v1alpha1.ApprovalSettings{Required: true} })
	DeferCleanup(updatePartnerTenant, p.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.Approval = nil })
	Eventually(func(g Gomega) {
		pt := &v1alpha1.PartnerTenant{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: p.name}, pt)).To(Succeed())
		g.Expect(pt.Status.ObservedGeneration).To(Equal(pt.Generation))
	}).Should(Succeed())
}

// decide writes a decision into the record's status, as kubectl mca approve|deny does (the
// admission policy, which admits it only from another person who may approve, is tested in
// test/policies).
func decide(rec v1alpha1.AttestationRecord, by string, d v1alpha1.ApprovalDecision) {
	GinkgoHelper()
	cur := &v1alpha1.AttestationRecord{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&rec), cur)).To(Succeed())
	before := cur.DeepCopy()
	cur.Status.Approval = &v1alpha1.RecordApproval{Decision: d, By: by, RequestBodySHA256: cur.Spec.RequestBodySHA256,
		At: metav1.NewTime(time.Now().Truncate(time.Second))}
	Expect(k8sClient.Status().Patch(ctx, cur, client.MergeFrom(before))).To(Succeed())
}

// sentWith counts the requests with this MS-RequestId that reached the simulator.
func sentWith(requestID string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.RequestID == requestID {
			n++
		}
	}
	return n
}

// awaitingApproval waits until the CustomerAgreement waits for the approval of its only pending
// record, and returns that record.
func awaitingApproval(ca *v1alpha1.CustomerAgreement, p testPartner, customer string) v1alpha1.AttestationRecord {
	GinkgoHelper()
	var pending v1alpha1.AttestationRecord
	Eventually(func(g Gomega) {
		got := fetch(ca)
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(condition(got, v1alpha1.ConditionReconciling)).To(Equal("True/" + v1alpha1.ReasonAwaitingApproval))
		var n int
		for _, r := range recordsOf(p, customer) {
			if r.Status.SupersededBy == "" && r.Status.Approval == nil {
				pending, n = r, n+1
			}
		}
		g.Expect(n).To(Equal(1))
		g.Expect(conditionMessage(got, v1alpha1.ConditionReconciling)).To(ContainSubstring("kubectl mca approve " + pending.Name))
	}).Should(Succeed())
	Expect(pending.Spec.ApprovalRequired).To(BeTrue())
	Expect(pending.Labels[v1alpha1.LabelRecordApproval]).To(Equal(v1alpha1.ApprovalPending))
	Expect(pending.Status.Outcome).To(BeEmpty(), "nothing was sent")
	return pending
}

func conditionMessage(ca *v1alpha1.CustomerAgreement, typ string) string {
	for _, c := range ca.Status.Conditions {
		if c.Type == typ {
			return c.Message
		}
	}
	return ""
}

var _ = Describe("Four eyes", func() {
	It("sends nothing to Partner Center before the exact body is approved, and an approval of an older body releases nothing", func() {
		requireApproval(partnerA)
		customer := newCustomer(partnerA)
		ca := createAgreement(newNamespace(), customer, partnerA, func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory = uniqueSignatory()
			ca.Annotations = map[string]string{v1alpha1.AnnotationRequestedBy: "alice@contoso.example"}
		})
		first := awaitingApproval(ca, partnerA, customer)
		Expect(first.Spec.Act).To(Equal(v1alpha1.ActStartAttestation))
		Expect(first.Spec.RequestedBy.Username).To(Equal("alice@contoso.example"))
		Consistently(func() int { return sentWith(first.Spec.RequestID) }, "1s").Should(BeZero())

		// The spec changes before anyone approved, in letter case only: the same intent, so the
		// same MS-RequestId, but another body. A new record, which supersedes the first.
		got := fetch(ca)
		got.Spec.Signatory.Email = strings.ToUpper(got.Spec.Signatory.Email)
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		var second v1alpha1.AttestationRecord
		Eventually(func(g Gomega) {
			recs := recordsOf(partnerA, customer)
			g.Expect(recs).To(HaveLen(2))
			g.Expect(recs[0].Status.SupersededBy).To(Equal(recs[1].Name))
			g.Expect(recs[0].Labels).NotTo(HaveKey(v1alpha1.LabelRecordApproval))
			second = recs[1]
		}).Should(Succeed())
		Expect(second.Spec.RequestID).To(Equal(first.Spec.RequestID))
		Expect(second.Spec.RequestBodySHA256).NotTo(Equal(first.Spec.RequestBodySHA256))
		Expect(awaitingApproval(ca, partnerA, customer).Name).To(Equal(second.Name))

		// An approval of the first body (the admission policy refuses it on a superseded record;
		// an administrator can write it) does not release the changed request.
		decide(first, "carol@contoso.example", v1alpha1.ApprovalApproved)
		poke(ca)
		Consistently(func() int { return sentWith(second.Spec.RequestID) }, "2s").Should(BeZero())
		Expect(condition(fetch(ca), v1alpha1.ConditionReconciling)).To(Equal("True/" + v1alpha1.ReasonAwaitingApproval))

		// Its own approval does, at once (the decision wakes the act up), and the record names
		// the approver.
		decide(second, "carol@contoso.example", v1alpha1.ApprovalApproved)
		Eventually(func() int { return sentWith(second.Spec.RequestID) }).Should(Equal(1))
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(HavePrefix("True/"))
		})
		done := &v1alpha1.AttestationRecord{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&second), done)).To(Succeed())
		Expect(done.Status.Outcome).To(Equal(v1alpha1.OutcomeSucceeded))
		Expect(done.Status.Approval.By).To(Equal("carol@contoso.example"))
		Expect(done.Labels).NotTo(HaveKey(v1alpha1.LabelRecordApproval))
		sent := simRequest(second.Spec.RequestID)
		Expect(sent.Time).NotTo(BeTemporally("<", done.Status.Approval.At.Time))
		Expect(done.Spec.RequestBody).To(ContainSubstring(got.Spec.Signatory.Email), "the body sent is the one approved")
	})

	It("never makes a denied act: the CustomerAgreement stalls", func() {
		requireApproval(partnerA)
		customer := newCustomer(partnerA)
		ca := createAgreement(newNamespace(), customer, partnerA, legacyConfirmation(2), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory = uniqueSignatory()
			ca.Annotations = map[string]string{v1alpha1.AnnotationRequestedBy: "alice@contoso.example"}
		})
		rec := awaitingApproval(ca, partnerA, customer)
		Expect(rec.Spec.Act).To(Equal(v1alpha1.ActLegacyConfirmation))
		decide(rec, "carol@contoso.example", v1alpha1.ApprovalDenied)
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonApprovalDenied))
			g.Expect(conditionMessage(got, v1alpha1.ConditionStalled)).To(ContainSubstring("carol@contoso.example denied"))
		})
		poke(ca)
		Consistently(func() int { return sentWith(rec.Spec.RequestID) + requests(customer, "POST") }, "2s").Should(BeZero())
		Eventually(func(g Gomega) {
			cur := &v1alpha1.AttestationRecord{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(&rec), cur)).To(Succeed())
			g.Expect(cur.Labels).NotTo(HaveKey(v1alpha1.LabelRecordApproval))
			g.Expect(cur.Status.Outcome).To(BeEmpty())
		}).Should(Succeed())
	})
})
