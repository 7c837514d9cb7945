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
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// TestRequestIDs pins the idempotency contract: which differences make a new MS-RequestId (a new
// legal act) and which repeat the same one (Partner Center answers it with its first answer).
func TestRequestIDs(t *testing.T) {
	const (
		partner  = "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"
		customer = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	)
	ada := &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "+1 (425) 555-0100"}
	spec := v1alpha1.CustomerAgreementSpec{CustomerTenantID: customer, CompanyName: "Contoso Ltd", Country: "US", Language: "en-US", Signatory: ada}
	with := func(f func(*v1alpha1.CustomerAgreementSpec)) v1alpha1.CustomerAgreementSpec {
		s := spec
		sg := *ada
		s.Signatory = &sg
		f(&s)
		return s
	}
	start := func(partnerID string, s v1alpha1.CustomerAgreementSpec, renewal int32) string {
		return startAttestationRequestID(partnerID, s.CustomerTenantID, attestationIntent(partnerID, s), renewal)
	}
	base := start(partner, spec, 0)
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	legacy := legacyConfirmationRequestID(partner, customer, ada, date)
	create := createFromAttestationRequestID(partner, customer, "att-1", 0)

	cases := []struct {
		name string
		got  string
		want string
		same bool
	}{
		// Repeats of one intent: the same request.
		{"start: repeated", start(partner, spec, 0), base, true},
		{"start: phone reformatted", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Signatory.PhoneNumber = "14255550100" }), 0), base, true},
		{"start: email in another case", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Signatory.Email = "Ada@Contoso.Example" }), 0), base, true},
		{"start: names spaced and cased differently", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Signatory.FirstName = " ada " }), 0), base, true},
		{"start: ids in upper case", start("5D9B1A3E-2C4F-4E6A-9B8C-7D6E5F4A3B2C", with(func(s *v1alpha1.CustomerAgreementSpec) { s.CustomerTenantID = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D" }), 0), base, true},
		{"legacy: phone reformatted", legacyConfirmationRequestID(partner, customer, &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "1-425-555-0100"}, date), legacy, true},
		{"legacy: same date in another zone", legacyConfirmationRequestID(partner, customer, ada, date.In(time.FixedZone("CET", 3600))), legacy, true},
		{"create: repeated", createFromAttestationRequestID(partner, customer, "ATT-1", 0), create, true},

		// A different act: a new request.
		{"start: renewal", start(partner, spec, 1), base, false},
		{"start: other signatory", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Signatory.Email = "grace@contoso.example" }), 0), base, false},
		{"start: other phone", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Signatory.PhoneNumber = "4255550199" }), 0), base, false},
		{"start: company corrected", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.CompanyName = "Contoso Limited" }), 0), base, false},
		{"start: other language", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.Language = "de-DE" }), 0), base, false},
		{"start: other customer", start(partner, with(func(s *v1alpha1.CustomerAgreementSpec) { s.CustomerTenantID = "0a1b2c3d-4e5f-4a6b-8c7d-000000000000" }), 0), base, false},
		{"start: other partner", start("6d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", spec, 0), base, false},
		{"legacy: other date", legacyConfirmationRequestID(partner, customer, ada, date.AddDate(0, 0, 1)), legacy, false},
		{"legacy vs start: other purpose", legacyConfirmationRequestID(partner, customer, ada, date), base, false},
		{"create: next attempt after a refusal", createFromAttestationRequestID(partner, customer, "att-1", 1), create, false},
		{"create: other attestation", createFromAttestationRequestID(partner, customer, "att-2", 0), create, false},
		{"create: other partner", createFromAttestationRequestID("6d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", customer, "att-1", 0), create, false},

		// The derivation itself is the contract: changing it makes every request in flight new.
		{"start: pinned", base, "03ac05d0-d5cc-5c7c-9179-185d3e229ece", true},
		{"create: pinned", create, "a6d7e09f-008e-5ef7-b741-c82aa030aad8", true},
		{"legacy: pinned", legacy, "939d4c76-b8a0-5bdf-bf66-a3dfc955e93b", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if (c.got == c.want) != c.same {
				t.Fatalf("got %s, want same=%v as %s", c.got, c.same, c.want)
			}
		})
	}
}

func TestRefusedSignatoryKey(t *testing.T) {
	ada := &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "4255550100"}
	sameAda := &v1alpha1.Signatory{FirstName: "ADA", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "425-555-0100"}
	office := &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ceo.office@contoso.example", PhoneNumber: "4255550100"}
	m := v1alpha1.MethodLegacyConfirmation
	if refusedSignatoryKey(m, ada) != refusedSignatoryKey(m, sameAda) {
		t.Error("the same contact as Partner Center compares it must stay refused")
	}
	if refusedSignatoryKey(m, ada) == refusedSignatoryKey(m, office) {
		t.Error("another email address is a new contact")
	}
	if refusedSignatoryKey(m, ada) == refusedSignatoryKey(v1alpha1.MethodPartnerAttestation, ada) {
		t.Error("another method is a new attempt")
	}
}

// Each create attempt after a refusal is a new request, without a status write per poll: the
// count reaches status every few refusals, and a restart resumes from there.
func TestRefusalCounter(t *testing.T) {
	var c refusalCounter
	a := &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-1")}
	seen := map[int32]bool{}
	for i := range refusalPersistEvery {
		attempt := c.of(a)
		if seen[attempt] {
			t.Fatalf("attempt %d repeated after a refusal", attempt)
		}
		seen[attempt] = true
		c.refused(a, attempt)
		if want := int32(0); i < refusalPersistEvery-1 && a.RefusedCreates != want {
			t.Fatalf("refusal %d wrote status (refusedCreates %d)", i+1, a.RefusedCreates)
		}
	}
	if a.RefusedCreates != refusalPersistEvery {
		t.Fatalf("after %d refusals status holds %d", refusalPersistEvery, a.RefusedCreates)
	}
	var restarted refusalCounter
	if got := restarted.of(a); got != refusalPersistEvery {
		t.Fatalf("after a restart the next attempt is %d, want %d", got, refusalPersistEvery)
	}
}
