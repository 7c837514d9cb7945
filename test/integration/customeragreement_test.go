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

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

var _ = Describe("Observing every state", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("reports a partner attestation under the current terms as Attested, Current for kstatus, and writes nothing", func() {
		ca := createAgreement(ns, custAttested, partnerA)
		got := eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		Expect(got.Status.AcceptedBy).To(Equal(v1alpha1.AcceptedByPartner))
		Expect(*got.Status.Signatory).To(Equal(v1alpha1.RecordedContact(*signatory(ada))))
		Expect(got.Status.DateAgreed.UTC().Format("2006-01-02")).To(Equal("2024-01-10"))
		Expect(got.Status.TemplateID).To(Equal(pcsim.TemplateMCA))
		Expect(cond(got, v1alpha1.ConditionReady).ObservedGeneration).To(Equal(got.Generation))
		Expect(kstatusOf(got)).To(Equal(status.CurrentStatus))
		Expect(requests(custAttested, "POST")).To(BeZero())
		// Steady state: one read per resync; an unchanged customer causes no status write.
		rv := got.ResourceVersion
		before := requests(custAttested, "GET")
		poke(ca)
		Eventually(func() int { return requests(custAttested, "GET") }).Should(Equal(before + 1))
		Consistently(func() int { return requests(custAttested, "GET") }, time.Second).Should(Equal(before + 1))
		Expect(fetch(ca).Status.LastSyncTime).To(Equal(got.Status.LastSyncTime))
		Expect(fetch(ca).ResourceVersion).NotTo(Equal(rv)) // the poke itself
	})

	It("reports the customer's own acceptance as Attested by Customer, without a customer notice", func() {
		ca := createAgreement(ns, custDirect, partnerA)
		got := eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAcceptedByCustomer))
		Expect(got.Status.AcceptedBy).To(Equal(v1alpha1.AcceptedByCustomer))
		Expect(got.Status.CustomerNoticeExpectedBy).To(BeNil())
		Expect(requests(custDirect, "POST")).To(BeZero())
	})

	It("reports an attestation from before the cutoff as Blocked after enforcement and Legacy before it", func() {
		ca := createAgreement(ns, custLegacy, partnerA, observeOnly)
		got := eventually(ca, hasState(v1alpha1.StateBlocked, "False/"+v1alpha1.ReasonTransactionsBlocked))
		Expect(condition(got, v1alpha1.ConditionReattestationRequired)).To(Equal("True/" + v1alpha1.ReasonTransactionsBlocked))
		Expect(cond(got, v1alpha1.ConditionReattestationRequired).Message).To(ContainSubstring("900428"))

		clock.Set(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
		DeferCleanup(clock.Reset)
		poke(ca)
		got = eventually(ca, hasState(v1alpha1.StateLegacy, "False/"+v1alpha1.ReasonReattestationRequired))
		Expect(condition(got, v1alpha1.ConditionReattestationRequired)).To(Equal("True/" + v1alpha1.ReasonReattestationRequired))
		Expect(requests(custLegacy, "POST")).To(BeZero())
	})

	It("reports NoMCA under Observe and never writes to Partner Center", func() {
		ca := createAgreement(ns, custObserve, partnerA, observeOnly)
		got := eventually(ca, hasState(v1alpha1.StateNoMCA, "False/"+v1alpha1.ReasonNoAgreement))
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("managementPolicy is Observe"))
		Expect(kstatusOf(got)).To(Equal(status.InProgressStatus))
		poke(ca)
		Consistently(func() int { return requests(custObserve, "POST") }).Should(BeZero())
	})
})

var _ = Describe("Enhanced partner attestation, end to end", func() {
	It("starts the attestation, publishes the link, and creates the agreement once the signatory accepts on the page", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custEnhanced, partnerA)
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
			g.Expect(linkOf(got)).To(HavePrefix(simURL + "/attest/"))
			g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(Equal("True/" + v1alpha1.ReasonAwaitingCustomer))
		})
		Expect(got.Status.State).To(Equal(v1alpha1.StateNoMCA))
		Expect(got.Status.Attestation.ExpiresAt).NotTo(BeNil())
		Expect(condition(got, v1alpha1.ConditionReconciling)).To(Equal("True/" + v1alpha1.ReasonAwaitingCustomer))
		Expect(kstatusOf(got)).To(Equal(status.InProgressStatus))
		Eventually(func() []string { return events(ca) }).Should(ContainElement(HavePrefix(v1alpha1.ReasonAttestationStarted)))

		// Polling while the customer has not accepted starts nothing new.
		Consistently(func() int { return len(startsFor("Customer " + custEnhanced[len(custEnhanced)-4:])) }, time.Second).Should(Equal(1))

		acceptThroughPage(linkOf(got))
		att, ok := sim.Attestation(attestationIDOf(got))
		Expect(ok).To(BeTrue())
		Expect(att.Status).To(BeElementOf(pcsim.StatusCustomerAccepted, pcsim.StatusAgreementCreated))

		got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(got.Status.AcceptedBy).To(Equal(v1alpha1.AcceptedByPartner))
		Expect(got.Status.Attestation).To(BeNil())
		Expect(got.Status.CustomerNoticeExpectedBy).NotTo(BeNil())
		Expect(got.Status.CustomerNoticeExpectedBy.Sub(got.Status.CreatedAgreement.CreatedAt.Time)).To(Equal(30 * time.Minute))
		Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(BeEmpty())
		Expect(kstatusOf(got)).To(Equal(status.CurrentStatus))
		records := sim.CustomerAgreements(partnerA.tenantID, custEnhanced)
		Expect(records).To(HaveLen(1))
		Expect(records[0].PrimaryContact.Email).To(Equal(ada.Email))
		Eventually(func() []string { return events(ca) }).Should(ContainElement(HavePrefix(v1alpha1.ReasonAgreementCreated)))
	})
})

