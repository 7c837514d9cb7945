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
	"encoding/json"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery"
)

const credentialsNamespace = "mca-operator-system"

func metaName(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

func newTestNamespace() string {
	ns := "test-" + rand.String(6)
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metaName(ns)})).To(Succeed())
	return ns
}

func validAgreement(ns, name string) *v1alpha1.CustomerAgreement {
	return &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "contoso-partner"},
			CustomerTenantID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CompanyName:      "Fabrikam Ltd",
			Signatory: &v1alpha1.Signatory{
				FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example", PhoneNumber: "+1 425 555 0100",
			},
		},
	}
}

// expectRejected asserts that the API server refused obj as invalid, with a message containing want.
func expectRejected(err error, want string) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred(), "the API server accepted an invalid object")
	Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid (422) error, got %v", err)
	Expect(err.Error()).To(ContainSubstring(want))
}

var _ = Describe("Admission validation", func() {
	var ns string
	BeforeEach(func() { ns = newTestNamespace() })

	It("accepts a valid CustomerAgreement and fills in the defaults", func() {
		ca := validAgreement(ns, "valid")
		Expect(k8sClient.Create(ctx, ca)).To(Succeed())
		got := &v1alpha1.CustomerAgreement{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), got)).To(Succeed())
		Expect(got.Spec.Country).To(Equal("US"))
		Expect(got.Spec.Language).To(Equal("en-US"))
		Expect(got.Spec.Method).To(Equal(v1alpha1.MethodPartnerAttestation))
		Expect(got.Spec.ManagementPolicy).To(Equal(v1alpha1.ManagementPolicyManage))
	})

	It("accepts a CustomerDirect agreement without a signatory, and an observed one", func() {
		ca := validAgreement(ns, "direct")
		ca.Spec.Signatory = nil
		ca.Spec.Method = v1alpha1.MethodCustomerDirect
		Expect(k8sClient.Create(ctx, ca)).To(Succeed())
		obs := validAgreement(ns, "observed")
		obs.Spec.Signatory = nil
		obs.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		Expect(k8sClient.Create(ctx, obs)).To(Succeed())
	})

	DescribeTable("rejects invalid CustomerAgreements with a clear message",
		func(mutate func(*v1alpha1.CustomerAgreement), want string) {
			ca := validAgreement(ns, "bad-"+rand.String(5))
			mutate(ca)
			expectRejected(k8sClient.Create(ctx, ca), want)
		},
		Entry("customer tenant id that is not a GUID", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.CustomerTenantID = "fabrikam.onmicrosoft.com"
		}, "spec.customerTenantId"),
		Entry("email without @", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory.Email = "ada.fabrikam.example"
		}, "spec.signatory.email"),
		Entry("unknown method", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Method = "Handshake"
		}, `spec.method: Unsupported value: "Handshake"`),
		Entry("unknown management policy", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.ManagementPolicy = "Orphan"
		}, "spec.managementPolicy"),
		Entry("lower-case country", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Country = "us"
		}, "spec.country"),
		Entry("missing signatory where one is required", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory = nil
		}, "spec.signatory is required when managementPolicy is Manage"),
		Entry("legacy confirmation without dateAgreed", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Method = v1alpha1.MethodLegacyConfirmation
		}, "spec.dateAgreed is required when method is LegacyConfirmation"),
		Entry("dateAgreed with another method", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.DateAgreed = &metav1.Time{}
			ca.Spec.DateAgreed.Time = ca.Spec.DateAgreed.Add(1)
		}, "spec.dateAgreed is only used with method LegacyConfirmation"),
		Entry("empty company name", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.CompanyName = ""
		}, "spec.companyName"),
		Entry("phone number with letters", func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Signatory.PhoneNumber = "call me"
		}, "spec.signatory.phoneNumber"),
	)

	It("refuses to change customerTenantId", func() {
		ca := validAgreement(ns, "immutable")
		Expect(k8sClient.Create(ctx, ca)).To(Succeed())
		ca.Spec.CustomerTenantID = "11111111-2222-4333-8444-555555555555"
		expectRejected(k8sClient.Update(ctx, ca), "customerTenantId is immutable")
	})

	DescribeTable("rejects invalid PartnerTenants",
		func(mutate func(*v1alpha1.PartnerTenant), want string) {
			pt := &v1alpha1.PartnerTenant{
				ObjectMeta: metaName("pt-" + rand.String(6)),
				Spec: v1alpha1.PartnerTenantSpec{
					TenantID:             "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c",
					PartnerType:          v1alpha1.PartnerTypeIndirectProvider,
					CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-credentials"},
				},
			}
			mutate(pt)
			expectRejected(k8sClient.Create(ctx, pt), want)
		},
		Entry("tenant id that is not a GUID", func(pt *v1alpha1.PartnerTenant) { pt.Spec.TenantID = "contoso" }, "spec.tenantId"),
		Entry("unknown partner type", func(pt *v1alpha1.PartnerTenant) { pt.Spec.PartnerType = "Distributor" }, "spec.partnerType"),
		Entry("endpoint that is not a URL", func(pt *v1alpha1.PartnerTenant) { pt.Spec.Endpoint = "partner center" }, "spec.endpoint"),
		Entry("zero QPS", func(pt *v1alpha1.PartnerTenant) { pt.Spec.RateLimit = &v1alpha1.RateLimit{QPS: -1} }, "spec.rateLimit.qps"),
	)

	It("defaults a PartnerTenant's endpoint and authority", func() {
		pt := &v1alpha1.PartnerTenant{
			ObjectMeta: metaName("pt-defaults-" + rand.String(4)),
			Spec: v1alpha1.PartnerTenantSpec{
				TenantID:             "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c",
				PartnerType:          v1alpha1.PartnerTypeDirectBill,
				CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-credentials"},
			},
		}
		Expect(k8sClient.Create(ctx, pt)).To(Succeed())
		Expect(pt.Spec.Endpoint).To(Equal("https://api.partnercenter.microsoft.com"))
		Expect(pt.Spec.Authority).To(Equal("https://login.microsoftonline.com"))
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, pt)).To(Succeed()) })
	})

	It("rejects with a message that names every problem at once", func() {
		ca := validAgreement(ns, "many")
		ca.Spec.CustomerTenantID = "nope"
		ca.Spec.Signatory.Email = "nope"
		err := k8sClient.Create(ctx, ca)
		expectRejected(err, "spec.customerTenantId")
		Expect(err.Error()).To(ContainSubstring("spec.signatory.email"), fmt.Sprint(err))
	})
})

