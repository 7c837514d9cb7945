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
	"fmt"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Action is what the operator does next for one customer.
type Action string

const (
	// ActNone: acceptance is in place; nothing to do until the next resync.
	ActNone Action = "None"
	// ActObserveOnly: managementPolicy Observe; report only.
	ActObserveOnly Action = "ObserveOnly"
	// ActNotPermitted: the partner may not attest (indirect reseller).
	ActNotPermitted Action = "NotPermitted"
	// ActInviteCustomer: method CustomerDirect; publish the admin-center invitation and watch.
	ActInviteCustomer Action = "InviteCustomer"
	// ActWaitDuplicate: Partner Center refused this spec as a duplicate signatory; wait for a change.
	ActWaitDuplicate Action = "WaitDuplicate"
	// ActInvalidSpec: the spec cannot be acted on; the message says why.
	ActInvalidSpec Action = "InvalidSpec"
	// ActConfirmLegacy: create the agreement through the legacy confirmation.
	ActConfirmLegacy Action = "ConfirmLegacy"
	// ActStartAttestation: start an enhanced attestation for the current spec.
	ActStartAttestation Action = "StartAttestation"
	// ActRenewAttestation: the acceptance link expired; start a new attestation.
	ActRenewAttestation Action = "RenewAttestation"
	// ActAwaitCustomer: the link is out; wait for the signatory to accept.
	ActAwaitCustomer Action = "AwaitCustomer"
	// ActCreateFromAttestation: the signatory accepted; relay it and create the agreement.
	ActCreateFromAttestation Action = "CreateFromAttestation"
	// ActWaitForAttestations: too many links that may still be accepted are out; start no other.
	ActWaitForAttestations Action = "WaitForAttestations"
	// ActLinkUnavailable: the link is out but the operator holds none to hand on; wait and say so.
	ActLinkUnavailable Action = "LinkUnavailable"
	// ActCustomerClaimed: another CustomerAgreement owns the customer; this one neither reads nor
	// writes Partner Center.
	ActCustomerClaimed Action = "CustomerClaimed"
	// ActAgreementNotVisible: the agreement the operator created has not shown in Partner Center's
	// reads for long; attest no more, and have a person check.
	ActAgreementNotVisible Action = "AgreementNotVisible"
)

// CreatedAgreementTrust bounds how long an agreement this operator created is trusted silently
// while Partner Center's reads do not show it; past it, the customer is reported for a person to
// check (and still nothing is written: attesting again could make a second agreement).
const CreatedAgreementTrust = 24 * time.Hour

// MaxAttestationsInFlight bounds the attestations followed for one customer.
const MaxAttestationsInFlight = 16

// InFlight is an enhanced attestation started for the current spec.
type InFlight struct {
	Phase     AttestationPhase
	ExpiresAt time.Time
}

// Situation is everything the decision needs, already observed.
type Situation struct {
	Standing         Standing
	ManagementPolicy v1alpha1.ManagementPolicy
	Method           v1alpha1.AcceptanceMethod
	PartnerType      v1alpha1.PartnerType
	HasSignatory     bool
	// DateAgreed is spec.dateAgreed (LegacyConfirmation).
	DateAgreed *time.Time
	// Attestation is the enhanced attestation in flight for the current spec, if any.
	Attestation *InFlight
	// AcceptedAttestation is true when any attestation the operator follows (for this spec or an
	// earlier one) was accepted by the signatory: it is turned into the agreement.
	AcceptedAttestation bool
	// PollByCreate: Partner Center does not serve the GET of an attestation, so an acceptance is
	// learnt by attempting the create.
	PollByCreate bool
	// AttestationsInFlight counts the attestations followed whose links may still be accepted.
	AttestationsInFlight int
	// DuplicateRefused is true when Partner Center refused the current signatory with 600061.
	DuplicateRefused bool
	// LinkMissing: the current attestation has no link the operator could keep (Partner Center
	// gave none and no template is configured).
	LinkMissing bool
	// ClaimedBy names the CustomerAgreement that owns the customer when it is another one (see
	// Owner); nothing else of the situation is observed then.
	ClaimedBy string
	// CreatedUnseenSince is when the operator created the agreement that Partner Center's reads
	// do not show yet (zero: none such).
	CreatedUnseenSince time.Time
	Now                time.Time
}

// Decision is the next action and, where the action stops, a message a person can act on.
type Decision struct {
	Action  Action
	Message string
}

