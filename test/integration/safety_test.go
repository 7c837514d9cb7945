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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// Each spec here is an attack or a fault that once made the legal act happen when it should not,
// twice, or not at all.

// newCustomer seeds a fresh customer of partner p in the simulator and returns its tenant id.
func newCustomer(p testPartner, mutate ...func(*pcsim.SeedCustomer)) string {
	GinkgoHelper()
	id := fmt.Sprintf("e%07x-%04x-4%03x-8%03x-%012x", rand.Intn(1<<28), rand.Intn(1<<16), rand.Intn(1<<12), rand.Intn(1<<12), rand.Int63nRange(0, 1<<47))
	c := pcsim.SeedCustomer{TenantID: id, CompanyName: "Company " + id[:8]}
	for _, m := range mutate {
		m(&c)
	}
	sim.AddCustomer(p.tenantID, c)
	return id
}

// uniqueSignatory returns Ada with an email of her own, so that each spec's attestations can be
// told apart in the simulator.
func uniqueSignatory() *v1alpha1.Signatory {
	sg := signatory(ada)
	sg.Email = "ada+" + rand.String(6) + "@contoso.example"
	return sg
}

// startsBy lists the attestations started for a signatory email (case-insensitive).
func startsBy(email string) []pcsim.Attestation {
	var out []pcsim.Attestation
	for _, a := range sim.Attestations() {
		if strings.EqualFold(a.SignatoryEmail, email) {
			out = append(out, a)
		}
	}
	return out
}

func withSignatory(sg *v1alpha1.Signatory) func(*v1alpha1.CustomerAgreement) {
	return func(ca *v1alpha1.CustomerAgreement) { ca.Spec.Signatory = sg }
}

func named(name string) func(*v1alpha1.CustomerAgreement) {
	return func(ca *v1alpha1.CustomerAgreement) { ca.Name = name }
}

// updatePartnerTenant changes a PartnerTenant's spec, retrying when its status moved meanwhile.
func updatePartnerTenant(name string, mutate func(*v1alpha1.PartnerTenant)) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pt := &v1alpha1.PartnerTenant{}
		if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, pt); err != nil {
			return err
		}
		mutate(pt)
		return k8sClient.Update(ctx, pt)
	})).To(Succeed())
}

// restrictPartnerTenant sets partner p's allowedNamespaces for the rest of the spec.
func restrictPartnerTenant(p testPartner, an *v1alpha1.AllowedNamespaces) {
	GinkgoHelper()
	var old *v1alpha1.AllowedNamespaces
	updatePartnerTenant(p.name, func(pt *v1alpha1.PartnerTenant) {
		old = pt.Spec.AllowedNamespaces
		pt.Spec.AllowedNamespaces = an
	})
	DeferCleanup(updatePartnerTenant, p.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.AllowedNamespaces = old })
}

// impersonating returns a client acting as user, subject to the API server's RBAC.
func impersonating(user string) client.Client {
	GinkgoHelper()
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user}
	cl, err := client.New(c, client.Options{Scheme: operator.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// installEditorRole installs the shipped customeragreement-editor ClusterRole and binds it to
// user in namespace ns, as a cluster administrator would for a team.
func installEditorRole(user, ns string) {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "customeragreement_editor_role.yaml"))
	Expect(err).NotTo(HaveOccurred())
	role := &rbacv1.ClusterRole{}
	Expect(yaml.Unmarshal(b, role)).To(Succeed())
	if err := k8sClient.Create(ctx, role); err != nil {
		Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
	}
	Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user + "-edits-agreements"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: user}},
	})).To(Succeed())
}

