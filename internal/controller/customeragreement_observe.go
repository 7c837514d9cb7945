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
	"context"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file reads what Partner Center holds for one customer and records it in status as given:
// the agreement records, the customer's own acceptance, and the attestations the operator follows.

// createdAgreementTrust bounds how long an agreement this operator created is trusted while
// Partner Center's reads do not show it; past it, a condition says so (and nothing is written).
const createdAgreementTrust = 24 * time.Hour

// observation is what one reconcile learnt from Partner Center.
type observation struct {
	standing mca.Standing
	// createdNotVisible: the agreement this operator created has not shown in reads within
	// createdAgreementTrust.
	createdNotVisible bool
	// current is the attestation followed for the current spec (nil: none); accepted is a followed
	// attestation the signatory accepted (nil: none); inFlight counts those that may still be accepted.
	current  *mca.InFlight
	accepted *v1alpha1.AttestationStatus
	inFlight int
	// pollByCreate: Partner Center does not serve the GET of an attestation; an acceptance is
	// learnt by attempting the create.
	pollByCreate bool
	// linkMissing: the current attestation has no link (Partner Center gave none and no template
	// is configured).
	linkMissing bool
}

// observe reads what Partner Center holds. A poll of an attestation in flight costs one call per
// attestation followed: the customer's records and direct acceptance are read again only at the
// resync interval or when the spec changed.
func (s *scope) observe(ctx context.Context) (observation, error) {
	st := &s.ca.Status
	if st.Attestation != nil && st.State != "" && st.State != v1alpha1.StateAttested && s.r.fullReads.take(s.ca, time.Now(), s.r.ResyncInterval) > 0 {
		ob := observation{standing: mca.Standing{State: st.State, AcceptedBy: st.AcceptedBy}}
		return ob, s.follow(ctx, &ob)
	}
	s.r.fullReads.mark(s.ca, time.Now())
	return s.observeAll(ctx)
}

// observeAll reads the customer's MCA records and, only when they do not already show a current
// attestation, the direct-acceptance status; then the attestations the operator follows.
func (s *scope) observeAll(ctx context.Context) (observation, error) {
	var ob observation
	id := s.ca.Spec.CustomerTenantID
	records, err := s.pc.ListCustomerAgreements(ctx, id)
	if err != nil {
		return ob, err
	}
	obs := mca.Observation{}
	current := false
	for _, a := range records {
		rec := mca.Record{Contact: mca.Contact(a.PrimaryContact), DateAgreed: a.DateAgreed}
		obs.Records = append(obs.Records, rec)
		current = current || s.r.Policy.Current(rec)
	}
	st := &s.ca.Status
	if created := st.CreatedAgreement; created != nil {
		if current {
			// Partner Center's reads caught up with the agreement we created.
			st.CreatedAgreement = nil
		} else {
			// Trust our create's answer while the eventually consistent reads do not show it. Past
			// the bound it is still trusted (attesting again could make a second agreement), but
			// the customer is reported for a person to check.
			rec := mca.Record{DateAgreed: created.DateAgreed.Time}
			if st.Signatory != nil {
				rec.Contact = mca.Contact(*st.Signatory)
			}
			obs.Records = append(obs.Records, rec)
			current = current || s.r.Policy.Current(rec)
			ob.createdNotVisible = s.now.Sub(created.CreatedAt.Time) > createdAgreementTrust
		}
	}
	if !current {
		if obs.DirectSigned, err = s.pc.GetDirectSignedStatus(ctx, id); err != nil {
			return ob, err
		}
	}
	ob.standing = s.r.Policy.Classify(obs, s.now)
	s.report(ob.standing)
	if err := s.follow(ctx, &ob); err != nil {
		return ob, err
	}
	return ob, nil
}

// report writes the observed standing into status, as Partner Center gave it.
func (s *scope) report(standing mca.Standing) {
	st := &s.ca.Status
	st.State = standing.State
	st.AcceptedBy = standing.AcceptedBy
	st.TemplateID = bounded(s.templateID, 256)
	st.Signatory, st.DateAgreed = nil, nil
	if r := standing.InForce; r != nil && standing.AcceptedBy != v1alpha1.AcceptedByCustomer {
		if r.Contact != (mca.Contact{}) {
			st.Signatory = recordedContact(r.Contact)
		}
		st.DateAgreed = statusTime(r.DateAgreed)
	}
	if standing.AcceptedBy == v1alpha1.AcceptedByCustomer {
		st.CustomerNoticeExpectedBy = nil
	}
	if s.ca.Spec.Method == v1alpha1.MethodCustomerDirect && standing.State != v1alpha1.StateAttested {
		st.InvitationURL = mca.InvitationURL
	} else {
		st.InvitationURL = ""
	}
}

