package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

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
	case mca.ActNone:
		switch {
		case ob.standing.AcceptedBy == v1alpha1.AcceptedByCustomer:
			return ready(v1alpha1.ReasonAcceptedByCustomer, "The customer accepted the Microsoft Customer Agreement directly.")
		case st.CreatedAgreement != nil:
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
	case mca.ActAwaitCustomer:
		return s.awaitingAttestation()
	case mca.ActStartAttestation, mca.ActRenewAttestation:
		return s.startAttestation(ctx, d.Action == mca.ActRenewAttestation)
	case mca.ActCreateFromAttestation:
		a := ob.accepted
		if a == nil {
			a = st.Attestation
		}
		return s.createFromAttestation(ctx, a)
	case mca.ActConfirmLegacy:
		return s.confirmLegacy(ctx)
	}
	return transient(v1alpha1.ReasonPartnerCenterError, "unknown action "+string(d.Action), fmt.Errorf("unknown action %q", d.Action))
}

// startAttestation starts an enhanced attestation for the current spec (a renewal when its link
// expired). Idempotency key: startAttestationRequestID(partner, customer, intent, renewal).
func (s *scope) startAttestation(ctx context.Context, renew bool) *outcome {
	st := &s.ca.Status
	intent := attestationIntent(s.pt.Spec.TenantID, s.ca.Spec)
	renewals := int32(0)
	if renew && st.Attestation != nil {
		renewals = st.Attestation.Renewals + 1
	}
	req := s.attestationRequest()
	reqID := startAttestationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, intent, renewals)
	att, err := s.pc.StartEnhancedAttestation(ctx, req, pc.WithRequestID(reqID))
	if err != nil {
		return s.writeFailed(err)
	}
	if old := st.Attestation; renew && old != nil {
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonLinkExpired, "RenewAttestation",
			"The acceptance link of attestation %s expired before the customer accepted; started attestation %s", old.ID, att.AttestationID)
		if attestationPhase(old.Status) != mca.PhaseExpired {
			// Renewed on our clock, not Partner Center's word: keep following the old one.
			st.EarlierAttestations = append(st.EarlierAttestations, *old)
		}
	} else {
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAttestationStarted, "StartAttestation",
			"Started enhanced attestation %s; the signatory accepts at the link in status.attestation.acceptanceLink", att.AttestationID)
	}
	st.Attestation = &v1alpha1.AttestationStatus{ID: bounded(att.AttestationID, 256), Status: bounded(att.Status, 256),
		Intent: intent, Renewals: renewals, StartedAt: statusTime(s.now)}
	if !att.ExpiresAt.IsZero() {
		st.Attestation.ExpiresAt = statusTime(att.ExpiresAt)
	}
	o := s.awaitingAttestation()
	o.wrote = true
	return o
}

// createFromAttestation relays an accepted attestation and creates the agreement. Idempotency
// key: createFromAttestationRequestID(partner, customer, attestation id, refused attempts).
func (s *scope) createFromAttestation(ctx context.Context, a *v1alpha1.AttestationStatus) *outcome {
	reqID := createFromAttestationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, a.ID, a.RefusedCreates)
	ag, err := s.pc.CreateAgreementFromAttestation(ctx, s.ca.Spec.CustomerTenantID, a.ID, s.templateID, pc.WithRequestID(reqID))
	switch pc.KindOf(err) {
	case pc.KindAttestationNotAccepted:
		a.RefusedCreates++
		return s.awaitingAttestation()
	case pc.KindDuplicateSignatory:
		// This attestation can never become an agreement: stop following it.
		s.forget(a.ID)
		if a.Intent != attestationIntent(s.pt.Spec.TenantID, s.ca.Spec) {
			s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonDuplicateSignatory, "CreateAgreement",
				"Attestation %s, started for an earlier spec, was refused as a duplicate signatory (600061)", a.ID)
			return transient(v1alpha1.ReasonDuplicateSignatory, "An attestation started for an earlier spec was refused as a duplicate signatory (600061); continuing with the current spec.", nil)
		}
	}
	if err != nil {
		return s.writeFailed(err)
	}
	if a.StartedAt != nil {
		metrics.AttestationDuration.WithLabelValues(s.pt.Name, string(v1alpha1.MethodPartnerAttestation)).Observe(s.now.Sub(a.StartedAt.Time).Seconds())
	}
	id := a.ID
	s.ca.Status.Attestation, s.ca.Status.EarlierAttestations = nil, nil
	return s.created(ag, reqID, v1alpha1.MethodPartnerAttestation, id,
		"The signatory accepted; relayed the acceptance and created the agreement (attestation "+id+")")
}

