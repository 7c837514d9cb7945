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
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file reads what Partner Center holds for one customer and returns it as an observation:
// the agreement records, the customer's own acceptance, and the attestations the operator
// follows, refreshed. It writes no status; project (customeragreement_status.go) does.

// observation is what one reconcile learnt before acting.
type observation struct {
	// claimedBy names the CustomerAgreement that owns the customer when it is another one; nothing
	// else is observed then.
	claimedBy string
	// full: the customer's records were read; standing and templateID are Partner Center's word.
	// Otherwise standing is the one status recorded.
	full       bool
	standing   mca.Standing
	templateID string
	// createdSeen: the reads show a current agreement, so status.createdAgreement is no longer
	// needed. createdUnseenSince is when the operator created the agreement the reads do not show.
	createdSeen        bool
	createdUnseenSince time.Time
	// followed is the set of attestations followed, as refreshed (nil: unchanged, the
	// observation stopped before them).
	followed *followed
	// current is the phase of followed.current (nil: none); accepted is a followed attestation
	// the signatory accepted (nil: none); inFlight counts those that may still be accepted.
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

// followed is the attestations the operator follows for one customer: the one started for the
// current spec, and earlier ones whose links may still be accepted.
type followed struct {
	current *v1alpha1.AttestationStatus
	earlier []v1alpha1.AttestationStatus
}

// followedIn copies the attestations status records.
func followedIn(st *v1alpha1.CustomerAgreementStatus) followed {
	f := followed{current: st.Attestation.DeepCopy()}
	for i := range st.EarlierAttestations {
		f.earlier = append(f.earlier, *st.EarlierAttestations[i].DeepCopy())
	}
	return f
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
			ob.createdSeen = true
		} else {
			// Trust our create's answer while the eventually consistent reads do not show it: an
			// agreement is in place (attesting again could make a second one).
			rec := mca.Record{DateAgreed: created.DateAgreed.Time}
			if st.Signatory != nil {
				rec.Contact = mca.Contact(*st.Signatory)
			}
			obs.Created = &rec
			current = current || s.r.Policy.Current(rec)
			ob.createdUnseenSince = created.CreatedAt.Time
		}
	}
	if !current {
		if obs.DirectSigned, err = s.pc.GetDirectSignedStatus(ctx, id); err != nil {
			return ob, err
		}
	}
	ob.full, ob.templateID = true, s.templateID
	ob.standing = s.r.Policy.Classify(obs, s.now)
	return ob, s.follow(ctx, &ob)
}

// follow refreshes every attestation the operator started and that may still be accepted: the
// one for the current spec and the earlier ones. An attestation is followed until Partner Center
// says it expired (or, without a GET of attestations, until well past its expiry) or an agreement
// exists, so that an acceptance given on an older link is still turned into the agreement.
func (s *scope) follow(ctx context.Context, ob *observation) error {
	f := followedIn(&s.ca.Status)
	if ob.standing.State == v1alpha1.StateAttested {
		ob.followed = &followed{}
		return s.dropSecrets(ctx, f.current != nil)
	}
	if a := f.current; a != nil && (a.Intent != s.intent || s.ca.Spec.Method != v1alpha1.MethodPartnerAttestation) {
		// Started for an earlier spec: follow it as an earlier attestation.
		a.LinkSecretRef = nil
		f.earlier = append(f.earlier, *a)
		f.current = nil
		if err := s.dropLink(ctx); err != nil {
			return err
		}
	}
	if err := s.followCurrent(ctx, &f, ob); err != nil {
		return err
	}
	var kept []v1alpha1.AttestationStatus
	var acceptedEarlier = -1
	for i := range f.earlier {
		a := f.earlier[i]
		phase, _, err := s.refresh(ctx, &a, ob)
		if errors.Is(err, errAttestationIDLost) {
			s.idLost(&a)
			continue
		}
		if err != nil {
			return err
		}
		if phase == mca.PhaseExpired {
			continue
		}
		if phase == mca.PhaseAccepted && acceptedEarlier < 0 {
			acceptedEarlier = len(kept)
		}
		kept = append(kept, a)
		ob.inFlight++
	}
	f.earlier = kept
	if ob.accepted == nil && acceptedEarlier >= 0 {
		ob.accepted = &f.earlier[acceptedEarlier]
	}
	ob.followed = &f
	if f.current == nil && len(f.earlier) == 0 {
		return s.dropSecrets(ctx, false)
	}
	return nil
}

