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

func TestLinkExpired(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name      string
		expiresAt time.Time
		grace     time.Duration
		now       time.Time
		want      bool
	}{
		{"before its expiry", at, 0, at.Add(-time.Second), false},
		{"at its expiry", at, 0, at, true},
		{"within the grace", at, time.Hour, at.Add(59 * time.Minute), false},
		{"at the end of the grace", at, time.Hour, at.Add(time.Hour), true},
		{"an unknown expiry never expires by the clock", time.Time{}, 0, at.Add(1000 * time.Hour), false},
	} {
		if got := LinkExpired(c.expiresAt, c.grace, c.now); got != c.want {
			t.Errorf("%s: LinkExpired = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPhase(t *testing.T) {
	exp := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	for _, c := range []struct {
		name     string
		word     AttestationPhase
		told     bool
		lifetime time.Duration
		now      time.Time
		want     AttestationPhase
	}{
		{"Partner Center says pending, a day past the expiry: its clock decides", PhaseAwaitingCustomer, true, week, exp.Add(24 * time.Hour), PhaseAwaitingCustomer},
		{"Partner Center says expired before our expiry", PhaseExpired, true, week, exp.Add(-time.Hour), PhaseExpired},
		{"Partner Center says accepted after the expiry", PhaseAccepted, true, week, exp.Add(time.Hour), PhaseAccepted},
		{"recorded pending, within the margin (an hour for a week's link)", PhaseAwaitingCustomer, false, week, exp.Add(59 * time.Minute), PhaseAwaitingCustomer},
		{"recorded pending, past the margin", PhaseAwaitingCustomer, false, week, exp.Add(61 * time.Minute), PhaseExpired},
		{"recorded pending, a tenth of a short lifetime past", PhaseAwaitingCustomer, false, time.Hour, exp.Add(6 * time.Minute), PhaseExpired},
		{"recorded pending, within a tenth of a short lifetime", PhaseAwaitingCustomer, false, time.Hour, exp.Add(5 * time.Minute), PhaseAwaitingCustomer},
		{"recorded pending, unknown lifetime: an hour", PhaseAwaitingCustomer, false, 0, exp.Add(59 * time.Minute), PhaseAwaitingCustomer},
		{"recorded expired (a refused create said so)", PhaseExpired, false, week, exp.Add(-time.Hour), PhaseExpired},
	} {
		if got := Phase(c.word, c.told, exp, c.lifetime, c.now); got != c.want {
			t.Errorf("%s: Phase = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestOwner(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   []Claim
		want Claim
	}{
		{"alone", []Claim{{t0, "a", "x", false}}, Claim{t0, "a", "x", false}},
		{"oldest wins", []Claim{{t0.Add(time.Second), "a", "x", false}, {t0, "z", "z", false}}, Claim{t0, "z", "z", false}},
		{"same second: namespace decides", []Claim{{t0, "team-b", "a", false}, {t0, "team-a", "z", false}}, Claim{t0, "team-a", "z", false}},
		{"same namespace: name decides", []Claim{{t0, "ns", "b", false}, {t0, "ns", "a", false}}, Claim{t0, "ns", "a", false}},
		{"same second: the one that acted wins", []Claim{{t0, "ns", "b", true}, {t0, "ns", "a", false}}, Claim{t0, "ns", "b", true}},
		{"same second, both acted: name decides", []Claim{{t0, "ns", "b", true}, {t0, "ns", "a", true}}, Claim{t0, "ns", "a", true}},
		{"an older claim wins over one that acted", []Claim{{t0.Add(time.Second), "ns", "a", true}, {t0, "ns", "b", false}}, Claim{t0, "ns", "b", false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Owner(c.in); got != c.want {
				t.Fatalf("Owner = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDecideWhatTheControllerUsedToDecideOnTheSide(t *testing.T) {
	p := DefaultPolicy()
	now := d("2026-11-23")
	pending := &InFlight{Phase: PhaseAwaitingCustomer, ExpiresAt: now.Add(time.Hour)}
	base := Situation{Standing: Standing{State: v1alpha1.StateNoMCA}, ManagementPolicy: v1alpha1.ManagementPolicyManage,
		Method: v1alpha1.MethodPartnerAttestation, PartnerType: v1alpha1.PartnerTypeDirectBill, HasSignatory: true, Now: now}
	with := func(f func(*Situation)) Situation { s := base; f(&s); return s }
	for _, c := range []struct {
		name string
		s    Situation
		want Action
	}{
		{"claimed by another object: nothing else counts", with(func(s *Situation) {
			s.ClaimedBy = "ns/other"
			s.AcceptedAttestation = true
		}), ActCustomerClaimed},
		{"our agreement unseen for a day: say so", with(func(s *Situation) {
			s.Standing.State = v1alpha1.StateAttested
			s.CreatedUnseenSince = now.Add(-CreatedAgreementTrust - time.Second)
		}), ActAgreementNotVisible},
		{"our agreement unseen for less than a day: trust it", with(func(s *Situation) {
			s.Standing.State = v1alpha1.StateAttested
			s.CreatedUnseenSince = now.Add(-time.Hour)
		}), ActNone},
		{"link out but none held", with(func(s *Situation) {
			s.Attestation = pending
			s.LinkMissing = true
		}), ActLinkUnavailable},
		{"no link held, but polling by create may learn the acceptance", with(func(s *Situation) {
			s.Attestation = pending
			s.LinkMissing = true
			s.PollByCreate = true
		}), ActCreateFromAttestation},
	} {
		if got := p.Decide(c.s); got.Action != c.want {
			t.Errorf("%s: Decide = %s, want %s", c.name, got.Action, c.want)
		}
	}
}

func TestClassifyTrustsTheAgreementTheOperatorCreated(t *testing.T) {
	p := DefaultPolicy()
	created := Record{Contact: Contact{FirstName: "Ada"}, DateAgreed: d("2026-11-20")}
	got := p.Classify(Observation{Records: []Record{{DateAgreed: d("2022-06-14")}}, Created: &created}, d("2026-11-23"))
	if got.State != v1alpha1.StateAttested || got.AcceptedBy != v1alpha1.AcceptedByPartner || got.InForce == nil || *got.InForce != created {
		t.Fatalf("Classify = %+v, want Attested by the created agreement", got)
	}
}
