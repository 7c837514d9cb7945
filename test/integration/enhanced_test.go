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
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// setVariants plays a wire variant of Partner Center for the rest of the spec.
func setVariants(v pcsim.WireVariants) {
	sim.SetWireVariants(v)
	DeferCleanup(sim.SetWireVariants, pcsim.WireVariants{})
}

// setTemplate sets partner A's acceptanceURLTemplate for the rest of the spec.
func setTemplate(template string) {
	GinkgoHelper()
	var old *v1alpha1.PartnerAttestationSettings
	updatePartnerTenant(partnerA.name, func(pt *v1alpha1.PartnerTenant) {
		old = pt.Spec.Attestation.DeepCopy()
		if pt.Spec.Attestation == nil {
			pt.Spec.Attestation = &v1alpha1.PartnerAttestationSettings{}
		}
		pt.Spec.Attestation.AcceptanceURLTemplate = strings.ReplaceAll(template, "SIMURL", simURL)
	})
	DeferCleanup(updatePartnerTenant, partnerA.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.Attestation = old })
}

// onboard runs the whole enhanced flow for a new customer and checks what every variant must
// keep: one attestation for the intent, the link only in its Secret, one agreement, no hot loop.
func onboard(mutate ...func(*v1alpha1.CustomerAgreement)) *v1alpha1.CustomerAgreement {
	GinkgoHelper()
	customer := newCustomer(partnerA)
	sg := uniqueSignatory()
	ca := createAgreement(newNamespace(), customer, partnerA, append([]func(*v1alpha1.CustomerAgreement){withSignatory(sg)}, mutate...)...)
	got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
		g.Expect(got.Status.Attestation).NotTo(BeNil())
		g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
		g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(Equal("True/" + v1alpha1.ReasonAwaitingCustomer))
	})
	link := linkOf(got)
	id := attestationIDOf(got)
	Expect(link).To(ContainSubstring(id))
	Expect(got.Status.Attestation.Handle).To(Equal(v1alpha1.AttestationHandle(id)))

	// Waiting costs polls of the attestation only, and not in a hot loop (poll interval 300 ms).
	listsBefore, start := requests(customer, "GET"), time.Now()
	pollsBefore := len(sim.Requests())
	time.Sleep(1500 * time.Millisecond)
	Expect(requests(customer, "GET")-listsBefore).To(BeNumerically("<=", 1), "the customer's records were re-read while polling")
	Expect(len(sim.Requests())-pollsBefore).To(BeNumerically("<=", int(time.Since(start)/(250*time.Millisecond))+2), "polling in a hot loop")
	Expect(startsBy(sg.Email)).To(HaveLen(1))

	// The link is a credential: not in the object, not in its events.
	raw, err := json.Marshal(fetch(ca))
	Expect(err).NotTo(HaveOccurred())
	Expect(string(raw)).NotTo(ContainSubstring(link))
	Expect(strings.Join(events(ca), "\n")).NotTo(ContainSubstring(link))
	// Nor is the attestation id, which completes it (issue 19, item 2).
	Expect(string(raw)).NotTo(ContainSubstring(id))
	Expect(strings.Join(events(ca), "\n")).NotTo(ContainSubstring(id))

	acceptThroughPage(link)
	got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
	Expect(got.Status.CreatedAgreement.AttestationHandle).To(Equal(v1alpha1.AttestationHandle(id)))
	Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
	Expect(startsBy(sg.Email)).To(HaveLen(1))
	// The link and the id go once the agreement exists.
	Eventually(func() error {
		return k8sClient.Get(ctx, client.ObjectKey{Namespace: credentialsNamespace, Name: "mca-link-" + string(got.UID)}, &corev1.Secret{})
	}).ShouldNot(Succeed())
	Eventually(func() error {
		return k8sClient.Get(ctx, client.ObjectKey{Namespace: credentialsNamespace, Name: v1alpha1.AttestationIDsSecretPrefix + string(got.UID)}, &corev1.Secret{})
	}).ShouldNot(Succeed())
	return got
}

