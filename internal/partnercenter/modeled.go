package partnercenter

// This file holds every shape the contract marks as *modeled*: Microsoft's
// public material does not show them in full. Confirming them against the
// integration sandbox should change this file only.

import (
	"encoding/json"
	"net/url"
	"time"
)

// Enhanced attestation statuses (modeled).
const (
	StatusLinkGenerated    = "LinkGenerated"
	StatusCustomerAccepted = "CustomerAccepted"
	StatusExpired          = "Expired"
	StatusAgreementCreated = "AgreementCreated"
)

// Modeled codes and error names.
const (
	// CodeAttestationNotAccepted answers a create-from-attestation before the
	// customer accepted (modeled: 400, errorName AttestationNotAccepted).
	CodeAttestationNotAccepted      = "600062"
	ErrorNameAttestationNotAccepted = "AttestationNotAccepted"
)

// Modeled paths of the enhanced attestation flow (§4.1).
func pathEnhancedAttestations() string { return "/v1/attestations/enhanced" }
func pathEnhancedAttestation(id string) string {
	return "/v1/attestations/enhanced/" + url.PathEscape(id)
}

// enhancedAttestationWire is the modeled body of the start request and of the
// start/get answers (§4.1 steps 1 and 2).
type enhancedAttestationWire struct {
	AttestationID        string    `json:"attestationId,omitempty"`
	Status               string    `json:"status,omitempty"`
	AcceptanceLink       string    `json:"acceptanceLink,omitempty"`
	ExpiresAt            *wireTime `json:"expiresAt,omitempty"`
	AcceptedAt           *wireTime `json:"acceptedAt,omitempty"`
	CompanyName          string    `json:"companyName"`
	Country              string    `json:"country"`
	Language             string    `json:"language"`
	SignatoryFirstName   string    `json:"signatoryFirstName"`
	SignatoryLastName    string    `json:"signatoryLastName"`
	SignatoryEmail       string    `json:"signatoryEmail"`
	SignatoryPhoneNumber string    `json:"signatoryPhoneNumber"`
}

func enhancedRequestBody(r EnhancedAttestationRequest) enhancedAttestationWire {
	return enhancedAttestationWire{
		CompanyName: r.CompanyName, Country: r.Country, Language: r.Language,
		SignatoryFirstName: r.SignatoryFirstName, SignatoryLastName: r.SignatoryLastName,
		SignatoryEmail: r.SignatoryEmail, SignatoryPhoneNumber: r.SignatoryPhoneNumber,
	}
}

func decodeEnhancedAttestation(b []byte) (EnhancedAttestation, error) {
	var w enhancedAttestationWire
	if err := json.Unmarshal(b, &w); err != nil {
		return EnhancedAttestation{}, err
	}
	return EnhancedAttestation{
		AttestationID:  w.AttestationID,
		Status:         w.Status,
		AcceptanceLink: w.AcceptanceLink,
		ExpiresAt:      w.ExpiresAt.time(),
		AcceptedAt:     w.AcceptedAt.time(),
		EnhancedAttestationRequest: EnhancedAttestationRequest{
			CompanyName: w.CompanyName, Country: w.Country, Language: w.Language,
			SignatoryFirstName: w.SignatoryFirstName, SignatoryLastName: w.SignatoryLastName,
			SignatoryEmail: w.SignatoryEmail, SignatoryPhoneNumber: w.SignatoryPhoneNumber,
		},
	}, nil
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
