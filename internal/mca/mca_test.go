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
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

var ada = Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.com", PhoneNumber: "425-555-0100"}

func TestClassify(t *testing.T) {
	p := DefaultPolicy()
	before, after := d("2025-06-01"), d("2026-11-23")
	cases := []struct {
		name       string
		obs        Observation
		now        time.Time
		state      v1alpha1.AgreementState
		acceptedBy v1alpha1.AcceptedBy
		inForce    string
	}{
		{"nothing on record", Observation{}, after, v1alpha1.StateNoMCA, "", ""},
		{"current attestation", Observation{Records: []Record{{ada, d("2024-02-01")}}}, after, v1alpha1.StateAttested, v1alpha1.AcceptedByPartner, "2024-02-01"},
		{"attested exactly on the cutoff", Observation{Records: []Record{{ada, d("2023-04-01")}}}, after, v1alpha1.StateAttested, v1alpha1.AcceptedByPartner, "2023-04-01"},
		{"a day before the cutoff, before enforcement", Observation{Records: []Record{{ada, d("2023-03-31")}}}, before, v1alpha1.StateLegacy, "", "2023-03-31"},
		{"old attestation after enforcement", Observation{Records: []Record{{ada, d("2022-06-14")}}}, after, v1alpha1.StateBlocked, "", "2022-06-14"},
		{"old attestation on the enforcement day", Observation{Records: []Record{{ada, d("2022-06-14")}}}, d("2025-10-07"), v1alpha1.StateBlocked, "", "2022-06-14"},
		{"old and reattested: newest in force", Observation{Records: []Record{{ada, d("2024-05-01")}, {ada, d("2021-01-01")}}}, after, v1alpha1.StateAttested, v1alpha1.AcceptedByPartner, "2024-05-01"},
		{"direct acceptance only", Observation{DirectSigned: true}, after, v1alpha1.StateAttested, v1alpha1.AcceptedByCustomer, ""},
		{"direct acceptance over an old attestation", Observation{Records: []Record{{ada, d("2022-06-14")}}, DirectSigned: true}, after, v1alpha1.StateAttested, v1alpha1.AcceptedByCustomer, "2022-06-14"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Classify(c.obs, c.now)
			if got.State != c.state || got.AcceptedBy != c.acceptedBy {
				t.Fatalf("Classify = %s/%s, want %s/%s", got.State, got.AcceptedBy, c.state, c.acceptedBy)
			}
			gotDate := ""
			if got.InForce != nil {
				gotDate = got.InForce.DateAgreed.Format("2006-01-02")
			}
			if gotDate != c.inForce {
				t.Fatalf("in force %q, want %q", gotDate, c.inForce)
			}
		})
	}
}

func TestClassifyFlagDates(t *testing.T) {
	p := Policy{ReattestationCutoff: d("2024-01-01"), EnforcementDate: d("2027-01-01")}
	obs := Observation{Records: []Record{{ada, d("2023-06-01")}}}
	if got := p.Classify(obs, d("2026-11-23")).State; got != v1alpha1.StateLegacy {
		t.Fatalf("with a later cutoff and enforcement date the customer is %s, want Legacy", got)
	}
}

