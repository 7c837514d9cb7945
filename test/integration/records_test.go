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
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// recordsOf lists the AttestationRecords written for a customer, in chain order.
func recordsOf(p testPartner, customer string) []v1alpha1.AttestationRecord {
	GinkgoHelper()
	var list v1alpha1.AttestationRecordList
	Expect(k8sClient.List(ctx, &list, client.MatchingLabels{v1alpha1.LabelRecordPartnerTenant: p.name})).To(Succeed())
	var out []v1alpha1.AttestationRecord
	for _, r := range list.Items {
		if r.Spec.CustomerTenantID == customer {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec.Sequence < out[j].Spec.Sequence })
	return out
}

// simRequest is the simulator's log entry of the request with this MS-RequestId that reached the
// business logic first.
func simRequest(requestID string) pcsim.RequestRecord {
	GinkgoHelper()
	for _, r := range sim.Requests() {
		if r.RequestID == requestID {
			return r
		}
	}
	Fail("the simulator never saw request " + requestID)
	return pcsim.RequestRecord{}
}

// expectChained checks that rec names its predecessor by name and digest.
func expectChained(rec v1alpha1.AttestationRecord) {
	GinkgoHelper()
	if rec.Spec.Sequence == 1 {
		Expect(rec.Spec.Previous).To(BeNil())
		return
	}
	Expect(rec.Spec.Previous).NotTo(BeNil())
	prev := &v1alpha1.AttestationRecord{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: rec.Spec.Previous.Name}, prev)).To(Succeed())
	Expect(prev.Spec.Sequence).To(Equal(rec.Spec.Sequence - 1))
	Expect(rec.Spec.Previous.Digest).To(Equal(mca.RecordDigest(&prev.Spec)))
}

var _ = Describe("Attestation records", func() {
	It("records each write before it is sent and completes it with the answer, and keeps the records when the CustomerAgreement and its namespace go", func() {
		customer := newCustomer(partnerA)
		ns := newNamespace()
		ca := createAgreement(ns, customer, partnerA, func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory = uniqueSignatory()
			ca.Annotations = map[string]string{v1alpha1.AnnotationRequestedBy: "alice@contoso.example", v1alpha1.AnnotationRequestedByUID: "4c1f0e2a-alice"}
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
		})
		id := attestationIDOf(got)
		acceptThroughPage(linkOf(got))
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))

		var recs []v1alpha1.AttestationRecord
		Eventually(func(g Gomega) {
			recs = recordsOf(partnerA, customer)
			g.Expect(recs).To(HaveLen(2))
			g.Expect(recs[1].Status.Outcome).To(Equal(v1alpha1.OutcomeSucceeded))
		}).Should(Succeed())
		start, create := recs[0], recs[1]
		Expect(start.Spec.Act).To(Equal(v1alpha1.ActStartAttestation))
		Expect(create.Spec.Act).To(Equal(v1alpha1.ActCreateAgreement))
		handle := v1alpha1.AttestationHandle(id)
		for _, rec := range recs {
			Expect(rec.Status.Outcome).To(Equal(v1alpha1.OutcomeSucceeded))
			Expect(rec.Status.HTTPStatus).To(BeNumerically(">=", 200))
			Expect(rec.Status.AttestationHandle).To(Equal(handle))
			Expect(rec.Spec.RequestedBy.Username).To(Equal("alice@contoso.example"))
			Expect(rec.Spec.RequestedBy.UID).To(Equal("4c1f0e2a-alice"))
			Expect(rec.Spec.RequestedBy.FieldManager).NotTo(BeEmpty(), "the field manager that created the spec")
			Expect(rec.Spec.CustomerAgreement.UID).To(Equal(string(got.UID)))
			Expect(rec.Labels[v1alpha1.LabelRecordRequestID]).To(Equal(rec.Spec.RequestID))
			// The record was written before its request reached Partner Center (creation times
			// are whole seconds, the simulator's log is not), and names the answer's correlation id.
			sent := simRequest(rec.Spec.RequestID)
			Expect(rec.CreationTimestamp.Time).NotTo(BeTemporally(">", sent.Time))
			Expect(rec.Status.RequestedAt.Time).NotTo(BeTemporally(">", sent.Time))
			Expect(rec.Status.CorrelationID).To(Equal(sent.CorrelationID))
			// No record holds the attestation id, which completes the link.
			raw, err := yaml.Marshal(rec)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(raw)).NotTo(ContainSubstring(id))
			expectChained(rec)
		}
		Expect(start.Spec.RequestBody).To(ContainSubstring(`"signatoryEmail":"` + got.Spec.Signatory.Email + `"`))
		Expect(create.Spec.RequestBody).To(ContainSubstring(`"attestationId":"` + handle + `"`))
		// As kubectl shows it (without managedFields): README's example comes from here.
		shown := create.DeepCopy()
		shown.ManagedFields = nil
		GinkgoWriter.Printf("kubectl get atr %s -o yaml:\n%s\n", create.Name, mustYAML(shown))

		// The CustomerAgreement and its namespace go; the records stay.
		Expect(k8sClient.Delete(ctx, got)).To(Succeed())
		Expect(k8sClient.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Consistently(func() int { return len(recordsOf(partnerA, customer)) }, "2s").Should(Equal(2))
	})

	It("completes the record of a write whose answer was lost with the retry, never a second record", func() {
		customer := newCustomer(partnerA)
		sim.DropNextPOSTResponses(1)
		ca := createAgreement(newNamespace(), customer, partnerA, legacyConfirmation(3), func(ca *v1alpha1.CustomerAgreement) { ca.Spec.Signatory = uniqueSignatory() })
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		var posts []pcsim.RequestRecord
		for _, r := range sim.Requests() {
			if r.Method == "POST" && strings.Contains(r.Path, customer) {
				posts = append(posts, r)
			}
		}
		Expect(len(posts)).To(BeNumerically(">=", 2))
		Expect(posts[0].Dropped).To(BeTrue())
		Eventually(func(g Gomega) {
			recs := recordsOf(partnerA, customer)
			g.Expect(recs).To(HaveLen(1))
			g.Expect(recs[0].Spec.Act).To(Equal(v1alpha1.ActLegacyConfirmation))
			g.Expect(recs[0].Spec.RequestID).To(Equal(posts[0].RequestID))
			g.Expect(recs[0].Status.Outcome).To(Equal(v1alpha1.OutcomeSucceeded))
		}).Should(Succeed())
	})
})

func mustYAML(v any) string {
	GinkgoHelper()
	raw, err := yaml.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return string(raw)
}
