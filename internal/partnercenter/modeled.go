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

package partnercenter

// This file holds every shape the contract marks as *modeled*: Microsoft's
// public material does not show them in full. Confirming them against the
// integration sandbox should change this file only.

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// Enhanced attestation statuses (modeled), as the client reports them: every spelling Partner
// Center may use is mapped to one of these by NormalizeAttestationStatus.
const (
	StatusLinkGenerated    = "LinkGenerated"
	StatusCustomerAccepted = "CustomerAccepted"
	StatusExpired          = "Expired"
	StatusAgreementCreated = "AgreementCreated"
)

// NormalizeAttestationStatus maps a status word in any case and in the integrators' spellings
// (linkgenerated, customeraccepted, linkexpired, agreementcreated, required) to the client's
// words. known is false for a word outside the model: the caller keeps waiting.
func NormalizeAttestationStatus(word string) (status string, known bool) {
	w := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.TrimSpace(word)))
	switch w {
	case "linkgenerated", "required":
		return StatusLinkGenerated, true
	case "customeraccepted", "accepted":
		return StatusCustomerAccepted, true
	case "expired", "linkexpired":
		return StatusExpired, true
	case "agreementcreated":
		return StatusAgreementCreated, true
	}
	return word, false
}

// AttestationPhaseOf gives the rules' phase of a status word, in any spelling. An attestation
// whose agreement was already created is Accepted: creating again with the same request id is
// answered idempotently. A word outside the model waits (known is false).
func AttestationPhaseOf(word string) (phase mca.AttestationPhase, known bool) {
	status, known := NormalizeAttestationStatus(word)
	switch status {
	case StatusCustomerAccepted, StatusAgreementCreated:
		return mca.PhaseAccepted, known
	case StatusExpired:
		return mca.PhaseExpired, known
	default:
		return mca.PhaseAwaitingCustomer, known
	}
}

// Modeled codes and error names.
const (
	// CodeAttestationNotAccepted answers a create-from-attestation before the
	// customer accepted (modeled: 400, errorName AttestationNotAccepted).
	CodeAttestationNotAccepted      = "600062"
	ErrorNameAttestationNotAccepted = "AttestationNotAccepted"
	// CodeAttestationExpired answers a create-from-attestation whose link
	// expired (modeled: 400, errorName AttestationExpired).
	CodeAttestationExpired      = "600063"
	ErrorNameAttestationExpired = "AttestationExpired"
)

// Modeled paths of the enhanced attestation flow (§4.1).
func pathEnhancedAttestations() string { return "/v1/attestations/enhanced" }
func pathEnhancedAttestation(id string) string {
	return "/v1/attestations/enhanced/" + url.PathEscape(id)
}

// enhancedStartWire is the start request's body (§4.1 step 1): the documented fields, the
// modeled names of email and phone, and the link lifetime in whole minutes. An empty phone
// number is omitted, not sent as "".
type enhancedStartWire struct {
	CompanyName          string `json:"companyName"`
	Country              string `json:"country"`
	Language             string `json:"language"`
	SignatoryFirstName   string `json:"signatoryFirstName"`
	SignatoryLastName    string `json:"signatoryLastName"`
	SignatoryEmail       string `json:"signatoryEmail"`
	SignatoryPhoneNumber string `json:"signatoryPhoneNumber,omitempty"`
	ExpirationTime       int    `json:"expirationTime,omitempty"`
}

// Link lifetimes Partner Center takes, in whole minutes (§4.1).
const (
	MinLinkLifetime = 5 * time.Minute
	MaxLinkLifetime = 10080 * time.Minute
)

func enhancedRequestBody(r EnhancedAttestationRequest) enhancedStartWire {
	w := enhancedStartWire{
		CompanyName: r.CompanyName, Country: r.Country, Language: r.Language,
		SignatoryFirstName: r.SignatoryFirstName, SignatoryLastName: r.SignatoryLastName,
		SignatoryEmail: r.SignatoryEmail, SignatoryPhoneNumber: strings.TrimSpace(r.SignatoryPhoneNumber),
	}
	if r.Lifetime > 0 {
		w.ExpirationTime = int(min(max(r.Lifetime, MinLinkLifetime), MaxLinkLifetime) / time.Minute)
	}
	return w
}