// startsFor lists the attestations started for a company.
func startsFor(company string) []pcsim.Attestation {
	var out []pcsim.Attestation
	for _, a := range sim.Attestations() {
		if a.CompanyName == company {
			out = append(out, a)
		}
	}
	return out
}

var _ = Describe("Legacy confirmation", func() {
	It("confirms with the signatory and dateAgreed, once, and says so in an event", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custLegacyConfim, partnerA, legacyConfirmation(3))
		got := eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(got.Status.CreatedAgreement).NotTo(BeNil())
		Expect(got.Status.CreatedAgreement.Method).To(Equal(v1alpha1.MethodLegacyConfirmation))
		records := sim.CustomerAgreements(partnerA.tenantID, custLegacyConfim)
		Expect(records).To(HaveLen(1))
		Expect(records[0].DateAgreedTime.Equal(got.Spec.DateAgreed.Time)).To(BeTrue())
		Expect(requests(custLegacyConfim, "POST")).To(Equal(1))
		Eventually(func() []string { return events(ca) }).Should(ContainElement(ContainSubstring("legacy confirmation")))
	})

	It("reattests a legacy customer once with the contact of its old attestation", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custReattest, partnerA, legacyConfirmation(1), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory = signatory(grace)
		})
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(sim.CustomerAgreements(partnerA.tenantID, custReattest)).To(HaveLen(2))
		Expect(condition(fetch(ca), v1alpha1.ConditionReattestationRequired)).To(BeEmpty())
	})

	It("refuses a dateAgreed in the future with a condition, and writes nothing", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custObserve, partnerA, func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Method = v1alpha1.MethodLegacyConfirmation
			d := metav1.NewTime(time.Now().Add(48 * time.Hour))
			ca.Spec.DateAgreed = &d
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonInvalidSpec))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("lies in the future"))
		Expect(requests(custObserve, "POST")).To(BeZero())
	})
})

var _ = Describe("Who may attest", func() {
	It("never attests for an indirect reseller and says the indirect provider must", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custR, partnerR)
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionAttestationNotPermitted)).To(Equal("True/" + v1alpha1.ReasonNotPermitted))
		})
		Expect(got.Status.State).To(Equal(v1alpha1.StateNoMCA))
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("indirect provider"))
		Expect(kstatusOf(got)).To(Equal(status.FailedStatus))
		Consistently(func() int { return requests(custR, "POST") }).Should(BeZero())
		Expect(startsFor(got.Spec.CompanyName)).To(BeEmpty())
	})

	It("invites a CustomerDirect customer and notices the customer's own acceptance", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custInvite, partnerA, func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Method = v1alpha1.MethodCustomerDirect
			ca.Spec.Signatory = nil
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.InvitationURL).To(Equal(mca.InvitationURL))
			g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(Equal("True/" + v1alpha1.ReasonAwaitingDirectAcceptance))
		})
		Expect(kstatusOf(got)).To(Equal(status.InProgressStatus))

		Expect(sim.SetDirectSigned(partnerA.tenantID, custInvite, true)).To(Succeed())
		got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAcceptedByCustomer))
		Expect(got.Status.InvitationURL).To(BeEmpty())
		Expect(got.Status.CustomerNoticeExpectedBy).To(BeNil())
		Expect(requests(custInvite, "POST")).To(BeZero())
	})
})

