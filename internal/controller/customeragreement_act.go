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
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file acts on a decision. Each write to Partner Center has one method here, with its
// idempotency key (idempotency.go); everything else turns the decision into an outcome.

func (s *scope) act(ctx context.Context, d mca.Decision, ob observation) *outcome {
	st := &s.ca.Status
	switch d.Action {
	case mca.ActCustomerClaimed:
		return stalled(v1alpha1.ReasonCustomerClaimed, s.claimedMessage(ob.claimedBy))
	case mca.ActAgreementNotVisible:
		c := st.CreatedAgreement
		return stalled(v1alpha1.ReasonAgreementNotVisible, "The operator created the agreement at "+c.CreatedAt.UTC().Format(time.RFC3339)+
			" (MS-RequestId "+c.RequestID+"), but Partner Center's reads have not shown it since. The operator does not attest again: check the customer's Account page in Partner Center, and delete status.createdAgreement only once you know no agreement exists.")
	case mca.ActNone:
		switch {
		case ob.standing.AcceptedBy == v1alpha1.AcceptedByCustomer:
			return ready(v1alpha1.ReasonAcceptedByCustomer, "The customer accepted the Microsoft Customer Agreement directly.")
		case st.CreatedAgreement != nil && !ob.createdSeen:
			return ready(v1alpha1.ReasonAgreementCreated, "The operator created the agreement; Partner Center's reads may take a while to show it.")
		}
		return ready(v1alpha1.ReasonAttested, "A partner attestation under the current terms is in place.")
	case mca.ActObserveOnly:
		return notReady(stateReason(ob.standing.State), stateMessage(ob.standing.State)+" "+d.Message)
	case mca.ActNotPermitted:
		o := stalled(v1alpha1.ReasonNotPermitted, stateMessage(ob.standing.State)+" "+d.Message)
		o.notPermitted = d.Message
		return o
	case mca.ActInviteCustomer:
		return awaiting(v1alpha1.ReasonAwaitingDirectAcceptance, d.Message)
	case mca.ActWaitDuplicate:
		return duplicate()
	case mca.ActInvalidSpec:
		return stalled(v1alpha1.ReasonInvalidSpec, d.Message)
	case mca.ActWaitForAttestations:
		return waitingFor(v1alpha1.ReasonTooManyAttestations, d.Message)
	case mca.ActLinkUnavailable:
		return s.linkUnavailable(ob.followed.current.Handle)
	case mca.ActAwaitCustomer:
		return s.awaitingAttestation()
	case mca.ActStartAttestation, mca.ActRenewAttestation:
		return s.startAttestation(ctx, d.Action == mca.ActRenewAttestation, ob)
	case mca.ActCreateFromAttestation:
		if a := ob.accepted; a != nil {
			return s.createFromAttestation(ctx, ob, a, true)
		}
		return s.createFromAttestation(ctx, ob, ob.followed.current, false)
	case mca.ActConfirmLegacy:
		return s.confirmLegacy(ctx)
	}
	return transient(v1alpha1.ReasonPartnerCenterError, "unknown action "+string(d.Action), fmt.Errorf("unknown action %q", d.Action))
}

