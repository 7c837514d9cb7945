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
	"errors"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Hostile manifests, sent to the real kube-apiserver of the envtest suite: every row starts from a
// valid manifest, changes one or a few fields, and says whether admission must accept it or reject
// it, and for a rejection which text (naming the field) the error must contain. Rows are applied as
// unstructured objects, so that values the Go types cannot express (numbers for strings, absent
// required fields) are tried too.

const hostileNamespace = "hostile-manifests"

const hostileAgreement = `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata:
  namespace: hostile-manifests
spec:
  partnerTenantRef: {name: contoso-partner}
  customerTenantId: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
  companyName: Fabrikam Ltd
  country: US
  language: en-US
  signatory: {firstName: Ada, lastName: Lovelace, email: ada@fabrikam.example, phoneNumber: "+1 425 555 0100"}
`

const hostileTenant = `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenant
spec:
  tenantId: 5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c
  partnerType: DirectBill
  endpoint: https://api.partnercenter.microsoft.com
  authority: https://login.microsoftonline.com
  credentialsSecretRef: {name: pc-credentials}
`

// absent removes a field instead of setting it.
type absentField struct{}

var absent = absentField{}

type edit struct {
	path  string // dotted, from the object's root
	value any
}

type manifestRow struct {
	base   string
	edits  []edit
	accept bool
	want   string   // for a rejection: a substring the error must contain
	fields []string // for a rejection: the fields every cause must be at or under (default: the edited ones)
}

func agreementWith(path string, v any) manifestRow {
	return manifestRow{base: hostileAgreement, edits: []edit{{path, v}}}
}

func tenantWith(path string, v any) manifestRow {
	return manifestRow{base: hostileTenant, edits: []edit{{path, v}}}
}

func (r manifestRow) and(path string, v any) manifestRow {
	r.edits = append(append([]edit(nil), r.edits...), edit{path, v})
	return r
}

func (r manifestRow) accepted() manifestRow { r.accept = true; return r }

func (r manifestRow) rejected(want string) manifestRow { r.want = want; return r }

func (r manifestRow) at(fields ...string) manifestRow { r.fields = fields; return r }

func (r manifestRow) object() *unstructured.Unstructured {
	GinkgoHelper()
	m := map[string]any{}
	Expect(yaml.Unmarshal([]byte(r.base), &m)).To(Succeed())
	u := &unstructured.Unstructured{Object: m}
	u.SetName("hostile-" + rand.String(8))
	for _, e := range r.edits {
		fields := strings.Split(e.path, ".")
		if e.value == absent {
			unstructured.RemoveNestedField(u.Object, fields...)
			continue
		}
		Expect(unstructured.SetNestedField(u.Object, e.value, fields...)).To(Succeed())
	}
	return u
}

// expectRejectedAt asserts an Invalid error containing want whose causes all lie at or under one of
// fields (or are the API server's note that some rules were skipped).
func expectRejectedAt(err error, want string, fields []string) {
	GinkgoHelper()
	expectRejected(err, want)
	var status apierrors.APIStatus
	Expect(errors.As(err, &status)).To(BeTrue(), "not an API status: %v", err)
	details := status.Status().Details
	Expect(details).NotTo(BeNil())
	Expect(details.Causes).NotTo(BeEmpty())
	for _, c := range details.Causes {
		if c.Field == "" || c.Field == "<nil>" {
			Expect(c.Message).To(ContainSubstring("some validation rules were not checked"), "%v", err)
			continue
		}
		under := false
		for _, f := range fields {
			under = under || c.Field == f || strings.HasPrefix(c.Field, f+".") || strings.HasPrefix(c.Field, f+"[")
		}
		Expect(under).To(BeTrue(), "the rejection names %s (%s), not only %v: %v", c.Field, c.Message, fields, err)
	}
}

var _ = Describe("Admission of hostile manifests", func() {
	BeforeEach(func() {
		err := k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metaName(hostileNamespace)})
		if !apierrors.IsAlreadyExists(err) {
			Expect(err).NotTo(HaveOccurred())
		}
	})

	args := []any{func(r manifestRow) { //nolint:prealloc // DescribeTable's arguments: the body, then the entries appended below
		obj := r.object()
		err := k8sClient.Create(ctx, obj)
		if r.accept {
			Expect(err).NotTo(HaveOccurred(), "the API server refused a valid manifest")
			if obj.GetNamespace() == "" {
				Expect(k8sClient.Delete(ctx, obj)).To(Succeed())
			}
			return
		}
		fields := r.fields
		if fields == nil {
			for _, e := range r.edits {
				fields = append(fields, e.path)
			}
		}
		expectRejectedAt(err, r.want, fields)
	}}
	for _, e := range hostileRows() {
		args = append(args, e)
	}
	DescribeTable("a table of manifests, each accepted or rejected naming the field", args...)

	It("refuses an upper-case spelling of an existing PartnerTenant's tenant id", func() {
		pt := manifestRow{base: hostileTenant}.and("spec.tenantId", "7e57a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b").object()
		Expect(k8sClient.Create(ctx, pt)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, pt)).To(Succeed()) })
		dup := manifestRow{base: hostileTenant}.and("spec.tenantId", "7E57A1B2-C3D4-4E5F-8A9B-0C1D2E3F4A5B").object()
		expectRejectedAt(k8sClient.Create(ctx, dup), "spec.tenantId must be a GUID in lower case", []string{"spec.tenantId"})
	})

	It("rejects hostile values written by an update as well", func() {
		ca := manifestRow{base: hostileAgreement}.object()
		Expect(k8sClient.Create(ctx, ca)).To(Succeed())
		for _, bad := range []edit{
			{"spec.companyName", "Fabrikam\u202eLtd"},
			{"spec.signatory.email", "ada@fabrikam.example\u00a0"},
			{"spec.signatory.phoneNumber", "1...."},
			{"spec.country", "ZZ"},
			{"spec.language", "xx"},
		} {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(ca.GroupVersionKind())
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), got)).To(Succeed())
			Expect(unstructured.SetNestedField(got.Object, bad.value, strings.Split(bad.path, ".")...)).To(Succeed())
			expectRejectedAt(k8sClient.Update(ctx, got), bad.path+" ", []string{bad.path})
		}
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(ca.GroupVersionKind())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), got)).To(Succeed())
		Expect(unstructured.SetNestedField(got.Object, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "spec", "customerTenantId")).To(Succeed())
		err := k8sClient.Update(ctx, got)
		expectRejectedAt(err, "spec.customerTenantId must be a GUID in lower case", []string{"spec.customerTenantId"})
		Expect(err.Error()).To(ContainSubstring("spec.customerTenantId is immutable"))
	})
})