var _ = Describe("Duplicate signatory", func() {
	It("stops on 600061 without a retry loop and recovers when the spec changes", func() {
		// Another tool attested Ada for this customer a moment ago; Partner Center's reads do not
		// show it yet, so the operator sees NoMCA and its own attestation is refused as a duplicate.
		sim.SetVisibilityDelay(time.Hour)
		other, err := pc.New(pc.Config{TenantID: partnerA.tenantID, BaseURL: simURL, AuthorityURL: simURL, HTTPClient: sim.HTTPClient(),
			Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: partnerA.clientID, ClientSecret: partnerA.clientSecret})})
		Expect(err).NotTo(HaveOccurred())
		att, err := other.StartEnhancedAttestation(ctx, pc.EnhancedAttestationRequest{CompanyName: "Other tool", Country: "US", Language: "en-US",
			SignatoryFirstName: ada.FirstName, SignatoryLastName: ada.LastName, SignatoryEmail: ada.Email, SignatoryPhoneNumber: ada.PhoneNumber})
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.Accept(att.AttestationID)).To(Succeed())
		_, err = other.CreateAgreementFromAttestation(ctx, custDuplicate, att.AttestationID, pcsim.TemplateMCA)
		Expect(err).NotTo(HaveOccurred())
		sim.SetVisibilityDelay(0)

		ns := newNamespace()
		ca := createAgreement(ns, custDuplicate, partnerA, legacyConfirmation(1))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionDuplicateSignatory)).To(Equal("True/" + v1alpha1.ReasonDuplicateSignatory))
		})
		Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonDuplicateSignatory))
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("another authorised signatory"))
		Expect(kstatusOf(got)).To(Equal(status.FailedStatus))
		Eventually(func() []string { return events(ca) }).Should(ContainElement(HavePrefix(v1alpha1.ReasonDuplicateSignatory)))

		// No retry loop: neither time nor a poke sends the refused request again.
		posts := requests(custDuplicate, "POST")
		Expect(posts).To(Equal(2)) // the other tool's and ours
		poke(ca)
		Consistently(func() int { return requests(custDuplicate, "POST") }).Should(Equal(posts))

		// A changed email address is a new contact: the operator tries again and succeeds.
		got = fetch(ca)
		got.Spec.Signatory.Email = "ceo.office@contoso.example"
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(condition(got, v1alpha1.ConditionDuplicateSignatory)).To(BeEmpty())
		Expect(condition(got, v1alpha1.ConditionStalled)).To(BeEmpty())
		Expect(kstatusOf(got)).To(Equal(status.CurrentStatus))
	})
})

var _ = Describe("Partner Center faults", func() {
	AfterEach(func() { sim.SetVisibilityDelay(0) })

	It("does not duplicate a POST whose answer was lost", func() {
		sim.DropNextPOSTResponses(1)
		ns := newNamespace()
		ca := createAgreement(ns, custLostPOST, partnerA, legacyConfirmation(2))
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(sim.CustomerAgreements(partnerA.tenantID, custLostPOST)).To(HaveLen(1))
		var posts []pcsim.RequestRecord
		for _, r := range sim.Requests() {
			if r.Method == "POST" && r.Path == "/v1/customers/"+custLostPOST+"/agreements" {
				posts = append(posts, r)
			}
		}
		Expect(len(posts)).To(BeNumerically(">=", 2))
		Expect(posts[0].Dropped).To(BeTrue())
		for _, p := range posts[1:] {
			Expect(p.RequestID).To(Equal(posts[0].RequestID), "a retried create keeps its MS-RequestId")
		}
	})

	It("trusts its own create while Partner Center's reads do not show it yet", func() {
		sim.SetVisibilityDelay(time.Hour)
		ns := newNamespace()
		ca := createAgreement(ns, custDelayed, partnerA, legacyConfirmation(2))
		got := eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(got.Status.CreatedAgreement).NotTo(BeNil())
		for range 3 {
			before := requests(custDelayed, "GET")
			poke(ca)
			Eventually(func() int { return requests(custDelayed, "GET") }).Should(BeNumerically(">", before))
		}
		Expect(requests(custDelayed, "POST")).To(Equal(1))
		Expect(fetch(ca).Status.State).To(Equal(v1alpha1.StateAttested))
	})

	It("rides out a 429 storm by waiting for Retry-After, without errors piling up", func() {
		ns := newNamespace()
		before := 0
		for _, r := range sim.Requests() {
			if r.Status == 429 {
				before++
			}
		}
		// Each 429 pauses every call of the tenant for Retry-After, so a storm of n answers lasts
		// about n seconds when the calls come one by one.
		sim.Throttle(10, time.Second)
		cas := make([]*v1alpha1.CustomerAgreement, 0, 10)
		for i := range 10 {
			cas = append(cas, createAgreement(ns, throttledID(i), partnerA))
		}
		for _, ca := range cas {
			eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
			Expect(condition(fetch(ca), v1alpha1.ConditionReconciling)).To(BeEmpty())
		}
		throttled := 0
		for _, r := range sim.Requests() {
			if r.Status == 429 {
				throttled++
			}
		}
		Expect(throttled - before).To(Equal(10))
	})

	It("stops on an unknown customer and on a missing relationship without a hot loop", func() {
		ns := newNamespace()
		unknown := createAgreement(ns, custUnknown, partnerA, observeOnly)
		norel := createAgreement(ns, custNoRel, partnerA, observeOnly)
		got := eventually(unknown, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonCustomerNotFound))
		})
		Expect(condition(got, v1alpha1.ConditionReady)).To(Equal("False/" + v1alpha1.ReasonCustomerNotFound))
		Expect(kstatusOf(got)).To(Equal(status.FailedStatus))
		eventually(norel, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonNoRelationship))
		})
		n1, n2 := requests(custUnknown, ""), requests(custNoRel, "")
		Consistently(func() []int { return []int{requests(custUnknown, ""), requests(custNoRel, "")} }).Should(Equal([]int{n1, n2}))
	})
})