// startAttestation starts an enhanced attestation for the current spec (a renewal when its link
// expired) and keeps its link in the link Secret. Idempotency key:
// startAttestationRequestID(partner, customer, intent, renewal).
func (s *scope) startAttestation(ctx context.Context, renew bool, ob observation) *outcome {
	intent := s.intent
	old := ob.followed.current
	renewals := int32(0)
	if renew && old != nil {
		renewals = old.Renewals + 1
	}
	lifetime := s.linkLifetime()
	req := s.attestationRequest()
	req.Lifetime = lifetime
	reqID := startAttestationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, intent, renewals)
	var held *outcome
	w := s.recordWrite(v1alpha1.ActStartAttestation, "")
	att, err := s.pc.StartEnhancedAttestation(ctx, req, pc.WithRequestID(reqID), s.checkedJustBefore(&held), w.option())
	if held != nil {
		return held
	}
	if w.failed != nil {
		return w.failed
	}
	w.complete(ctx, err, v1alpha1.AttestationHandle(att.AttestationID))
	if err != nil {
		return s.writeFailed(err)
	}
	if err := s.keepID(ctx, att.AttestationID); err != nil {
		// Status does not name the attestation yet: the next reconcile repeats the start with the
		// same MS-RequestId, and Partner Center answers with the same attestation.
		return transient(v1alpha1.ReasonPartnerCenterError, "Keeping the attestation id in Secret "+IDsSecretName(s.ca.UID)+" failed: "+err.Error(), err)
	}
	handle := v1alpha1.AttestationHandle(att.AttestationID)
	secret := LinkSecretName(s.ca.UID)
	f := followed{earlier: ob.followed.earlier}
	if renew && old != nil {
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonLinkExpired, "RenewAttestation",
			"The acceptance link of attestation %s expired before the customer accepted; started attestation %s, its link is in Secret %s", old.Handle, handle, secret)
		if ob.current.Phase != mca.PhaseExpired {
			// Renewed on our clock, not Partner Center's word: keep following the old one.
			kept := *old.DeepCopy()
			kept.LinkSecretRef = nil
			f.earlier = append(append([]v1alpha1.AttestationStatus(nil), f.earlier...), kept)
		}
	} else {
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAttestationStarted, "StartAttestation",
			"Started enhanced attestation %s; the signatory's acceptance link is in Secret %s of the operator's namespace", handle, secret)
	}
	expires := att.ExpiresAt
	if expires.IsZero() {
		// Partner Center named no expiry: the link lives as long as it was asked to.
		expires = s.now.Add(lifetime)
	}
	f.current = &v1alpha1.AttestationStatus{Handle: handle, Status: bounded(att.Status, 256),
		Intent: intent, Renewals: renewals, StartedAt: statusTime(s.now), ExpiresAt: statusTime(expires),
		Lifetime: &metav1.Duration{Duration: lifetime}}
	link := att.AcceptanceLink
	if link == "" {
		link = buildLink(s.linkTemplate(), att.AttestationID, s.ca.Spec.Language, s.ca.Spec.Country)
	}
	o := s.storedLink(ctx, link, att.AttestationID, f.current, expires)
	o.followed = &f
	return o
}

// storedLink keeps the link of an attestation just started in the link Secret, and says what the
// customer waits for.
func (s *scope) storedLink(ctx context.Context, link, id string, a *v1alpha1.AttestationStatus, expires time.Time) *outcome {
	if link == "" {
		return s.linkUnavailable(a.Handle)
	}
	if err := s.storeLink(ctx, link, id, expires); err != nil {
		// The attestation is recorded; the next reconcile stores its link.
		return transient(v1alpha1.ReasonPartnerCenterError, "Storing the acceptance link failed: "+err.Error(), err)
	}
	a.LinkSecretRef = &v1alpha1.LocalObjectReference{Name: LinkSecretName(s.ca.UID)}
	return s.awaitingAttestation()
}

// linkLifetime is the CustomerAgreement's link lifetime, else the PartnerTenant's, else 168h.
func (s *scope) linkLifetime() time.Duration {
	if a := s.ca.Spec.Attestation; a != nil && a.LinkLifetime != nil {
		return a.LinkLifetime.Duration
	}
	if a := s.pt.Spec.Attestation; a != nil && a.LinkLifetime != nil {
		return a.LinkLifetime.Duration
	}
	return pc.MaxLinkLifetime
}

// linkUnavailable: the attestation is out but nobody can reach its page.
func (s *scope) linkUnavailable(handle string) *outcome {
	o := stalled(v1alpha1.ReasonAcceptanceLinkUnavailable, fmt.Sprintf(
		"Partner Center's answer for attestation %s holds no acceptance link. Set spec.attestation.acceptanceURLTemplate of PartnerTenant %q (placeholders {attestationId}, {language}, {country}) to the parameterized link Microsoft provides; the operator keeps following the attestation.",
		handle, s.pt.Name))
	o.poll = true
	return o
}