// confirmLegacy makes the legacy confirmation. Idempotency key:
// legacyConfirmationRequestID(partner, customer, signatory, dateAgreed).
func (s *scope) confirmLegacy(ctx context.Context) *outcome {
	sg := s.ca.Spec.Signatory
	date := s.ca.Spec.DateAgreed.Time
	reqID := legacyConfirmationRequestID(s.pt.Spec.TenantID, s.ca.Spec.CustomerTenantID, sg, date)
	ag, err := s.pc.CreateLegacyAgreement(ctx, s.ca.Spec.CustomerTenantID, pc.Contact(contactOf(sg)), s.templateID, date, pc.WithRequestID(reqID))
	if err != nil {
		return s.writeFailed(err)
	}
	return s.created(ag, reqID, v1alpha1.MethodLegacyConfirmation, "", "Confirmed the customer's acceptance (legacy confirmation)")
}

// forget stops following an attestation.
func (s *scope) forget(id string) {
	st := &s.ca.Status
	if st.Attestation != nil && st.Attestation.ID == id {
		st.Attestation = nil
	}
	var kept []v1alpha1.AttestationStatus
	for _, a := range st.EarlierAttestations {
		if a.ID != id {
			kept = append(kept, a)
		}
	}
	st.EarlierAttestations = kept
}

func (s *scope) attestationRequest() pc.EnhancedAttestationRequest {
	spec := s.ca.Spec
	req := pc.EnhancedAttestationRequest{CompanyName: spec.CompanyName, Country: spec.Country, Language: spec.Language}
	if sg := spec.Signatory; sg != nil {
		req.SignatoryFirstName, req.SignatoryLastName, req.SignatoryEmail, req.SignatoryPhoneNumber = sg.FirstName, sg.LastName, sg.Email, sg.PhoneNumber
	}
	return req
}

// created records an agreement this operator created and trusts it from now on.
func (s *scope) created(ag pc.Agreement, reqID string, method v1alpha1.AcceptanceMethod, attestationID, what string) *outcome {
	st := &s.ca.Status
	date := ag.DateAgreed
	if date.IsZero() {
		date = s.now
	}
	c := mca.Contact(ag.PrimaryContact)
	if c == (mca.Contact{}) {
		c = contactOf(s.ca.Spec.Signatory)
	}
	st.CreatedAgreement = &v1alpha1.CreatedAgreement{RequestID: reqID, DateAgreed: *statusTime(date), CreatedAt: *statusTime(s.now), Method: method, AttestationID: bounded(attestationID, 256)}
	st.State, st.AcceptedBy = v1alpha1.StateAttested, v1alpha1.AcceptedByPartner
	st.Signatory = recordedContact(c)
	st.DateAgreed = statusTime(date)
	st.InvitationURL = ""
	st.RefusedSignatory = ""
	st.CustomerNoticeExpectedBy = statusTime(s.now.Add(mca.CustomerNoticeDelay))
	s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAgreementCreated, "CreateAgreement",
		"%s; Microsoft emails the signatory within 30 minutes", what)
	o := ready(v1alpha1.ReasonAgreementCreated, "The operator created the agreement; Partner Center's reads may take a while to show it.")
	o.wrote = true
	return o
}

func (s *scope) awaitingAttestation() *outcome {
	who := "the customer's signatory"
	if sg := s.ca.Spec.Signatory; sg != nil {
		who = sg.FirstName + " " + sg.LastName
	}
	o := awaiting(v1alpha1.ReasonAwaitingCustomer, fmt.Sprintf(
		"Waiting for %s to accept the Microsoft Customer Agreement: send them the link in status.attestation.acceptanceLink (it expires at status.attestation.expiresAt; a new one is started when Partner Center says it expired).", who))
	o.poll = true
	return o
}

// writeFailed handles an error of a write: a duplicate signatory is remembered (by a hash of
// it) and stalls until spec.signatory changes; anything else is handled like any other failure.
func (s *scope) writeFailed(err error) *outcome {
	if pc.KindOf(err) == pc.KindDuplicateSignatory {
		s.ca.Status.RefusedSignatory = refusedSignatoryKey(s.ca.Spec.Method, s.ca.Spec.Signatory)
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonDuplicateSignatory, "CreateAgreement", "%s", mca.DuplicateMessage)
		return duplicate()
	}
	return s.failed(err)
}

func contactOf(sg *v1alpha1.Signatory) mca.Contact {
	if sg == nil {
		return mca.Contact{}
	}
	return mca.Contact{FirstName: sg.FirstName, LastName: sg.LastName, Email: sg.Email, PhoneNumber: sg.PhoneNumber}
}