var _ = Describe("Who may cause a legal act", func() {
	It("makes no Partner Center call for an editor whose namespace the PartnerTenant does not allow, and resumes when the namespace is labelled", func() {
		restrictPartnerTenant(partnerB, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"partnercenter.mca.dev/customers": "contoso-indirect"}}})
		ns := newNamespace()
		installEditorRole("eve", ns)
		eve := impersonating("eve")

		// Eve's role lets her create CustomerAgreements in her namespace, and nothing else.
		Expect(eve.Create(ctx, &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "eves"}, Spec: v1alpha1.PartnerTenantSpec{
			TenantID: partnerB.tenantID, PartnerType: partnerB.typ, CredentialsSecretRef: v1alpha1.SecretReference{Name: partnerB.secret}}})).NotTo(Succeed())

		known := newCustomer(partnerB, func(c *pcsim.SeedCustomer) {
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2024-02-01T00:00:00", PrimaryContact: grace}}
		})
		unknown := "e0000000-0000-4000-8000-0000000000fe"
		eveSignatory := &v1alpha1.Signatory{FirstName: "Eve", LastName: "Mallory", Email: "eve@attacker.example"}
		callsBefore := requests(custB, "") + requests(known, "") + requests(unknown, "")
		cas := make([]*v1alpha1.CustomerAgreement, 0, 3)
		for i, spec := range []v1alpha1.CustomerAgreementSpec{
			{CustomerTenantID: custB, Signatory: eveSignatory},
			{CustomerTenantID: known, ManagementPolicy: v1alpha1.ManagementPolicyObserve},
			{CustomerTenantID: unknown, ManagementPolicy: v1alpha1.ManagementPolicyObserve},
		} {
			spec.PartnerTenantRef = v1alpha1.PartnerTenantReference{Name: partnerB.name}
			spec.CompanyName = "Target"
			ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("probe-%d", i)}, Spec: spec}
			Expect(eve.Create(ctx, ca)).To(Succeed())
			DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, ca))).To(Succeed()) })
			cas = append(cas, ca)
		}
		for _, ca := range cas {
			got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
				g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonNamespaceNotAllowed))
			})
			msg := cond(got, v1alpha1.ConditionReady).Message
			Expect(msg).To(ContainSubstring(partnerB.name))
			Expect(msg).To(ContainSubstring(ns))
			Expect(msg).To(ContainSubstring("partnercenter.mca.dev/customers=contoso-indirect"))
			// Nothing of Partner Center shows: not another customer's signatory, not whether the
			// customer exists.
			Expect(got.Status.State).To(BeEmpty())
			Expect(got.Status.Signatory).To(BeNil())
			Expect(kstatusOf(got)).To(Equal(status.FailedStatus))
		}
		Consistently(func() int { return requests(custB, "") + requests(known, "") + requests(unknown, "") }).Should(Equal(callsBefore))
		Expect(startsBy(eveSignatory.Email)).To(BeEmpty())
		// Eve cannot clear the verdict herself: status is the operator's.
		got := fetch(cas[0])
		got.Status.Conditions = nil
		Expect(eve.Status().Update(ctx, got)).NotTo(Succeed())

		// The administrator labels the namespace: the objects resume without any other edit.
		nsObj := &corev1.Namespace{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, nsObj)).To(Succeed())
		nsObj.Labels["partnercenter.mca.dev/customers"] = "contoso-indirect"
		Expect(k8sClient.Update(ctx, nsObj)).To(Succeed())
		eventually(cas[1], hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		eventually(cas[2], func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonCustomerNotFound))
		})
	})

	It("lets no namespace use a PartnerTenant without allowedNamespaces", func() {
		restrictPartnerTenant(partnerB, nil)
		callsBefore := requests(custB, "")
		ns := newNamespace()
		ca := createAgreement(ns, custB, partnerB, withSignatory(uniqueSignatory()))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonNamespaceNotAllowed))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("spec.allowedNamespaces is not set"))
		Consistently(func() int { return requests(custB, "") }).Should(Equal(callsBefore))
	})

	It("spends at most one Partner Center read per interval however often reconcile-now is requested", func() {
		customer := newCustomer(partnerA, func(c *pcsim.SeedCustomer) {
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2024-02-01T00:00:00", PrimaryContact: ada}}
		})
		ca := createAgreement(newNamespace(), customer, partnerA)
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		before := requests(customer, "GET")
		start := time.Now()
		for range 100 {
			poke(ca)
		}
		elapsed := time.Since(start)
		time.Sleep(500 * time.Millisecond)
		reads := requests(customer, "GET") - before
		// The suite's --min-read-interval is 200 ms: without the budget this was 100 reads.
		bound := int(elapsed/(200*time.Millisecond)) + 2
		GinkgoWriter.Printf("100 reconcile-now patches in %s: %d reads (bound %d)\n", elapsed, reads, bound)
		Expect(reads).To(BeNumerically("<=", bound))
	})
})