// enhancedAnswerWire is the modeled answer of start and get (§4.1 steps 1 and 2). The answer
// need not echo the request. The expiry comes under one of three names, or not at all;
// expirationTime may be a timestamp or (as in the request) a number of minutes, which says
// nothing about when the link expires and is ignored.
type enhancedAnswerWire struct {
	AttestationID      string          `json:"attestationId"`
	Status             string          `json:"status"`
	AcceptanceLink     string          `json:"acceptanceLink"`
	ExpiresAt          *wireTime       `json:"expiresAt"`
	ExpirationDateTime *wireTime       `json:"expirationDateTime"`
	ExpirationTime     json.RawMessage `json:"expirationTime"`
	AcceptedAt         *wireTime       `json:"acceptedAt"`
}

func decodeEnhancedAttestation(b []byte) (EnhancedAttestation, error) {
	var w enhancedAnswerWire
	if err := json.Unmarshal(b, &w); err != nil {
		return EnhancedAttestation{}, err
	}
	a := EnhancedAttestation{
		AttestationID:  w.AttestationID,
		RawStatus:      w.Status,
		AcceptanceLink: w.AcceptanceLink,
		ExpiresAt:      w.ExpiresAt.time(),
		AcceptedAt:     w.AcceptedAt.time(),
	}
	a.Status, a.StatusKnown = NormalizeAttestationStatus(w.Status)
	a.Phase, _ = AttestationPhaseOf(w.Status)
	if a.ExpiresAt.IsZero() {
		a.ExpiresAt = w.ExpirationDateTime.time()
	}
	if a.ExpiresAt.IsZero() && len(w.ExpirationTime) > 0 && w.ExpirationTime[0] == '"' {
		var t wireTime
		if json.Unmarshal(w.ExpirationTime, &t) == nil {
			a.ExpiresAt = t.time()
		}
	}
	return a, nil
}

// createFromAttestationBody is the modeled body of §4.1 step 3
// (POST /v1/customers/{id}/agreements with an attestation id).
type createFromAttestationBody struct {
	AttestationID string `json:"attestationId"`
	TemplateID    string `json:"templateId"`
	Type          string `json:"type"`
}

// formatWireTime is how the client writes timestamps (documented example:
// "2026-11-20T00:00:00Z").
func formatWireTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The activity log (§7a). Documented: the resource type "agreement" and, in the published list of
// 2021, the operation create_agreement. Modeled: that creating an agreement from an enhanced
// attestation and the legacy confirmation both log create_agreement, that starting an enhanced
// attestation logs start_enhanced_attestation without a customer (its request names none), that
// a write logs one entry when Partner Center carries it out (operationStatus succeeded; a replay
// of the same MS-RequestId logs none), and that originalCorrelationId echoes the call's
// MS-CorrelationId (audit reconcile falls back on the customer and the time where it does not).
const (
	AuditResourceTypeAgreement     = "agreement"
	AuditOperationCreateAgreement  = "create_agreement"
	AuditOperationStartAttestation = "start_enhanced_attestation"
	AuditOperationStatusSucceeded  = "succeeded"
)

// AuditActOf is the act an activity log entry records, if it is one an AttestationRecord records:
// an agreement resource and a modeled operation, carried out (operation type and status in any
// case).
func AuditActOf(r AuditRecord) (act v1alpha1.RecordAct, ok bool) {
	if !strings.EqualFold(r.ResourceType, AuditResourceTypeAgreement) || !strings.EqualFold(r.OperationStatus, AuditOperationStatusSucceeded) {
		return "", false
	}
	switch strings.ToLower(r.OperationType) {
	case AuditOperationCreateAgreement:
		return v1alpha1.ActCreateAgreement, true
	case AuditOperationStartAttestation:
		return v1alpha1.ActStartAttestation, true
	}
	return "", false
}