func TestMayAttest(t *testing.T) {
	for typ, want := range map[v1alpha1.PartnerType]bool{
		v1alpha1.PartnerTypeIndirectProvider: true,
		v1alpha1.PartnerTypeDirectBill:       true,
		v1alpha1.PartnerTypeIndirectReseller: false,
		"":                                   false,
	} {
		if got := MayAttest(typ); got != want {
			t.Errorf("MayAttest(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	p := DefaultPolicy()
	now := d("2026-11-23")
	past, future, old := d("2026-11-01"), d("2026-12-01"), d("2022-01-01")
	base := Situation{
		Standing:         Standing{State: v1alpha1.StateNoMCA},
		ManagementPolicy: v1alpha1.ManagementPolicyManage,
		Method:           v1alpha1.MethodPartnerAttestation,
		PartnerType:      v1alpha1.PartnerTypeIndirectProvider,
		HasSignatory:     true,
		Now:              now,
	}
	with := func(f func(*Situation)) Situation { s := base; f(&s); return s }
	cases := []struct {
		name string
		s    Situation
		want Action
	}{
		{"attested: nothing to do", with(func(s *Situation) { s.Standing.State = v1alpha1.StateAttested }), ActNone},
		{"attested under observe", with(func(s *Situation) {
			s.Standing.State = v1alpha1.StateAttested
			s.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		}), ActNone},
		{"no MCA: start attestation", base, ActStartAttestation},
		{"legacy: start attestation", with(func(s *Situation) { s.Standing.State = v1alpha1.StateLegacy }), ActStartAttestation},
		{"blocked: start attestation", with(func(s *Situation) { s.Standing.State = v1alpha1.StateBlocked }), ActStartAttestation},
		{"direct bill may attest", with(func(s *Situation) { s.PartnerType = v1alpha1.PartnerTypeDirectBill }), ActStartAttestation},
		{"observe never writes", with(func(s *Situation) { s.ManagementPolicy = v1alpha1.ManagementPolicyObserve }), ActObserveOnly},
		{"reseller may not attest", with(func(s *Situation) { s.PartnerType = v1alpha1.PartnerTypeIndirectReseller }), ActNotPermitted},
		{"customer direct invites, even for a reseller", with(func(s *Situation) {
			s.Method = v1alpha1.MethodCustomerDirect
			s.PartnerType = v1alpha1.PartnerTypeIndirectReseller
		}), ActInviteCustomer},
		{"customer direct under observe still shows the invitation", with(func(s *Situation) {
			s.Method = v1alpha1.MethodCustomerDirect
			s.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		}), ActInviteCustomer},
		{"duplicate refused: wait for a spec change", with(func(s *Situation) { s.DuplicateRefused = true }), ActWaitDuplicate},
		{"no signatory", with(func(s *Situation) { s.HasSignatory = false }), ActInvalidSpec},
		{"link pending", with(func(s *Situation) { s.Attestation = &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: future} }), ActAwaitCustomer},
		{"link past its expiry but not said expired: wait (the manager's clock may be ahead)", with(func(s *Situation) {
			s.Attestation = &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: now.Add(-61 * time.Minute)}
		}), ActAwaitCustomer},
		{"link a day past its expiry and still pending: renew", with(func(s *Situation) {
			s.Attestation = &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: past}
		}), ActRenewAttestation},
		{"an earlier link accepted: create, even though the spec changed", with(func(s *Situation) { s.AcceptedAttestation = true }), ActCreateFromAttestation},
		{"an earlier link accepted under a refused signatory: create", with(func(s *Situation) {
			s.AcceptedAttestation = true
			s.DuplicateRefused = true
		}), ActCreateFromAttestation},
		{"an earlier link accepted after a switch to CustomerDirect: create", with(func(s *Situation) {
			s.AcceptedAttestation = true
			s.Method = v1alpha1.MethodCustomerDirect
		}), ActCreateFromAttestation},
		{"an earlier link accepted under Observe: write nothing", with(func(s *Situation) {
			s.AcceptedAttestation = true
			s.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		}), ActObserveOnly},
		{"link pending without a GET of attestations: poll by attempting the create", with(func(s *Situation) {
			s.Attestation = &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: future}
			s.PollByCreate = true
		}), ActCreateFromAttestation},
		{"too many links out: start no other", with(func(s *Situation) { s.AttestationsInFlight = MaxAttestationsInFlight }), ActWaitForAttestations},
		{"too many links out but the current one pending: wait for it", with(func(s *Situation) {
			s.AttestationsInFlight = MaxAttestationsInFlight
			s.Attestation = &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: future}
		}), ActAwaitCustomer},
		{"link expired", with(func(s *Situation) { s.Attestation = &InFlight{Phase: PhaseExpired} }), ActRenewAttestation},
		{"customer accepted", with(func(s *Situation) { s.Attestation = &InFlight{Phase: PhaseAccepted, ExpiresAt: past} }), ActCreateFromAttestation},
		{"legacy confirmation", with(func(s *Situation) { s.Method = v1alpha1.MethodLegacyConfirmation; s.DateAgreed = &past }), ActConfirmLegacy},
		{"legacy confirmation dated today", with(func(s *Situation) { s.Method = v1alpha1.MethodLegacyConfirmation; s.DateAgreed = &now }), ActConfirmLegacy},
		{"legacy confirmation in the future", with(func(s *Situation) { s.Method = v1alpha1.MethodLegacyConfirmation; s.DateAgreed = &future }), ActInvalidSpec},
		{"legacy confirmation before the cutoff", with(func(s *Situation) { s.Method = v1alpha1.MethodLegacyConfirmation; s.DateAgreed = &old }), ActInvalidSpec},
		{"legacy confirmation without a date", with(func(s *Situation) { s.Method = v1alpha1.MethodLegacyConfirmation }), ActInvalidSpec},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Decide(c.s)
			if got.Action != c.want {
				t.Fatalf("Decide = %s (%s), want %s", got.Action, got.Message, c.want)
			}
			stops := map[Action]bool{ActObserveOnly: true, ActNotPermitted: true, ActInviteCustomer: true, ActWaitDuplicate: true, ActInvalidSpec: true, ActWaitForAttestations: true}
			if stops[got.Action] && got.Message == "" {
				t.Fatalf("%s comes without a message for the user", got.Action)
			}
		})
	}
}