// hostileRows is the table. Messages of this API's own rules start with the field's path and
// "must"; the API server's generic checks (required, type, length, enum) name the path too.
func hostileRows() []TableEntry {
	const (
		company          = "spec.companyName"
		first            = "spec.signatory.firstName"
		last             = "spec.signatory.lastName"
		email            = "spec.signatory.email"
		phone            = "spec.signatory.phoneNumber"
		customer         = "spec.customerTenantId"
		country          = "spec.country"
		language         = "spec.language"
		ref              = "spec.partnerTenantRef.name"
		tenant           = "spec.tenantId"
		endpoint         = "spec.endpoint"
		authority        = "spec.authority"
		secret           = "spec.credentialsSecretRef.name"
		reminders        = "spec.linkDelivery.reminders"
		partnerLifetime  = "spec.attestation.linkLifetime"
		customerLifetime = "spec.attestation.linkLifetime"
		smtpHost         = "spec.linkDelivery.email.smtp.host"
		from             = "spec.linkDelivery.email.from"
		replyTo          = "spec.linkDelivery.email.replyTo"
		template         = "spec.attestation.acceptanceURLTemplate"
		remindersMsg     = reminders + " must be durations"
		lifetimeMsg      = partnerLifetime + " must be a duration"
		hostMsg          = smtpHost + " must be a host name or an IP address"
		hookMsg          = "spec.linkDelivery.webhook.url must be https://host[:port][/path]"
		templateMsg      = template + " must be an https URL"
		fromMsg          = from + " must be an address"
		email2Msg        = replyTo + " must be a plain email address"
	)
	controlMsg := func(f string) string { return f + " must not contain control characters" }
	blankMsg := func(f string) string { return f + " must not be blank, nor begin or end with whitespace" }
	emailMsg := email + " must be a plain email address"
	phoneMsg := phone + " must be a phone number of 7 to 15 digits"
	guidMsg := func(f string) string { return f + " must be a GUID in lower case" }
	nilMsg := func(f string) string { return f + " must be a real tenant id" }
	countryMsg := country + " must be an officially assigned ISO 3166-1 alpha-2 country code"
	langMsg := language + " must be a BCP 47 tag"
	urlMsg := func(f string) string { return f + " must be an https URL" }
	refMsg := ref + " must be the name of a PartnerTenant"
	secretMsg := secret + " must be the name of a Secret"
	// emailWith: email delivery through a valid relay and sender, then path set to v.
	emailWith := func(path string, v any) manifestRow {
		return tenantWith(smtpHost, "smtp.contoso.example").and(from, "mca@contoso.example").and(path, v).at(path)
	}
	webhookWith := func(url string) manifestRow {
		return tenantWith("spec.linkDelivery.webhook.url", url).and("spec.linkDelivery.webhook.secretRef.name", "hook-key").at("spec.linkDelivery.webhook.url")
	}

	return []TableEntry{
		// CustomerAgreement: valid edge cases.
		Entry("the valid base CustomerAgreement", manifestRow{base: hostileAgreement}.accepted()),
		Entry("company name with accents", agreementWith(company, "Société Générale S.A.").accepted()),
		Entry("company name with an apostrophe, ampersand and comma", agreementWith(company, "O'Reilly & Associates, Inc.").accepted()),
		Entry("company name in Japanese", agreementWith(company, "株式会社ファブリカム").accepted()),
		Entry("company name with umlauts and a hyphen", agreementWith(company, "Müller-Lüdenscheidt GmbH & Co. KG").accepted()),
		Entry("company name in Greek", agreementWith(company, "Ελληνική Εταιρεία Α.Ε.").accepted()),
		Entry("company name in Hebrew (right to left, no bidi controls)", agreementWith(company, "שטראוס גרופ").accepted()),
		Entry("company name of a letter and a digit", agreementWith(company, "3M").accepted()),
		Entry("first name with an accent", agreementWith(first, "José").accepted()),
		Entry("first name with a diaeresis", agreementWith(first, "Zoë").accepted()),
		Entry("first name in Chinese", agreementWith(first, "小龍").accepted()),
		Entry("first name in Arabic", agreementWith(first, "محمد").accepted()),
		Entry("last name with an apostrophe and a hyphen", agreementWith(last, "O'Brien-Smith").accepted()),
		Entry("last name of several words", agreementWith(last, "van der Berg").accepted()),
		Entry("last name in Vietnamese", agreementWith(last, "Nguyễn").accepted()),
		Entry("last name in Polish", agreementWith(last, "Łukasiewicz").accepted()),
		Entry("email with + and a subdomain", agreementWith(email, "ada+mca@mail.fabrikam.example").accepted()),
		Entry("email with dots and a country domain", agreementWith(email, "first.last@sub.domain.co.uk").accepted()),
		Entry("email with an apostrophe", agreementWith(email, "o'brien@fabrikam.example").accepted()),
		Entry("email in upper case", agreementWith(email, "ADA@FABRIKAM.EXAMPLE").accepted()),
		Entry("email with an internationalised top-level domain in xn-- form", agreementWith(email, "ada@fabrikam.xn--p1ai").accepted()),
		Entry("email with underscore, hyphen and a hyphenated domain", agreementWith(email, "a_b-c@fabrikam-uk.example").accepted()),
		Entry("phone with parentheses and a dash", agreementWith(phone, "+1 (425) 555-0101").accepted()),
		Entry("phone with dots", agreementWith(phone, "425.555.0100").accepted()),
		Entry("phone with spaces", agreementWith(phone, "+44 20 7946 0958").accepted()),
		Entry("phone with a trunk prefix in parentheses", agreementWith(phone, "+49 (0) 30 1234567").accepted()),
		Entry("phone of digits only", agreementWith(phone, "4255550100").accepted()),
		Entry("phone with dashes", agreementWith(phone, "+1-425-555-0100").accepted()),
		Entry("phone with a spaced dash", agreementWith(phone, "+33 1 23 - 45 67 89").accepted()),
		Entry("no phone", agreementWith(phone, absent).accepted()),
		Entry("language en-US", agreementWith(language, "en-US").accepted()),
		Entry("language zh-Hans-CN", agreementWith(language, "zh-Hans-CN").accepted()),
		Entry("language fr", agreementWith(language, "fr").accepted()),
		Entry("language de-CH", agreementWith(language, "de-CH").accepted()),
		Entry("language sr-Latn-RS", agreementWith(language, "sr-Latn-RS").accepted()),
		Entry("language pt-BR", agreementWith(language, "pt-BR").accepted()),
		Entry("language with a UN M.49 region", agreementWith(language, "es-419").accepted()),
		Entry("language with a three-letter code", agreementWith(language, "haw").accepted()),
		Entry("language with a numeric variant", agreementWith(language, "de-DE-1996").accepted()),
		Entry("language with a word variant", agreementWith(language, "ca-ES-valencia").accepted()),
		Entry("no language (default en-US)", agreementWith(language, absent).accepted()),
		Entry("country GB", agreementWith(country, "GB").accepted()),
		Entry("country AX", agreementWith(country, "AX").accepted()),
		Entry("country CW", agreementWith(country, "CW").accepted()),
		Entry("no country (default US)", agreementWith(country, absent).accepted()),
		Entry("partner tenant reference with dots and a dash", agreementWith(ref, "contoso.partner-1").accepted()),
		Entry("partner tenant reference of one character", agreementWith(ref, "a").accepted()),
		Entry("another lower-case customer tenant id", agreementWith(customer, "3fa85f64-5717-4562-b3fc-2c963f66afa6").accepted()),
		Entry("CustomerDirect without a signatory", agreementWith("spec.method", "CustomerDirect").and("spec.signatory", absent).accepted()),

		// CustomerAgreement: companyName.
		Entry("company name of spaces", agreementWith(company, "   ").rejected(blankMsg(company))),
		Entry("company name of a tab", agreementWith(company, "\t").rejected(controlMsg(company))),
		Entry("company name of no-break spaces", agreementWith(company, "\u00a0\u00a0").rejected(blankMsg(company))),
		Entry("company name of an ideographic space", agreementWith(company, "\u3000").rejected(blankMsg(company))),
		Entry("company name with a leading space", agreementWith(company, " Fabrikam").rejected(blankMsg(company))),
		Entry("company name with a trailing space", agreementWith(company, "Fabrikam ").rejected(blankMsg(company))),
		Entry("company name with NUL", agreementWith(company, "Fabrikam\x00Ltd").rejected(controlMsg(company))),
		Entry("company name with a newline", agreementWith(company, "Fabrikam\nLtd").rejected(controlMsg(company))),
		Entry("company name with an ANSI escape", agreementWith(company, "\x1b[31mFabrikam").rejected(controlMsg(company))),
		Entry("company name with DEL", agreementWith(company, "Fabrikam\x7f").rejected(controlMsg(company))),
		Entry("company name with a C1 control (NEL)", agreementWith(company, "Fabrikam\u0085Ltd").rejected(controlMsg(company))),
		Entry("company name with a right-to-left override", agreementWith(company, "Fabrikam\u202eLtd").rejected(controlMsg(company))),
		Entry("company name with an embedding (LRE ... PDF)", agreementWith(company, "\u202aFabrikam\u202c").rejected(controlMsg(company))),
		Entry("company name with an isolate (LRI ... PDI)", agreementWith(company, "\u2066Fabrikam\u2069").rejected(controlMsg(company))),
		Entry("company name with a right-to-left mark", agreementWith(company, "\u200fFabrikam").rejected(controlMsg(company))),
		Entry("company name with a zero-width space", agreementWith(company, "Fabri\u200bkam").rejected(controlMsg(company))),
		Entry("company name with a zero-width non-joiner", agreementWith(company, "Fabri\u200ckam").rejected(controlMsg(company))),
		Entry("company name with a zero-width joiner", agreementWith(company, "Fabri\u200dkam").rejected(controlMsg(company))),
		Entry("company name with a word joiner", agreementWith(company, "Fabri\u2060kam").rejected(controlMsg(company))),
		Entry("company name with a byte order mark", agreementWith(company, "\ufeffFabrikam").rejected(controlMsg(company))),
		Entry("company name with a soft hyphen", agreementWith(company, "Fabri\u00adkam").rejected(controlMsg(company))),
		Entry("company name with a tag character", agreementWith(company, "Fabrikam\U000E0041").rejected(controlMsg(company))),
		Entry("company name with a line separator", agreementWith(company, "Fabrikam\u2028Ltd").rejected(controlMsg(company))),
		Entry("company name with a paragraph separator", agreementWith(company, "Fabrikam\u2029Ltd").rejected(controlMsg(company))),
		Entry("company name with a private-use character", agreementWith(company, "Fabrikam\ue000").rejected(controlMsg(company))),
		Entry("company name of punctuation only", agreementWith(company, "---").rejected(company+" must contain a letter or digit")),
		Entry("empty company name", agreementWith(company, "").rejected(company)),
		Entry("company name over 256 characters", agreementWith(company, strings.Repeat("F", 257)).rejected(company+": Too long")),
		Entry("company name of the wrong type", agreementWith(company, int64(42)).rejected(company)),
		Entry("no company name", agreementWith(company, absent).rejected(company+": Required value")),

		// CustomerAgreement: signatory names.
		Entry("first name of spaces", agreementWith(first, "  ").rejected(blankMsg(first))),
		Entry("first name of a zero-width joiner", agreementWith(first, "\u200d").rejected(controlMsg(first))),
		Entry("first name with NUL", agreementWith(first, "Ada\x00").rejected(controlMsg(first))),
		Entry("first name with a left-to-right override", agreementWith(first, "A\u202dda").rejected(controlMsg(first))),
		Entry("first name with a tab", agreementWith(first, "Ada\tB").rejected(controlMsg(first))),
		Entry("first name without a letter", agreementWith(first, ".").rejected(first+" must contain a letter")),
		Entry("no first name", agreementWith(first, absent).rejected(first+": Required value")),
		Entry("last name with a word joiner", agreementWith(last, "Love\u2060lace").rejected(controlMsg(last))),
		Entry("last name with a leading space", agreementWith(last, " Lovelace").rejected(blankMsg(last))),
		Entry("last name of a no-break space", agreementWith(last, "\u00a0").rejected(blankMsg(last))),
		Entry("last name of digits", agreementWith(last, "12345").rejected(last+" must contain a letter")),
		Entry("last name with a first strong isolate", agreementWith(last, "Love\u2068lace").rejected(controlMsg(last))),

		// CustomerAgreement: email.
		Entry("email with a space", agreementWith(email, "ada @fabrikam.example").rejected(emailMsg)),
		Entry("email with two @", agreementWith(email, "ada@@fabrikam.example").rejected(emailMsg)),
		Entry("email with two addresses", agreementWith(email, "ada@fabrikam.example,eve@evil.example").rejected(emailMsg)),
		Entry("email without a dot in the domain", agreementWith(email, "ada@fabrikam").rejected(emailMsg)),
		Entry("email with a trailing no-break space", agreementWith(email, "ada@fabrikam.example\u00a0").rejected(emailMsg)),
		Entry("email with a no-break space before @", agreementWith(email, "ada\u00a0@fabrikam.example").rejected(emailMsg)),
		Entry("email with a trailing newline", agreementWith(email, "ada@fabrikam.example\n").rejected(emailMsg)),
		Entry("email with NUL", agreementWith(email, "ada\x00@fabrikam.example").rejected(emailMsg)),
		Entry("email with a zero-width space in the domain", agreementWith(email, "ada@fab\u200brikam.example").rejected(emailMsg)),
		Entry("email with a right-to-left override", agreementWith(email, "ada@\u202eelpmaxe.mikarbaf").rejected(emailMsg)),
		Entry("email with a domain label starting with -", agreementWith(email, "ada@-fabrikam.example").rejected(emailMsg)),
		Entry("email with an empty domain label", agreementWith(email, "ada@fabrikam..example").rejected(emailMsg)),
		Entry("email with a trailing dot", agreementWith(email, "ada@fabrikam.example.").rejected(emailMsg)),
		Entry("email with a leading dot", agreementWith(email, ".ada@fabrikam.example").rejected(emailMsg)),
		Entry("email with two dots in the local part", agreementWith(email, "ada..lovelace@fabrikam.example").rejected(emailMsg)),
		Entry("email with a display name", agreementWith(email, "Ada Lovelace <ada@fabrikam.example>").rejected(emailMsg)),
		Entry("email with an address literal", agreementWith(email, "ada@[127.0.0.1]").rejected(emailMsg)),
		Entry("email with a quoted local part", agreementWith(email, `"ada"@fabrikam.example`).rejected(emailMsg)),
		Entry("email with a non-ASCII local part", agreementWith(email, "adá@fabrikam.example").rejected(emailMsg)),
		Entry("email with a numeric top-level domain", agreementWith(email, "ada@fabrikam.123").rejected(emailMsg)),
		Entry("email with a local part over 64 characters", agreementWith(email, strings.Repeat("a", 65)+"@fabrikam.example").rejected(email+" may have at most 64 characters before the @")),
		Entry("email over 254 characters", agreementWith(email, "ada@"+strings.Repeat("f", 60)+"."+strings.Repeat("a", 60)+"."+strings.Repeat("b", 60)+"."+strings.Repeat("c", 60)+".example").rejected(email+": Too long")),

		// CustomerAgreement: phone.
		Entry("phone 1....", agreementWith(phone, "1....").rejected(phoneMsg)),
		Entry("phone +1 ((((", agreementWith(phone, "+1 ((((").rejected(phoneMsg)),
		Entry("phone of six digits", agreementWith(phone, "123456").rejected(phoneMsg)),
		Entry("phone of sixteen digits", agreementWith(phone, "1234567890123456").rejected(phoneMsg)),
		Entry("phone with a right-to-left override", agreementWith(phone, "+1 425 555 0100\u202e").rejected(phoneMsg)),
		Entry("phone with two +", agreementWith(phone, "++1 425 555 0100").rejected(phoneMsg)),
		Entry("phone with doubled dashes", agreementWith(phone, "425--555--0100").rejected(phoneMsg)),
		Entry("phone with letters", agreementWith(phone, "call me").rejected(phoneMsg)),
		Entry("phone with an extension", agreementWith(phone, "+1 425 555 0100 ext 12").rejected(phoneMsg)),
		Entry("phone with a trailing space", agreementWith(phone, "+1 425 555 0100 ").rejected(phoneMsg)),
		Entry("phone with an unclosed parenthesis", agreementWith(phone, "+1 (425 555-0100").rejected(phoneMsg)),
		Entry("phone with empty parentheses", agreementWith(phone, "+1 () 425 555 0100").rejected(phoneMsg)),
		Entry("phone starting with a parenthesis", agreementWith(phone, "(425) 555-0100").rejected(phoneMsg)),
		Entry("phone with a tab", agreementWith(phone, "+1\t425 555 0100").rejected(phoneMsg)),
		Entry("phone with Arabic-Indic digits", agreementWith(phone, "+١٢٣٤٥٦٧٨").rejected(phoneMsg)),

		// CustomerAgreement: customerTenantId.
		Entry("the nil GUID as customer", agreementWith(customer, "00000000-0000-0000-0000-000000000000").rejected(nilMsg(customer))),
		Entry("the max GUID as customer", agreementWith(customer, "ffffffff-ffff-ffff-ffff-ffffffffffff").rejected(nilMsg(customer))),
		Entry("an upper-case customer tenant id", agreementWith(customer, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D").rejected(guidMsg(customer))),
		Entry("a mixed-case customer tenant id", agreementWith(customer, "0a1b2c3d-4e5f-4a6b-8c7d-9E0F1A2B3C4D").rejected(guidMsg(customer))),
		Entry("a customer tenant id in braces", agreementWith(customer, "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}").rejected(customer+": Too long")),
		Entry("a customer tenant id without dashes", agreementWith(customer, "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d").rejected(guidMsg(customer))),
		Entry("a customer tenant id with a non-hex digit", agreementWith(customer, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g").rejected(guidMsg(customer))),
		Entry("a domain name as customer tenant id", agreementWith(customer, "fabrikam.onmicrosoft.com").rejected(guidMsg(customer))),
		Entry("a number as customer tenant id", agreementWith(customer, int64(12345)).rejected(customer)),

		// CustomerAgreement: country.
		Entry("country ZZ", agreementWith(country, "ZZ").rejected(countryMsg)),
		Entry("country UK (GB is the code)", agreementWith(country, "UK").rejected(countryMsg)),
		Entry("country XK (user-assigned)", agreementWith(country, "XK").rejected(countryMsg)),
		Entry("country EU (reserved)", agreementWith(country, "EU").rejected(countryMsg)),
		Entry("country AA (user-assigned)", agreementWith(country, "AA").rejected(countryMsg)),
		Entry("country in lower case", agreementWith(country, "us").rejected(countryMsg)),
		Entry("country as alpha-3", agreementWith(country, "USA").rejected(country+": Too long")),
		Entry("empty country", agreementWith(country, "").rejected(countryMsg)),

		// CustomerAgreement: language.
		Entry("language xx", agreementWith(language, "xx").rejected(language+" must start with an assigned ISO 639-1 language code")),
		Entry("language qq-US", agreementWith(language, "qq-US").rejected(language+" must start with an assigned ISO 639-1 language code")),
		Entry("language with an underscore", agreementWith(language, "en_US").rejected(langMsg)),
		Entry("language in upper case", agreementWith(language, "EN-US").rejected(langMsg)),
		Entry("language with a lower-case region", agreementWith(language, "en-us").rejected(langMsg)),
		Entry("language with a lower-case script", agreementWith(language, "zh-hans-cn").rejected(langMsg)),
		Entry("language as a word", agreementWith(language, "english").rejected(langMsg)),
		Entry("language with region ZZ", agreementWith(language, "en-ZZ").rejected(language+" has a region that is not")),
		Entry("language with region UK", agreementWith(language, "en-UK").rejected(language+" has a region that is not")),
		Entry("language with a private-use subtag", agreementWith(language, "en-US-x-private").rejected(langMsg)),
		Entry("language of one letter", agreementWith(language, "e").rejected(language)),
		Entry("language with a trailing dash", agreementWith(language, "en-").rejected(langMsg)),
		Entry("language with an empty subtag", agreementWith(language, "en--US").rejected(langMsg)),
		Entry("language with a zero-width space", agreementWith(language, "en-US\u200b").rejected(langMsg)),

		// CustomerAgreement: partnerTenantRef.name.
		Entry("partner tenant reference with a slash", agreementWith(ref, "contoso/partner").rejected(refMsg)),
		Entry("partner tenant reference climbing a path", agreementWith(ref, "../etc").rejected(refMsg)),
		Entry("partner tenant reference in upper case", agreementWith(ref, "Contoso").rejected(refMsg)),
		Entry("partner tenant reference with an underscore", agreementWith(ref, "contoso_partner").rejected(refMsg)),
		Entry("partner tenant reference starting with -", agreementWith(ref, "-contoso").rejected(refMsg)),
		Entry("partner tenant reference ending with .", agreementWith(ref, "contoso.").rejected(refMsg)),
		Entry("partner tenant reference with an empty label", agreementWith(ref, "contoso..partner").rejected(refMsg)),
		Entry("partner tenant reference with a space", agreementWith(ref, "contoso partner").rejected(refMsg)),
		Entry("partner tenant reference with NUL", agreementWith(ref, "contoso\x00").rejected(refMsg)),
		Entry("empty partner tenant reference", agreementWith(ref, "").rejected(ref)),

		// CustomerAgreement: other fields.
		Entry("method in lower case", agreementWith("spec.method", "partnerattestation").rejected(`spec.method: Unsupported value: "partnerattestation"`)),
		Entry("unknown management policy", agreementWith("spec.managementPolicy", "Orphan").rejected("spec.managementPolicy: Unsupported value")),
		Entry("dateAgreed that is not a date", agreementWith("spec.method", "LegacyConfirmation").and("spec.dateAgreed", "yesterday").rejected("spec.dateAgreed").at("spec.dateAgreed")),
		Entry("no signatory where the operator attests", agreementWith("spec.signatory", absent).rejected("spec.signatory is required when managementPolicy is Manage").at("spec")),
		Entry("several hostile fields at once", agreementWith(company, "\u202eFabrikam").and(email, "ada@fabrikam").and(customer, "00000000-0000-0000-0000-000000000000").rejected(controlMsg(company))),

		// PartnerTenant: valid edge cases.
		Entry("the valid base PartnerTenant", manifestRow{base: hostileTenant}.accepted()),
		Entry("a PartnerTenant with the default endpoint and authority", tenantWith("spec.endpoint", absent).and("spec.authority", absent).accepted()),
		Entry("the simulator's endpoint and authority on 127.0.0.1", tenantWith("spec.endpoint", "https://127.0.0.1:38771").and("spec.authority", "https://127.0.0.1:38771").accepted()),
		Entry("an endpoint on localhost with a trailing slash", tenantWith("spec.endpoint", "https://localhost:8443/").accepted()),
		Entry("an endpoint on IPv6 loopback", tenantWith("spec.endpoint", "https://[::1]:8443").accepted()),
		Entry("an endpoint with a path", tenantWith("spec.endpoint", "https://api.partnercenter.microsoft.com/v1").accepted()),
		Entry("an endpoint on port 65535", tenantWith("spec.endpoint", "https://pc.example:65535").accepted()),
		Entry("a sovereign-cloud authority", tenantWith("spec.authority", "https://login.microsoftonline.us").accepted()),
		Entry("an authority with a path", tenantWith("spec.authority", "https://login.microsoftonline.com/common").accepted()),
		Entry("a credentials Secret name with a dot", tenantWith(secret, "partner-center.direct-bill").accepted()),
		Entry("another lower-case tenant id", tenantWith(tenant, "11111111-aaaa-4aaa-8aaa-111111111111").accepted()),

		// PartnerTenant: endpoint and authority.
		Entry("a plain http endpoint", tenantWith(endpoint, "http://api.partnercenter.microsoft.com").rejected(urlMsg(endpoint))),
		Entry("an endpoint with user info", tenantWith(endpoint, "https://user:pass@api.partnercenter.microsoft.com").rejected(urlMsg(endpoint))),
		Entry("an endpoint whose host hides behind user info", tenantWith(endpoint, "https://api.partnercenter.microsoft.com@evil.example").rejected(urlMsg(endpoint))),
		Entry("an endpoint with a query", tenantWith(endpoint, "https://api.partnercenter.microsoft.com?x=1").rejected(urlMsg(endpoint))),
		Entry("an endpoint with a fragment", tenantWith(endpoint, "https://api.partnercenter.microsoft.com/#frag").rejected(urlMsg(endpoint))),
		Entry("an ftp endpoint", tenantWith(endpoint, "ftp://api.partnercenter.microsoft.com").rejected(urlMsg(endpoint))),
		Entry("an endpoint without a host", tenantWith(endpoint, "https://").rejected(urlMsg(endpoint))),
		Entry("an endpoint with port 99999", tenantWith(endpoint, "https://api.partnercenter.microsoft.com:99999").rejected(urlMsg(endpoint))),
		Entry("an endpoint with port 0", tenantWith(endpoint, "https://api.partnercenter.microsoft.com:0").rejected(urlMsg(endpoint))),
		Entry("an endpoint with a space", tenantWith(endpoint, "https://api partnercenter.microsoft.com").rejected(urlMsg(endpoint))),
		Entry("an endpoint with a backslash", tenantWith(endpoint, `https://evil.example\@api.partnercenter.microsoft.com`).rejected(urlMsg(endpoint))),
		Entry("a javascript: endpoint", tenantWith(endpoint, "javascript:alert(1)").rejected(urlMsg(endpoint))),
		Entry("a scheme-relative endpoint", tenantWith(endpoint, "//api.partnercenter.microsoft.com").rejected(urlMsg(endpoint))),
		Entry("an endpoint with a bidi override", tenantWith(endpoint, "https://api.partnercenter.microsoft.com/\u202e").rejected(urlMsg(endpoint))),
		Entry("an endpoint host starting with -", tenantWith(endpoint, "https://-api.example").rejected(urlMsg(endpoint))),
		Entry("an endpoint that is not a URL", tenantWith(endpoint, "partner center").rejected(urlMsg(endpoint))),
		Entry("a plain http authority", tenantWith(authority, "http://login.microsoftonline.com").rejected(urlMsg(authority))),
		Entry("an authority with a query", tenantWith(authority, "https://login.microsoftonline.com?tenant=x").rejected(urlMsg(authority))),
		Entry("an authority with user info", tenantWith(authority, "https://admin@login.microsoftonline.com").rejected(urlMsg(authority))),
		Entry("a file: authority", tenantWith(authority, "file:///etc/passwd").rejected(urlMsg(authority))),

		// PartnerTenant: tenantId, credentials and the rest.
		Entry("the nil GUID as partner tenant", tenantWith(tenant, "00000000-0000-0000-0000-000000000000").rejected(nilMsg(tenant))),
		Entry("the max GUID as partner tenant", tenantWith(tenant, "ffffffff-ffff-ffff-ffff-ffffffffffff").rejected(nilMsg(tenant))),
		Entry("an upper-case partner tenant id", tenantWith(tenant, "5D9B1A3E-2C4F-4E6A-9B8C-7D6E5F4A3B2C").rejected(guidMsg(tenant))),
		Entry("a short partner tenant id", tenantWith(tenant, "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2").rejected(guidMsg(tenant))),
		Entry("a name as partner tenant id", tenantWith(tenant, "contoso").rejected(guidMsg(tenant))),
		Entry("a credentials Secret name with a slash", tenantWith(secret, "pc/credentials").rejected(secretMsg)),
		Entry("a credentials Secret name in upper case", tenantWith(secret, "PC-Credentials").rejected(secretMsg)),
		Entry("a credentials Secret name with an empty label", tenantWith(secret, "pc..credentials").rejected(secretMsg)),
		Entry("a credentials Secret name ending with .", tenantWith(secret, "pc-credentials.").rejected(secretMsg)),
		Entry("a credentials Secret name with an underscore", tenantWith(secret, "pc_credentials").rejected(secretMsg)),
		Entry("an empty credentials Secret name", tenantWith(secret, "").rejected(secret)),
		Entry("an unknown partner type", tenantWith("spec.partnerType", "Distributor").rejected("spec.partnerType: Unsupported value")),
		Entry("a rate limit of zero", tenantWith("spec.rateLimit.qps", int64(0)).rejected("spec.rateLimit.qps")),

		// Durations: every value admitted is one the Go types decode (a value they cannot decode
		// would stop every list and watch of the kind).
		Entry("reminders of 72h and 24h", tenantWith(reminders, []any{"72h", "24h"}).accepted()),
		Entry("reminders of 90m, 1h30m and 1.5h", tenantWith(reminders, []any{"90m", "1h30m", "1.5h"}).accepted()),
		Entry("no reminders at all", tenantWith(reminders, []any{}).accepted()),
		Entry("a reminder of 168h", tenantWith(reminders, []any{"168h"}).accepted()),
		Entry("a reminder in days", tenantWith(reminders, []any{"3d"}).rejected(remindersMsg)),
		Entry("a reminder in weeks after a valid one", tenantWith(reminders, []any{"72h", "1w"}).rejected(remindersMsg)),
		Entry("a negative reminder", tenantWith(reminders, []any{"-1h"}).rejected(remindersMsg)),
		Entry("a reminder of zero", tenantWith(reminders, []any{"0s"}).rejected(remindersMsg)),
		Entry("a reminder beyond the longest link lifetime", tenantWith(reminders, []any{"169h"}).rejected(remindersMsg)),
		Entry("an empty reminder", tenantWith(reminders, []any{""}).rejected(remindersMsg)),
		Entry("a reminder with a trailing space", tenantWith(reminders, []any{"1h "}).rejected(remindersMsg)),
		Entry("a reminder without a unit", tenantWith(reminders, []any{"3600"}).rejected(remindersMsg)),
		Entry("a reminder in Arabic-Indic digits", tenantWith(reminders, []any{"٣h"}).rejected(remindersMsg)),
		Entry("a reminder in upper case", tenantWith(reminders, []any{"24H"}).rejected(remindersMsg)),
		Entry("a reminder as a number", tenantWith(reminders, []any{int64(3600)}).rejected(reminders)),
		Entry("a partner link lifetime of 90m", tenantWith(partnerLifetime, "90m").accepted()),
		Entry("a partner link lifetime of 1h30m", tenantWith(partnerLifetime, "1h30m").accepted()),
		Entry("a partner link lifetime in days", tenantWith(partnerLifetime, "7d").rejected(lifetimeMsg)),
		Entry("a partner link lifetime in weeks", tenantWith(partnerLifetime, "1w").rejected(lifetimeMsg)),
		Entry("a partner link lifetime below 5m", tenantWith(partnerLifetime, "4m59s").rejected(lifetimeMsg)),
		Entry("a partner link lifetime above 168h", tenantWith(partnerLifetime, "168h1s").rejected(lifetimeMsg)),
		Entry("an empty partner link lifetime", tenantWith(partnerLifetime, "").rejected(lifetimeMsg)),
		Entry("a partner link lifetime that overflows", tenantWith(partnerLifetime, "9999999999999h").rejected(partnerLifetime)),
		Entry("a customer link lifetime of 5m", agreementWith(customerLifetime, "5m").accepted()),
		Entry("a customer link lifetime in days", agreementWith(customerLifetime, "3d").rejected(lifetimeMsg)),
		Entry("a customer link lifetime with a space", agreementWith(customerLifetime, "1 h").rejected(lifetimeMsg)),
		Entry("a negative customer link lifetime", agreementWith(customerLifetime, "-72h").rejected(lifetimeMsg)),

		// Link delivery: the relay, the webhook and the acceptance link template.
		Entry("a relay host name", emailWith(smtpHost, "smtp.contoso.example").accepted()),
		Entry("a relay IPv4 address", emailWith(smtpHost, "10.0.0.25").accepted()),
		Entry("a relay IPv6 address", emailWith(smtpHost, "fd00::25").accepted()),
		Entry("a relay host with CR/LF", emailWith(smtpHost, "smtp.contoso.example\r\nRCPT TO:<eve@evil.example>").rejected(hostMsg)),
		Entry("a relay host with a port", emailWith(smtpHost, "smtp.contoso.example:25").rejected(hostMsg)),
		Entry("a relay host with user info", emailWith(smtpHost, "user@smtp.contoso.example").rejected(hostMsg)),
		Entry("a relay host with a space", emailWith(smtpHost, "smtp contoso.example").rejected(hostMsg)),
		Entry("a relay host as a URL", emailWith(smtpHost, "smtp://smtp.contoso.example").rejected(hostMsg)),
		Entry("a relay IPv6 address in brackets", emailWith(smtpHost, "[fd00::25]").rejected(hostMsg)),
		Entry("a webhook URL with a path", webhookWith("https://hooks.contoso.example/mca").accepted()),
		Entry("a webhook URL with a port and an escape", webhookWith("https://hooks.contoso.example:8443/a%20b").accepted()),
		Entry("a webhook URL with port 99999", webhookWith("https://hooks.contoso.example:99999/mca").rejected(hookMsg)),
		Entry("a webhook URL with an invalid escape", webhookWith("https://hooks.contoso.example/%zz").rejected(hookMsg)),
		Entry("a webhook URL with user info", webhookWith("https://hooks.contoso.example@evil.example/").rejected(hookMsg)),
		Entry("a webhook URL with a query", webhookWith("https://hooks.contoso.example/mca?x=1").rejected(hookMsg)),
		Entry("a plain http webhook URL", webhookWith("http://hooks.contoso.example/mca").rejected(hookMsg)),
		Entry("a webhook URL with a space", webhookWith("https://hooks.contoso.example/a b").rejected(hookMsg)),
		Entry("an acceptance link template with placeholders in the path and query",
			tenantWith(template, "https://accept.contoso.example/attest/{attestationId}?lang={language}&country={country}").accepted()),
		Entry("an acceptance link template with user info", tenantWith(template, "https://a{attestationId}@evil.example/").rejected(templateMsg)),
		Entry("an acceptance link template with a placeholder in the host", tenantWith(template, "https://{attestationId}.evil.example/").rejected(templateMsg)),
		Entry("an acceptance link template with a fragment", tenantWith(template, "https://accept.contoso.example/#{attestationId}").rejected(templateMsg)),
		Entry("an acceptance link template with an unknown placeholder", tenantWith(template, "https://accept.contoso.example/{attestationId}/{host}").rejected(templateMsg)),
		Entry("an http acceptance link template", tenantWith(template, "http://accept.contoso.example/{attestationId}").rejected(templateMsg)),

		// Names made of invisible fillers.
		Entry("first name of a Hangul filler", agreementWith(first, "\u3164").rejected(controlMsg(first))),
		Entry("first name with a halfwidth Hangul filler", agreementWith(first, "Ada\uffa0").rejected(controlMsg(first))),
		Entry("last name of Hangul choseong and jungseong fillers", agreementWith(last, "\u115f\u1160").rejected(controlMsg(last))),
		Entry("company name with a blank Braille pattern", agreementWith(company, "Fabrikam\u2800Ltd").rejected(controlMsg(company))),
		Entry("first name in Hangul", agreementWith(first, "민준").accepted()),

		// The sender's address: every value admitted is one net/mail parses (validation_test.go).
		Entry("a plain sender address", emailWith(from, "mca@contoso.example").accepted()),
		Entry("a sender with a display name", emailWith(from, "Contoso Billing <mca@contoso.example>").accepted()),
		Entry("a sender with a quoted display name holding a comma", emailWith(from, `"Contoso, Inc." <mca@contoso.example>`).accepted()),
		Entry("a sender with an accented display name", emailWith(from, "Zoë Ünal <mca@contoso.example>").accepted()),
		Entry("a sender whose display name holds an unquoted comma", emailWith(from, "Contoso, Inc. <mca@contoso.example>").rejected(fromMsg)),
		Entry("a sender with a stray >", emailWith(from, "x@contoso.example>").rejected(fromMsg)),
		Entry("a sender with an unclosed <", emailWith(from, "<x@contoso.example").rejected(fromMsg)),
		Entry("a sender with NUL", emailWith(from, "mca\x00@contoso.example").rejected(fromMsg)),
		Entry("a sender with a leading dot", emailWith(from, ".mca@contoso.example").rejected(fromMsg)),
		Entry("a sender with a header injected", emailWith(from, "mca@contoso.example\r\nBcc: eve@evil.example").rejected(fromMsg)),
		Entry("a sender whose display name spells another address", emailWith(from, `"ceo <ceo@contoso.example>" <eve@evil.example>`).rejected(fromMsg)),
		Entry("two senders", emailWith(from, "mca@contoso.example, eve@evil.example").rejected(fromMsg)),
		Entry("a reply-to with a leading dot", emailWith(replyTo, ".billing@contoso.example").rejected(email2Msg)),
		Entry("a reply-to with a display name", emailWith(replyTo, "Billing <billing@contoso.example>").rejected(email2Msg)),
		Entry("a plain reply-to", emailWith(replyTo, "billing@contoso.example").accepted()),

		// Names: a CustomerAgreement's name is any DNS-1123 subdomain, up to 253 characters.
		Entry("a CustomerAgreement name of 64 characters", agreementWith("metadata.name", strings.Repeat("a", 64)).accepted()),
		Entry("a CustomerAgreement name of 253 characters", agreementWith("metadata.name",
			strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 61)).accepted()),
	}
}