var _ = Describe("One agreement per customer", func() {
	It("lets the oldest of two CustomerAgreements for one customer act, and hands over when it goes", func() {
		customer := newCustomer(partnerA)
		first := createAgreement(newNamespace(), customer, partnerA, withSignatory(uniqueSignatory()))
		time.Sleep(1100 * time.Millisecond) // creationTimestamp has whole seconds
		second := createAgreement(newNamespace(), customer, partnerA, withSignatory(uniqueSignatory()))

		got := eventually(second, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonCustomerClaimed))
		})
		// The owner lives in another team's namespace: the message says another object owns the
		// customer without naming that namespace or object.
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring("Another CustomerAgreement, in another namespace"))
		Expect(cond(got, v1alpha1.ConditionReady).Message).NotTo(ContainSubstring(first.Namespace))
		firstGot := eventually(first, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
		})
		Expect(startsBy(second.Spec.Signatory.Email)).To(BeEmpty())
		Expect(requests(customer, "")).To(BeNumerically(">", 0))

		acceptThroughPage(linkOf(firstGot))
		eventually(first, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(k8sClient.Delete(ctx, first)).To(Succeed())
		eventually(second, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
		Expect(startsBy(second.Spec.Signatory.Email)).To(BeEmpty())
	})

	It("repeats the same requests for an object re-created after a crash, with its phone number reformatted", func() {
		sim.SetVisibilityDelay(time.Hour)
		DeferCleanup(sim.SetVisibilityDelay, time.Duration(0))
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		sg.PhoneNumber = "4255550100"
		ns := newNamespace()
		ca := createAgreement(ns, customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		acceptThroughPage(linkOf(got))
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))

		// The status is lost with the object; Partner Center's reads do not show the agreement yet.
		Expect(k8sClient.Delete(ctx, ca)).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), &v1alpha1.CustomerAgreement{}) }).ShouldNot(Succeed())
		again := sg.DeepCopy()
		again.PhoneNumber = "425.555.0100"
		again.Email = strings.ToUpper(sg.Email[:1]) + sg.Email[1:]
		recreated := createAgreement(ns, customer, partnerA, withSignatory(again), named("recreated"))
		eventually(recreated, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
		Expect(startsBy(sg.Email)).To(HaveLen(1))
	})
})

var _ = Describe("Every accepted attestation is finished", func() {
	It("creates the agreement from a link accepted after the spec changed", func() {
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		oldLink, oldHandle := linkOf(got), got.Status.Attestation.Handle

		// A typo in companyName is fixed while the link is out: a new attestation is started ...
		got.Spec.CompanyName = "Contoso Corrected Ltd"
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		got = eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.Handle).NotTo(Equal(oldHandle))
		})
		Expect(got.Status.EarlierAttestations).To(ConsistOf(HaveField("Handle", oldHandle)))

		// ... but the signatory accepts the link they already had.
		acceptThroughPage(oldLink)
		got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(got.Status.CreatedAgreement.AttestationHandle).To(Equal(oldHandle))
		Expect(got.Status.Attestation).To(BeNil())
		Expect(got.Status.EarlierAttestations).To(BeEmpty())
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
		Expect(startsBy(sg.Email)).To(HaveLen(2))
	})

	It("does not renew a link that Partner Center still holds valid when the manager's clock runs 61 minutes ahead", func() {
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		clock.Set(got.Status.Attestation.ExpiresAt.Add(time.Minute))
		DeferCleanup(clock.Reset)
		poke(ca)
		Consistently(func() int { return len(startsBy(sg.Email)) }).Should(Equal(1))

		acceptThroughPage(linkOf(got))
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
	})

	It("keeps trusting its own agreement when reads lag, and says so after 24 hours without attesting again", func() {
		sim.SetVisibilityDelay(1000 * time.Hour)
		DeferCleanup(sim.SetVisibilityDelay, time.Duration(0))
		customer := newCustomer(partnerA)
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		acceptThroughPage(linkOf(got))
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))

		clock.Set(time.Now().Add(25 * time.Hour))
		DeferCleanup(clock.Reset)
		poke(ca)
		got = eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionStalled)).To(Equal("True/" + v1alpha1.ReasonAgreementNotVisible))
		})
		Expect(cond(got, v1alpha1.ConditionReady).Message).To(ContainSubstring(got.Status.CreatedAgreement.RequestID))
		Consistently(func() int { return len(startsBy(sg.Email)) }).Should(Equal(1))
		Expect(sim.CustomerAgreements(partnerA.tenantID, customer)).To(HaveLen(1))
	})
})