// follow refreshes every attestation the operator started and that may still be accepted: the
// one for the current spec and the earlier ones. An attestation is followed until Partner Center
// says it expired (or, without a GET of attestations, until well past its expiry) or an agreement
// exists, so that an acceptance given on an older link is still turned into the agreement.
func (s *scope) follow(ctx context.Context, ob *observation) error {
	st := &s.ca.Status
	if ob.standing.State == v1alpha1.StateAttested {
		st.Attestation, st.EarlierAttestations = nil, nil
		return s.dropLink(ctx)
	}
	intent := attestationIntent(s.pt.Spec.TenantID, s.ca.Spec)
	if a := st.Attestation; a != nil && (a.Intent != intent || s.ca.Spec.Method != v1alpha1.MethodPartnerAttestation) {
		// Started for an earlier spec: follow it as an earlier attestation.
		a.LinkSecretRef = nil
		st.EarlierAttestations = append(st.EarlierAttestations, *a)
		st.Attestation = nil
		if err := s.dropLink(ctx); err != nil {
			return err
		}
	}
	if a := st.Attestation; a != nil {
		phase, err := s.refresh(ctx, a, ob)
		if err != nil {
			return err
		}
		ob.current = &mca.InFlight{Phase: phase}
		if a.ExpiresAt != nil {
			ob.current.ExpiresAt = a.ExpiresAt.Time
		}
		switch phase {
		case mca.PhaseAccepted:
			ob.accepted = a
			ob.inFlight++
		case mca.PhaseAwaitingCustomer:
			ob.inFlight++
		}
		if err := s.ensureLink(ctx, a, ob); err != nil {
			return err
		}
	}
	kept := st.EarlierAttestations[:0]
	for i := range st.EarlierAttestations {
		a := st.EarlierAttestations[i]
		phase, err := s.refresh(ctx, &a, ob)
		if err != nil {
			return err
		}
		if phase == mca.PhaseExpired {
			continue
		}
		kept = append(kept, a)
		ob.inFlight++
	}
	st.EarlierAttestations = nil
	if len(kept) > 0 {
		st.EarlierAttestations = kept
	}
	if ob.accepted == nil {
		for i := range st.EarlierAttestations {
			if phase, _ := attestationPhase(st.EarlierAttestations[i].Status); phase == mca.PhaseAccepted {
				ob.accepted = &st.EarlierAttestations[i]
				break
			}
		}
	}
	return nil
}

// refresh reads one attestation and records its status and expiry as Partner Center gives them.
// Without a GET of attestations (or when Partner Center no longer knows one), the phase comes
// from the time: pending until well past the expiry, then expired.
func (s *scope) refresh(ctx context.Context, a *v1alpha1.AttestationStatus, ob *observation) (mca.AttestationPhase, error) {
	got, err := s.pc.GetEnhancedAttestation(ctx, a.ID)
	if pc.KindOf(err) == pc.KindNotSupported {
		ob.pollByCreate = true
		if a.ExpiresAt != nil && s.now.After(a.ExpiresAt.Add(renewalMargin(a))) {
			return mca.PhaseExpired, nil
		}
		if phase, _ := attestationPhase(a.Status); phase == mca.PhaseExpired {
			return mca.PhaseExpired, nil
		}
		return mca.PhaseAwaitingCustomer, nil
	}
	if err != nil {
		return 0, err
	}
	a.Status = bounded(got.Status, 256)
	if !got.ExpiresAt.IsZero() {
		a.ExpiresAt = statusTime(got.ExpiresAt)
	}
	phase, _ := attestationPhase(got.Status)
	return phase, nil
}

// renewalMargin is how long past its expiry an attestation whose state Partner Center cannot tell
// is still given: a tenth of its lifetime, at most an hour, so that a manager clock ahead of the
// server's renews no link early.
func renewalMargin(a *v1alpha1.AttestationStatus) time.Duration {
	if a.Lifetime == nil || a.Lifetime.Duration <= 0 {
		return time.Hour
	}
	return min(time.Hour, a.Lifetime.Duration/10)
}

// ensureLink keeps the current attestation's link in its Secret: from Partner Center's answer,
// else built from the PartnerTenant's template.
func (s *scope) ensureLink(ctx context.Context, a *v1alpha1.AttestationStatus, ob *observation) error {
	if phase, _ := attestationPhase(a.Status); phase != mca.PhaseAwaitingCustomer {
		return nil
	}
	have, err := s.readLink(ctx)
	if err != nil {
		return err
	}
	if have != "" {
		a.LinkSecretRef = &v1alpha1.LocalObjectReference{Name: LinkSecretName(s.ca.UID)}
		return nil
	}
	link := ""
	if s.pc.AttestationGetSupported() {
		got, err := s.pc.GetEnhancedAttestation(ctx, a.ID)
		if err != nil && pc.KindOf(err) != pc.KindNotSupported {
			return err
		}
		link = got.AcceptanceLink
	}
	if link == "" {
		link = buildLink(s.linkTemplate(), a.ID, s.ca.Spec.Language, s.ca.Spec.Country)
	}
	if link == "" {
		a.LinkSecretRef = nil
		ob.linkMissing = true
		return nil
	}
	var expires time.Time
	if a.ExpiresAt != nil {
		expires = a.ExpiresAt.Time
	}
	if err := s.storeLink(ctx, link, a.ID, expires); err != nil {
		return err
	}
	a.LinkSecretRef = &v1alpha1.LocalObjectReference{Name: LinkSecretName(s.ca.UID)}
	return nil
}

func (s *scope) linkTemplate() string {
	if at := s.pt.Spec.Attestation; at != nil {
		return at.AcceptanceURLTemplate
	}
	return ""
}

// attestationPhase maps Partner Center's (modeled) attestation status, in any spelling, to what
// the rules need. An attestation whose agreement was already created is Accepted: creating again
// with the same request id is answered idempotently. A word outside the model waits.
func attestationPhase(status string) (mca.AttestationPhase, bool) {
	word, known := pc.NormalizeAttestationStatus(status)
	switch word {
	case pc.StatusCustomerAccepted, pc.StatusAgreementCreated:
		return mca.PhaseAccepted, known
	case pc.StatusExpired:
		return mca.PhaseExpired, known
	default:
		return mca.PhaseAwaitingCustomer, known
	}
}

func recordedContact(c mca.Contact) *v1alpha1.RecordedContact {
	return &v1alpha1.RecordedContact{FirstName: bounded(c.FirstName, 256), LastName: bounded(c.LastName, 256),
		Email: bounded(c.Email, 256), PhoneNumber: bounded(c.PhoneNumber, 256)}
}

// bounded cuts s to at most n characters (the status schema's maxLength counts characters).
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