// admitted creates a PartnerTenant set up by mutate and reports whether the API server admitted it
// (a refusal must be Invalid); an admitted one is deleted again.
func admitted(mutate func(spec map[string]any)) bool {
	GinkgoHelper()
	spec := map[string]any{
		"tenantId": "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", "partnerType": "DirectBill",
		"credentialsSecretRef": map[string]any{"name": "pc-credentials"},
	}
	mutate(spec)
	pt := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "PartnerTenant",
		"metadata": map[string]any{"name": "parse-" + rand.String(8)}, "spec": spec,
	}}
	err := k8sClient.Create(ctx, pt)
	if err != nil {
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want admitted or Invalid, got %v", err)
		return false
	}
	Expect(k8sClient.Delete(ctx, pt)).To(Succeed())
	return true
}

// The CRD's rules and the Go code that later reads the value run over one table: every value the
// API server admits must be one the operator can use, and every value it cannot use is refused.
var _ = Describe("Admission agrees with the operator's parsers", func() {
	DescribeTable("a duration is admitted exactly when metav1.Duration decodes it within the field's bounds",
		func(v string) {
			var d metav1.Duration
			raw, err := json.Marshal(v)
			Expect(err).NotTo(HaveOccurred())
			decodes := json.Unmarshal(raw, &d) == nil
			asReminder := decodes && d.Duration > 0 && d.Duration <= 168*time.Hour
			asLifetime := decodes && d.Duration >= 5*time.Minute && d.Duration <= 168*time.Hour
			Expect(admitted(func(spec map[string]any) {
				spec["linkDelivery"] = map[string]any{"reminders": []any{v}}
			})).To(Equal(asReminder), "reminder %q: decodes %v as %v", v, decodes, d.Duration)
			Expect(admitted(func(spec map[string]any) {
				spec["attestation"] = map[string]any{"linkLifetime": v}
			})).To(Equal(asLifetime), "link lifetime %q: decodes %v as %v", v, decodes, d.Duration)
		},
		durationEntries(),
	)

	DescribeTable("a sender address is admitted exactly when delivery.ParseSenderAddress, which the sender uses, parses it",
		func(v, narrower string) {
			_, err := delivery.ParseSenderAddress(v)
			parses := err == nil
			admit := admitted(func(spec map[string]any) {
				spec["linkDelivery"] = map[string]any{"email": map[string]any{"smtp": map[string]any{"host": "smtp.contoso.example"}, "from": v}}
			})
			Expect(admit).To(Equal(parses), "%q: the sender says %v", v, err)
			if narrower != "" {
				_, nmErr := netmail.ParseAddress(v)
				Expect(nmErr).NotTo(HaveOccurred(), "%q is listed as one net/mail alone accepts (%s), but it refuses it", v, narrower)
				Expect(parses).To(BeFalse(), "%q should be refused: %s", v, narrower)
			}
		},
		fromEntries(),
	)
})