// createFromAttestation relays an accepted attestation and creates the agreement; without a GET
// of attestations, it is also how an acceptance is learnt. Idempotency key:
// createFromAttestationRequestID(partner, customer, attestation id, refused attempts).
// a is one of the attestations ob follows: what Partner Center answers about it is recorded there.
func (s *scope) createFromAttestation(ctx context.Context, ob observation, a *v1alpha1.AttestationStatus, knownAccepted bool) *outcome {
	id, err := s.attestationID(ctx, a.Handle)
	if err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Reading the id of attestation "+a.Handle+" failed: "+err.Error(), err)
	}
	attempt := s.r.refusals.of(a)
	reqID := createFromAttestationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, id, attempt)
	opts := []pc.CallOption{pc.WithRequestID(reqID)}
	if !knownAccepted {
		opts = append(opts, pc.AsPoll("create/"+a.Handle))
	}
	var held *outcome
	w := s.recordWrite(v1alpha1.ActCreateAgreement, id)
	ag, err := s.pc.CreateAgreementFromAttestation(ctx, s.ca.Spec.CustomerTenantID, id, s.templateID, append(opts, s.checkedJustBefore(&held), w.option())...)
	if held != nil {
		return held
	}
	if w.failed != nil {
		return w.failed
	}
	w.complete(ctx, err, a.Handle)
	switch kind := pc.KindOf(err); {
	case err == nil:
	case kind == pc.KindAttestationNotAccepted:
		s.r.refusals.refused(a, attempt)
		return s.awaitingAttestation()
	case kind == pc.KindAttestationExpired:
		a.RefusedCreates = attempt + 1
		a.Status = pc.StatusExpired
		return transient(v1alpha1.ReasonLinkExpired, "The acceptance link of attestation "+a.Handle+" expired; a new one is started.", nil)
	case kind == pc.KindDuplicateSignatory:
		// This attestation can never become an agreement: stop following it.
		var o *outcome
		if a.Intent != s.intent {
			s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonDuplicateSignatory, "CreateAgreement",
				"Attestation %s, started for an earlier spec, was refused as a duplicate signatory (600061)", a.Handle)
			o = transient(v1alpha1.ReasonDuplicateSignatory, "An attestation started for an earlier spec was refused as a duplicate signatory (600061); continuing with the current spec.", nil)
		} else {
			o = s.writeFailed(err)
		}
		o.followed = ob.followed.without(a.Handle)
		return o
	case kind == pc.KindBadRequest || kind == pc.KindForbidden || kind == pc.KindNotFound || kind == pc.KindUnknown:
		if !knownAccepted {
			// A refusal outside the model while nobody knows whether the signatory accepted:
			// keep waiting; the link's expiry ends it.
			s.r.refusals.refused(a, attempt)
			return s.awaitingAttestation()
		}
		var pe *pc.Error
		if !errors.As(err, &pe) {
			return s.writeFailed(err)
		}
		return stalled(v1alpha1.ReasonAgreementCreationRefused, fmt.Sprintf(
			"The signatory accepted attestation %s, but Partner Center refused to create the agreement from it (HTTP %d, code %q: %s). Check the customer in Partner Center; the operator retries when the spec changes.",
			a.Handle, pe.StatusCode, pe.Code, pe.Message))
	default:
		return s.writeFailed(err)
	}
	if a.StartedAt != nil {
		metrics.AttestationDuration.WithLabelValues(s.pt.Name, string(v1alpha1.MethodPartnerAttestation)).Observe(s.now.Sub(a.StartedAt.Time).Seconds())
	}
	o := s.created(ag, reqID, v1alpha1.MethodPartnerAttestation, a.Handle,
		"The signatory accepted; relayed the acceptance and created the agreement (attestation "+a.Handle+")")
	o.followed = &followed{}
	if err := s.dropSecrets(ctx, ob.followed.current != nil); err != nil {
		// Keep following the attestations whose Secrets are left: the next reconcile, which finds
		// the customer attested, deletes them.
		o.followed = ob.followed
		logf.FromContext(ctx).Error(err, "deleting the attestation Secrets after the agreement was created")
	}
	return o
}

// confirmLegacy makes the legacy confirmation (retired by Microsoft on 5 January 2026).
// Idempotency key: legacyConfirmationRequestID(partner, customer, signatory, dateAgreed).
func (s *scope) confirmLegacy(ctx context.Context) *outcome {
	sg := s.ca.Spec.Signatory
	date := s.ca.Spec.DateAgreed.Time
	reqID := legacyConfirmationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, sg, date)
	var held *outcome
	w := s.recordWrite(v1alpha1.ActLegacyConfirmation, "")
	ag, err := s.pc.CreateLegacyAgreement(ctx, s.ca.Spec.CustomerTenantID, pc.Contact(contactOf(sg)), s.templateID, date, pc.WithRequestID(reqID), s.checkedJustBefore(&held), w.option())
	if held != nil {
		return held
	}
	if w.failed != nil {
		return w.failed
	}
	w.complete(ctx, err, "")
	if kind := pc.KindOf(err); kind == pc.KindBadRequest || kind == pc.KindForbidden || kind == pc.KindUnknown {
		var pe *pc.Error
		if errors.As(err, &pe) && pe.Code != "600002" {
			return stalled(v1alpha1.ReasonLegacyConfirmationRefused, fmt.Sprintf(
				"Partner Center refused the legacy confirmation (HTTP %d, code %q: %s). Microsoft retired the legacy attestation on 5 January 2026: set spec.method: PartnerAttestation to have the signatory accept on Microsoft's page.",
				pe.StatusCode, pe.Code, pe.Message))
		}
	}
	if err != nil {
		return s.writeFailed(err)
	}
	return s.created(ag, reqID, v1alpha1.MethodLegacyConfirmation, "", "Confirmed the customer's acceptance (legacy confirmation)")
}