// followCurrent refreshes the attestation started for the current spec, and keeps its link.
func (s *scope) followCurrent(ctx context.Context, f *followed, ob *observation) error {
	a := f.current
	if a == nil {
		return nil
	}
	phase, link, err := s.refresh(ctx, a, ob)
	if errors.Is(err, errAttestationIDLost) {
		s.idLost(a)
		f.current = nil
		return s.dropLink(ctx)
	}
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
		return s.ensureLink(ctx, a, link, ob)
	}
	return nil
}

// dropSecrets deletes the Secrets of attestations no longer followed: the link Secret (when link)
// and the ids Secret (when status names it).
func (s *scope) dropSecrets(ctx context.Context, link bool) error {
	if link {
		if err := s.dropLink(ctx); err != nil {
			return err
		}
	}
	if s.ca.Status.AttestationIDsSecretRef == nil {
		return nil
	}
	return s.dropIDs(ctx)
}

// idLost reports a followed attestation whose id is gone: nothing can be learnt or relayed of it.
func (s *scope) idLost(a *v1alpha1.AttestationStatus) {
	s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonAttestationIDLost, "FollowAttestation",
		"The id of attestation %s is in neither Secret %s nor Secret %s of the operator's namespace (deleted or edited by hand): the operator can no longer learn whether the signatory accepted it, nor relay that acceptance, and stops following it",
		a.Handle, IDsSecretName(s.ca.UID), LinkSecretName(s.ca.UID))
}

// refresh reads one attestation and records its status and expiry as Partner Center gives them;
// it returns the acceptance link of the answer too, so that the link Secret is restored without
// a second read. Without a GET of attestations (or when Partner Center no longer knows one), the
// phase is the recorded word's, until the rules say the link expired by the clock.
func (s *scope) refresh(ctx context.Context, a *v1alpha1.AttestationStatus, ob *observation) (mca.AttestationPhase, string, error) {
	id, err := s.attestationID(ctx, a.Handle)
	if err != nil {
		return 0, "", err
	}
	got, err := s.pc.GetEnhancedAttestation(ctx, id)
	told := true
	switch {
	case pc.KindOf(err) == pc.KindNotSupported:
		ob.pollByCreate = true
		told = false
		got.Phase, _ = pc.AttestationPhaseOf(a.Status)
	case err != nil:
		return 0, "", err
	default:
		a.Status = bounded(got.Status, 256)
		if !got.ExpiresAt.IsZero() {
			a.ExpiresAt = statusTime(got.ExpiresAt)
		}
	}
	var expires time.Time
	if a.ExpiresAt != nil {
		expires = a.ExpiresAt.Time
	}
	var lifetime time.Duration
	if a.Lifetime != nil {
		lifetime = a.Lifetime.Duration
	}
	return mca.Phase(got.Phase, told, expires, lifetime, s.now), got.AcceptanceLink, nil
}

// ensureLink keeps the current attestation's link in its Secret: from Partner Center's answer to
// this poll's read (told), else built from the PartnerTenant's template.
func (s *scope) ensureLink(ctx context.Context, a *v1alpha1.AttestationStatus, told string, ob *observation) error {
	have, err := s.readLink(ctx)
	if err != nil {
		return err
	}
	if have != "" {
		a.LinkSecretRef = &v1alpha1.LocalObjectReference{Name: LinkSecretName(s.ca.UID)}
		return nil
	}
	id, err := s.attestationID(ctx, a.Handle)
	if err != nil {
		return err
	}
	link := told
	if link == "" {
		link = buildLink(s.linkTemplate(), id, s.ca.Spec.Language, s.ca.Spec.Country)
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
	if err := s.storeLink(ctx, link, id, expires); err != nil {
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