// Decide picks the next action. It writes to Partner Center only under Manage, only when the
// customer is not Attested, and only when the partner may attest. An acceptance the signatory
// gave is always completed, whatever the spec says now.
func (p Policy) Decide(s Situation) Decision {
	if s.ClaimedBy != "" {
		return Decision{Action: ActCustomerClaimed}
	}
	if s.Standing.State == v1alpha1.StateAttested {
		if !s.CreatedUnseenSince.IsZero() && s.Now.Sub(s.CreatedUnseenSince) > CreatedAgreementTrust {
			return Decision{Action: ActAgreementNotVisible}
		}
		return Decision{Action: ActNone}
	}
	if s.AcceptedAttestation && s.ManagementPolicy == v1alpha1.ManagementPolicyManage && MayAttest(s.PartnerType) {
		return Decision{Action: ActCreateFromAttestation}
	}
	if s.Method == v1alpha1.MethodCustomerDirect {
		return Decision{Action: ActInviteCustomer, Message: fmt.Sprintf(
			"The customer has not accepted the Microsoft Customer Agreement. Send the customer's admin the invitation %s to accept it in the Microsoft 365 admin center.", InvitationURL)}
	}
	if s.ManagementPolicy == v1alpha1.ManagementPolicyObserve {
		return Decision{Action: ActObserveOnly, Message: "managementPolicy is Observe: the operator reports but never writes to Partner Center. Set managementPolicy: Manage to let it attest."}
	}
	if !MayAttest(s.PartnerType) {
		return Decision{Action: ActNotPermitted, Message: fmt.Sprintf(
			"Partner type %s may not attest the Microsoft Customer Agreement: ask your indirect provider to attest for this customer, or set method: CustomerDirect to invite the customer to accept in the Microsoft 365 admin center.", s.PartnerType)}
	}
	if s.DuplicateRefused {
		return Decision{Action: ActWaitDuplicate, Message: DuplicateMessage}
	}
	if !s.HasSignatory {
		return Decision{Action: ActInvalidSpec, Message: "spec.signatory is required to attest: name the customer's authorised signatory."}
	}
	switch s.Method {
	case v1alpha1.MethodLegacyConfirmation:
		if s.DateAgreed == nil {
			return Decision{Action: ActInvalidSpec, Message: "spec.dateAgreed is required for method LegacyConfirmation: give the date the customer accepted."}
		}
		if s.DateAgreed.After(s.Now) {
			return Decision{Action: ActInvalidSpec, Message: fmt.Sprintf(
				"spec.dateAgreed %s lies in the future; Partner Center refuses it. Give the date the customer actually accepted.", s.DateAgreed.UTC().Format(time.RFC3339))}
		}
		if s.DateAgreed.Before(p.ReattestationCutoff) {
			return Decision{Action: ActInvalidSpec, Message: fmt.Sprintf(
				"spec.dateAgreed %s predates %s, so the confirmation would not count as acceptance of the current terms. Use the date the customer accepted the current MCA.",
				s.DateAgreed.UTC().Format("2006-01-02"), p.ReattestationCutoff.Format("2006-01-02"))}
		}
		return Decision{Action: ActConfirmLegacy}
	default: // PartnerAttestation
		a := s.Attestation
		switch {
		case a != nil && a.Phase == PhaseAccepted:
			return Decision{Action: ActCreateFromAttestation}
		case a != nil && a.Phase == PhaseAwaitingCustomer && !LinkExpired(a.ExpiresAt, RenewalGrace, s.Now):
			if s.PollByCreate {
				return Decision{Action: ActCreateFromAttestation}
			}
			if s.LinkMissing {
				return Decision{Action: ActLinkUnavailable}
			}
			return Decision{Action: ActAwaitCustomer}
		case s.AttestationsInFlight >= MaxAttestationsInFlight:
			return Decision{Action: ActWaitForAttestations, Message: fmt.Sprintf(
				"%d acceptance links for this customer may still be accepted; the operator starts no other until some expire or one is accepted.", s.AttestationsInFlight)}
		case a == nil:
			return Decision{Action: ActStartAttestation}
		default:
			return Decision{Action: ActRenewAttestation}
		}
	}
}

// DuplicateMessage tells a person what to do about Partner Center code 600061.
const DuplicateMessage = "Partner Center already holds an attestation with exactly these contact details (code 600061). Use another authorised signatory, or change the signatory's email address or phone number in spec.signatory; the operator retries once the spec changes."