func durationEntries() []TableEntry {
	values := []string{
		"72h", "24h", "90m", "1h30m", "1.5h", ".5h", "5.h", "+1h", "5m", "4m59s", "168h", "168h0m1s",
		"167h59m59.999999999s", "300000000000ns", "1µs", "1μs", "1us", "0", "-0", "0s", "-1h", "-72h",
		"3d", "7d", "1w", "1y", "", "h", ".h", "1", "3600", "1H", " 1h", "1h ", "1h\n", "1 h", "1h-1m",
		"1e3h", "1,5h", "٣h", "PT1H", "9999999999999h", "2562047h47m16.854775807s", "2562048h",
	}
	out := make([]TableEntry, 0, len(values))
	for _, v := range values {
		out = append(out, Entry(fmt.Sprintf("%q", v), v))
	}
	return out
}

func fromEntries() []TableEntry {
	rows := []struct{ v, narrower string }{
		// Both accept.
		{"mca@contoso.example", ""},
		{"Contoso Billing <mca@contoso.example>", ""},
		{`"Contoso, Inc." <mca@contoso.example>`, ""},
		{"Zoë Ünal <mca@contoso.example>", ""},
		{"Contoso<mca@contoso.example>", ""},
		{"<mca@contoso.example>", ""},
		{"a.b.c <mca@contoso.example>", ""},
		{"Contoso Inc. <mca@contoso.example>", ""},
		{"O'Brien & Co <mca@contoso.example>", ""},
		{`"" <mca@contoso.example>`, ""},
		{`"a;b:c[d]" <mca@contoso.example>`, ""},
		{"first.last+mca@mail.contoso.example", ""},
		{"mca@xn--bcher-kva.example", ""},
		// Both refuse.
		{"Contoso, Inc. <mca@contoso.example>", ""},
		{"x@contoso.example>", ""},
		{"<x@contoso.example", ""},
		{"mca\x00@contoso.example", ""},
		{".mca@contoso.example", ""},
		{"mca.@contoso.example", ""},
		{"mca..x@contoso.example", ""},
		{"mca@contoso..example", ""},
		{"mca@contoso.example.", ""},
		{"mca@contoso.example\r\nBcc: eve@evil.example", ""},
		{"mca@contoso.example, eve@evil.example", ""},
		{"Contoso Billing <.mca@contoso.example>", ""},
		{"=?bogus?q?x?= <mca@contoso.example>", ""},
		{"", ""},
		{"mca@", ""},
		{"@contoso.example", ""},
		{"Contoso Billing", ""},
		// net/mail alone accepts; the CRD's rules, which the sender applies first, refuse.
		{"mca@contoso", "a single-label domain"},
		{"mca@[127.0.0.1]", "an address literal"},
		{"mca@1.2.3.4", "a numeric top-level domain"},
		{"mca@-contoso.example", "a domain label starting with -"},
		{`"a b"@contoso.example`, "a quoted local part"},
		{"mcá@contoso.example", "a non-ASCII address"},
		{"mca@bücher.example", "a domain not in its xn-- form"},
		{"a`b@contoso.example", "a backtick, as in spec.signatory.email"},
		{"mca@contoso.example (Billing)", "a comment"},
		{"Con(tos)o <mca@contoso.example>", "a comment in the display name"},
		{"  mca@contoso.example", "leading space"},
		{"Contoso <mca@contoso.example> ", "trailing space"},
		{"Contoso  Billing <mca@contoso.example>", "two spaces"},
		{"Con\u00a0toso <mca@contoso.example>", "a no-break space in the display name"},
		{"Con\u202etoso <mca@contoso.example>", "a bidirectional control in the display name"},
		{`"ceo <ceo@contoso.example>" <eve@evil.example>`, "a display name that spells another address"},
		{`"Con\"toso" <mca@contoso.example>`, "a quoted pair"},
		{"=?utf-8?q?Zo=C3=AB?= <mca@contoso.example>", "an encoded word"},
		{strings.Repeat("m", 65) + "@contoso.example", "more than 64 characters before the @"},
	}
	out := make([]TableEntry, 0, len(rows))
	for _, c := range rows {
		out = append(out, Entry(fmt.Sprintf("%q", c.v), c.v, c.narrower))
	}
	return out
}