var _ = Describe("The enhanced attestation under every modeled wire", func() {
	DescribeTable("onboards exactly once",
		func(v pcsim.WireVariants, template string) {
			setVariants(v)
			if template != "" {
				setTemplate(template)
			}
			onboard()
		},
		Entry("as modeled", pcsim.WireVariants{}, ""),
		Entry("without a GET of attestations (404)", pcsim.WireVariants{AttestationGet: pcsim.AttestationGet404}, ""),
		Entry("without a GET of attestations (405)", pcsim.WireVariants{AttestationGet: pcsim.AttestationGet405}, ""),
		Entry("with lower-case status words", pcsim.WireVariants{StatusWords: pcsim.StatusWordsLower}, ""),
		Entry("with the integrators' status words", pcsim.WireVariants{StatusWords: pcsim.StatusWordsIntegrator}, ""),
		Entry("with upper-case status words", pcsim.WireVariants{StatusWords: pcsim.StatusWordsUpper}, ""),
		Entry("with an unknown status word while the link is out", pcsim.WireVariants{StatusWords: pcsim.StatusWordsUnknown}, ""),
		Entry("with the expiry as expirationTime", pcsim.WireVariants{ExpiryField: pcsim.ExpiryFieldExpirationTime}, ""),
		Entry("with the expiry as expirationDateTime", pcsim.WireVariants{ExpiryField: pcsim.ExpiryFieldExpirationDateTime}, ""),
		Entry("without an expiry", pcsim.WireVariants{ExpiryField: pcsim.ExpiryFieldNone}, ""),
		Entry("without the request echoed", pcsim.WireVariants{NoEcho: true}, ""),
		Entry("with an unknown refusal before acceptance", pcsim.WireVariants{CreateFromAttestationError: pcsim.CreateErrorUnknownBeforeAcceptance}, ""),
		Entry("without a link in the answer, built from the template", pcsim.WireVariants{NoAcceptanceLink: true}, "SIMURL/attest/{attestationId}?lang={language}&country={country}"),
		Entry("with everything at once", pcsim.WireVariants{AttestationGet: pcsim.AttestationGet405, NoAcceptanceLink: true, StatusWords: pcsim.StatusWordsIntegrator,
			ExpiryField: pcsim.ExpiryFieldNone, NoEcho: true, CreateFromAttestationError: pcsim.CreateErrorUnknownBeforeAcceptance}, "SIMURL/attest/{attestationId}"),
	)

	It("says what to configure when Partner Center gives no link and no template exists, and still follows the attestation", func() {
		setVariants(pcsim.WireVariants{NoAcceptanceLink: true})
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonAcceptanceLinkUnavailable))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("spec.attestation.acceptanceURLTemplate"))
		Expect(got.Status.Attestation.LinkSecretRef).To(BeNil())
		// The signatory accepted through another route: the acceptance is still completed.
		Expect(sim.Accept(attestationIDOf(got))).To(Succeed())
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(startsBy(sg.Email)).To(HaveLen(1))
	})

	It("stalls with Partner Center's code when an accepted attestation is refused for an unknown reason", func() {
		setVariants(pcsim.WireVariants{CreateFromAttestationError: pcsim.CreateErrorUnknownAlways})
		customer := newCustomer(partnerA)
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(uniqueSignatory()))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		acceptThroughPage(linkOf(got))
		got = eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonAgreementCreationRefused))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring(fmt.Sprint(pcsim.CodeUnsupportedAttestation)))
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(BeEmpty())
	})

	It("sends the link lifetime in whole minutes, the CustomerAgreement's over the PartnerTenant's, and omits an empty phone", func() {
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		sg.PhoneNumber = ""
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Attestation = &v1alpha1.CustomerAttestationSettings{LinkLifetime: &metav1.Duration{Duration: 90 * time.Minute}}
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		att, ok := sim.Attestation(attestationIDOf(got))
		Expect(ok).To(BeTrue())
		Expect(att.RequestedMinutes).To(Equal(90))
		Expect(att.PhoneNumberSent).To(BeFalse())
		Expect(got.Status.Attestation.ExpiresAt.Sub(got.Status.Attestation.StartedAt.Time)).To(BeNumerically("~", 90*time.Minute, 2*time.Second))
	})

	It("deletes the link and attestation ids Secrets with their CustomerAgreement", func() {
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(uniqueSignatory()))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
			g.Expect(got.Status.AttestationIDsSecretRef).NotTo(BeNil())
		})
		key := client.ObjectKey{Namespace: credentialsNamespace, Name: got.Status.Attestation.LinkSecretRef.Name}
		ids := client.ObjectKey{Namespace: credentialsNamespace, Name: got.Status.AttestationIDsSecretRef.Name}
		Expect(k8sClient.Get(ctx, key, &corev1.Secret{})).To(Succeed())
		Expect(k8sClient.Get(ctx, ids, &corev1.Secret{})).To(Succeed())
		Expect(k8sClient.Delete(ctx, ca)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key, &corev1.Secret{}) }).ShouldNot(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, ids, &corev1.Secret{}) }).ShouldNot(Succeed())
	})

	It("keeps and sweeps the link of a CustomerAgreement whose name is 253 characters long", func() {
		long := strings.Repeat("n", 249) + "-end"
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(uniqueSignatory()),
			func(ca *v1alpha1.CustomerAgreement) { ca.Name = long })
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
			g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(Equal("True/" + v1alpha1.ReasonAwaitingCustomer))
		})
		Expect(linkOf(got)).To(ContainSubstring("http"))
		key := client.ObjectKey{Namespace: credentialsNamespace, Name: got.Status.Attestation.LinkSecretRef.Name}
		sec := &corev1.Secret{}
		Expect(k8sClient.Get(ctx, key, sec)).To(Succeed())
		Expect(sec.Annotations).To(HaveKeyWithValue(v1alpha1.AnnotationLinkName, long))
		Expect(sec.Labels[v1alpha1.LabelLinkName]).To(HaveLen(63))
		Expect(k8sClient.Delete(ctx, ca)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key, &corev1.Secret{}) }).ShouldNot(Succeed())
	})

	It("stalls a refused legacy confirmation with LegacyConfirmationRefused and recommends PartnerAttestation", func() {
		setVariants(pcsim.WireVariants{LegacyRetired: true})
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(uniqueSignatory()), legacyConfirmation(1))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonLegacyConfirmationRefused))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("PartnerAttestation"))
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("5 January 2026"))
	})
})