var _ = Describe("Partner tenants", func() {
	It("keeps a rotated refresh token across a manager restart", func() {
		secretKey := types.NamespacedName{Namespace: credentialsNamespace, Name: partnerA.secret}
		stored := func() string {
			var s corev1.Secret
			Expect(k8sClient.Get(ctx, secretKey, &s)).To(Succeed())
			return string(s.Data["refreshToken"])
		}
		// The manager's first token request rotated the seeded refresh token and saved the new one.
		Eventually(func(g Gomega) {
			g.Expect(stored()).NotTo(Equal(partnerA.refreshToken))
			g.Expect(stored()).To(Equal(sim.CurrentRefreshToken(partnerA.tenantID)))
		}).Should(Succeed())
		beforeRestart := stored()

		stopMgr()
		sim.RevokeAccessTokens(partnerA.tenantID) // the new manager must use the refresh token
		sim.ResetRequests()
		stopMgr = startManager()

		ns := newNamespace()
		ca := createAgreement(ns, custAttested, partnerA)
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		Eventually(func(g Gomega) {
			g.Expect(stored()).NotTo(Equal(beforeRestart))
			g.Expect(stored()).To(Equal(sim.CurrentRefreshToken(partnerA.tenantID)))
		}).Should(Succeed())
		for _, r := range sim.Requests() {
			if r.GrantType != "" {
				Expect(r.Status).To(Equal(200), "token request %s %s failed", r.GrantType, r.Path)
			}
		}
		pt := &v1alpha1.PartnerTenant{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: partnerA.name}, pt)).To(Succeed())
		Expect(apimeta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	})

	It("serves two partner tenants side by side, each with its own credentials", func() {
		ns := newNamespace()
		a := createAgreement(ns, custAttested, partnerA)
		b := createAgreement(ns, custB, partnerB, legacyConfirmation(1))
		eventually(a, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		eventually(b, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		seen := 0
		for _, r := range sim.Requests() {
			if r.PartnerTenantID == "" {
				continue
			}
			switch {
			case requestFor(r, custB):
				Expect(r.PartnerTenantID).To(Equal(partnerB.tenantID))
				seen++
			case requestFor(r, custAttested):
				Expect(r.PartnerTenantID).To(Equal(partnerA.tenantID))
			}
		}
		Expect(seen).To(BeNumerically(">=", 2))
		Expect(sim.CustomerAgreements(partnerB.tenantID, custB)).To(HaveLen(1))
	})

	It("marks a PartnerTenant whose Secret is missing not Ready, and its customers wait without calling Partner Center", func() {
		pt := &v1alpha1.PartnerTenant{
			ObjectMeta: metav1.ObjectMeta{Name: "no-secret"},
			Spec: v1alpha1.PartnerTenantSpec{TenantID: partnerB.tenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
				Endpoint: simURL, Authority: simURL, CredentialsSecretRef: v1alpha1.SecretReference{Name: "does-not-exist"},
				AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}},
		}
		Expect(k8sClient.Create(ctx, pt)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pt), pt)).To(Succeed())
			c := apimeta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonCredentialsMissing))
			g.Expect(c.Message).To(ContainSubstring("does-not-exist"))
		}).Should(Succeed())
		ns := newNamespace()
		ca := createAgreement(ns, custB, testPartner{name: "no-secret"})
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionReady)).To(Equal("False/" + v1alpha1.ReasonPartnerTenantNotReady))
		})
	})
})

func requestFor(r pcsim.RequestRecord, customer string) bool {
	return strings.Contains(r.Path, customer)
}

func cond(ca *v1alpha1.CustomerAgreement, typ string) *metav1.Condition {
	return apimeta.FindStatusCondition(ca.Status.Conditions, typ)
}