var _ = Describe("Status that real data cannot break", func() {
	It("stores Partner Center's contact shapes as given and starts the attestation once", func() {
		long := strings.Repeat("x", 101)
		odd := pcsim.SeedContact{FirstName: long, LastName: "", Email: "admin@localhost", PhoneNumber: "+1 425 555 0100 ext. 12"}
		customer := newCustomer(partnerA, func(c *pcsim.SeedCustomer) {
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2022-05-01T00:00:00", PrimaryContact: odd}}
		})
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.LinkSecretRef).NotTo(BeNil())
		})
		Expect(got.Status.State).To(Equal(v1alpha1.StateBlocked))
		Expect(*got.Status.Signatory).To(Equal(v1alpha1.RecordedContact{FirstName: long, Email: odd.Email, PhoneNumber: odd.PhoneNumber}))
		Consistently(func() int { return len(startsBy(sg.Email)) }).Should(Equal(1))
	})
})

var _ = Describe("One place decides the conditions", func() {
	It("drops AttestationNotPermitted when an indirect reseller's customer switches to CustomerDirect", func() {
		ca := createAgreement(newNamespace(), custR, partnerR)
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionAttestationNotPermitted)).To(Equal("True/" + v1alpha1.ReasonNotPermitted))
		})
		got := fetch(ca)
		got.Spec.Method = v1alpha1.MethodCustomerDirect
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		got = eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionAwaitingCustomerAcceptance)).To(Equal("True/" + v1alpha1.ReasonAwaitingDirectAcceptance))
		})
		Expect(condition(got, v1alpha1.ConditionAttestationNotPermitted)).To(BeEmpty())
		Expect(condition(got, v1alpha1.ConditionStalled)).To(BeEmpty())
	})

	It("recovers from a duplicate signatory when the corrected spec first meets a transient 503", func() {
		// Another tool attested Grace a moment ago; Partner Center's reads do not show it yet, so the
		// operator's confirmation with Grace is refused as a duplicate (600061).
		customer := newCustomer(partnerA)
		sim.SetVisibilityDelay(time.Hour)
		DeferCleanup(sim.SetVisibilityDelay, time.Duration(0))
		other, err := pc.New(pc.Config{TenantID: partnerA.tenantID, BaseURL: simURL, AuthorityURL: simURL, HTTPClient: sim.HTTPClient(),
			Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: partnerA.clientID, ClientSecret: partnerA.clientSecret})})
		Expect(err).NotTo(HaveOccurred())
		att, err := other.StartEnhancedAttestation(ctx, pc.EnhancedAttestationRequest{CompanyName: "Other tool", Country: "US", Language: "en-US",
			SignatoryFirstName: grace.FirstName, SignatoryLastName: grace.LastName, SignatoryEmail: grace.Email, SignatoryPhoneNumber: grace.PhoneNumber})
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.Accept(att.AttestationID)).To(Succeed())
		_, err = other.CreateAgreementFromAttestation(ctx, customer, att.AttestationID, pcsim.TemplateMCA)
		Expect(err).NotTo(HaveOccurred())
		ca := createAgreement(newNamespace(), customer, partnerA, withSignatory(signatory(grace)), legacyConfirmation(1))
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionDuplicateSignatory)).To(Equal("True/" + v1alpha1.ReasonDuplicateSignatory))
		})
		Expect(fetch(ca).Status.RefusedSignatory).NotTo(BeEmpty())

		sim.FailNext(1, 503)
		got := fetch(ca)
		got.Spec.Signatory.Email = "grace.office@northwind.example"
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		got = eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAgreementCreated))
		Expect(condition(got, v1alpha1.ConditionStalled)).To(BeEmpty())
		Expect(condition(got, v1alpha1.ConditionDuplicateSignatory)).To(BeEmpty())
	})

	It("does not mark a spec observed while the object is paused", func() {
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(uniqueSignatory()), observeOnly)
		eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionReady)).To(Equal("False/" + v1alpha1.ReasonNoAgreement))
		})
		got := fetch(ca)
		got.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		Eventually(func() string { return condition(fetch(ca), v1alpha1.ConditionPaused) }).Should(Equal("True/" + v1alpha1.ReasonReconcilePaused))
		got = fetch(ca)
		got.Spec.CompanyName = "Changed while paused"
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		Consistently(func(g Gomega) {
			got := fetch(ca)
			g.Expect(got.Status.ObservedGeneration).To(BeNumerically("<", got.Generation))
			g.Expect(kstatusOf(got)).NotTo(Equal(status.CurrentStatus))
		}).Should(Succeed())
	})
})