// refusalCounter counts the create attempts Partner Center refused because the signatory had not
// accepted yet. Each attempt after a refusal needs a new request id (Partner Center replays the
// answer of a repeated one), but writing the count into status at every poll would cost a status
// write per poll when polling is by create. The count lives here and reaches status every
// refusalPersistEvery refusals: after a restart the first attempts replay at most that many old
// refusals (no legal act; each is one poll) before a fresh request id.
type refusalCounter struct{ m sync.Map }

const refusalPersistEvery = 10

// of is the number of refusals known for a: in memory, or as status last recorded it.
func (c *refusalCounter) of(a *v1alpha1.AttestationStatus) int32 {
	if v, ok := c.m.Load(a.Handle); ok {
		return max(v.(int32), a.RefusedCreates)
	}
	return a.RefusedCreates
}

// refused records the refusal of attempt, and writes the count into a every few refusals (a is
// one of the attestations the observation followed, which project records in status).
func (c *refusalCounter) refused(a *v1alpha1.AttestationStatus, attempt int32) {
	n := attempt + 1
	c.m.Store(a.Handle, n)
	if n-a.RefusedCreates >= refusalPersistEvery {
		a.RefusedCreates = n
	}
}

// without returns a copy of f that no longer follows the attestation named handle.
func (f *followed) without(handle string) *followed {
	c := &followed{}
	if f.current != nil && f.current.Handle != handle {
		c.current = f.current.DeepCopy()
	}
	for i := range f.earlier {
		if f.earlier[i].Handle != handle {
			c.earlier = append(c.earlier, *f.earlier[i].DeepCopy())
		}
	}
	return c
}

func (s *scope) attestationRequest() pc.EnhancedAttestationRequest {
	spec := s.ca.Spec
	req := pc.EnhancedAttestationRequest{CompanyName: spec.CompanyName, Country: spec.Country, Language: spec.Language}
	if sg := spec.Signatory; sg != nil {
		req.SignatoryFirstName, req.SignatoryLastName, req.SignatoryEmail, req.SignatoryPhoneNumber = sg.FirstName, sg.LastName, sg.Email, sg.PhoneNumber
	}
	return req
}

// created reports an agreement this operator created; it is trusted from now on.
func (s *scope) created(ag pc.Agreement, reqID string, method v1alpha1.AcceptanceMethod, attestationHandle, what string) *outcome {
	date := ag.DateAgreed
	if date.IsZero() {
		date = s.now
	}
	c := mca.Contact(ag.PrimaryContact)
	if c == (mca.Contact{}) {
		c = contactOf(s.ca.Spec.Signatory)
	}
	s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAgreementCreated, "CreateAgreement",
		"%s; Microsoft emails the signatory within 30 minutes", what)
	o := ready(v1alpha1.ReasonAgreementCreated, "The operator created the agreement; Partner Center's reads may take a while to show it.")
	o.created = &createdAgreement{signatory: c, dateAgreed: date, record: v1alpha1.CreatedAgreement{RequestID: reqID, DateAgreed: *statusTime(date),
		CreatedAt: *statusTime(s.now), Method: method, AttestationHandle: attestationHandle}}
	return o
}

func (s *scope) awaitingAttestation() *outcome {
	who := "the customer's signatory"
	if sg := s.ca.Spec.Signatory; sg != nil {
		who = sg.FirstName + " " + sg.LastName
	}
	o := awaiting(v1alpha1.ReasonAwaitingCustomer, fmt.Sprintf(
		"Waiting for %s to accept the Microsoft Customer Agreement: the acceptance link is in the Secret named by status.attestation.linkSecretRef, in the operator's namespace (it expires at status.attestation.expiresAt; a new one is started when Partner Center says it expired).", who))
	o.poll = true
	return o
}

// writeFailed handles an error of a write: a duplicate signatory is remembered (by a hash of
// it) and stalls until spec.signatory changes; anything else is handled like any other failure.
func (s *scope) writeFailed(err error) *outcome {
	if pc.KindOf(err) == pc.KindDuplicateSignatory {
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonDuplicateSignatory, "CreateAgreement", "%s", mca.DuplicateMessage)
		o := duplicate()
		o.refusedSignatory = refusedSignatoryKey(s.ca.Spec.Method, s.ca.Spec.Signatory)
		return o
	}
	return s.failed(err)
}

func contactOf(sg *v1alpha1.Signatory) mca.Contact {
	if sg == nil {
		return mca.Contact{}
	}
	return mca.Contact{FirstName: sg.FirstName, LastName: sg.LastName, Email: sg.Email, PhoneNumber: sg.PhoneNumber}
}
