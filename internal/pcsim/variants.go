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

package pcsim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Values of WireVariants.AttestationGet.
const (
	AttestationGetServed = ""    // GET /v1/attestations/enhanced/{id} is served
	AttestationGet404    = "404" // every such GET answers 404, as if the endpoint did not exist
	AttestationGet405    = "405" // every such GET answers 405 with "Allow: POST"
)

// Values of WireVariants.StatusWords.
const (
	StatusWordsDefault    = ""           // LinkGenerated, CustomerAccepted, Expired, AgreementCreated
	StatusWordsLower      = "lower"      // linkgenerated, customeraccepted, expired, agreementcreated
	StatusWordsIntegrator = "integrator" // linkgenerated, customeraccepted, linkexpired, agreementcreated
	StatusWordsUpper      = "upper"      // LINKGENERATED, CUSTOMERACCEPTED, EXPIRED, AGREEMENTCREATED
	StatusWordsUnknown    = "unknown"    // StatusPendingReview while the link is out, the others as default
)

// StatusPendingReview is the word StatusWordsUnknown uses instead of
// LinkGenerated: a status no client knows.
const StatusPendingReview = "PendingReview"

// Values of WireVariants.ExpiryField: the name of the field carrying the
// link's expiry (RFC 3339) in start and GET answers.
const (
	ExpiryFieldDefault            = ""                   // expiresAt
	ExpiryFieldExpiresAt          = "expiresAt"          // expiresAt
	ExpiryFieldExpirationTime     = "expirationTime"     // expirationTime (a time, unlike the request's minutes)
	ExpiryFieldExpirationDateTime = "expirationDateTime" // expirationDateTime
	ExpiryFieldNone               = "none"               // no expiry in answers at all
)

// Values of WireVariants.CreateFromAttestationError.
const (
	CreateErrorDefault = "" // before acceptance: 400 / 600062 AttestationNotAccepted
	// CreateErrorUnknownBeforeAcceptance: before acceptance 400 /
	// CodeAttestationPending "AttestationPending"; accepted ones work.
	CreateErrorUnknownBeforeAcceptance = "unknownBeforeAcceptance"
	// CreateErrorUnknownAlways: every create-from-attestation answers 422 /
	// CodeUnsupportedAttestation, a permanent refusal with an unknown code.
	CreateErrorUnknownAlways = "unknownAlways"
)

// Error codes of the enhanced attestation and of the legacy confirmation.
// 600061, 600062 and 600002 are the contract's; the others are the
// simulator's stand-ins for codes no public source shows.
const (
	CodeDuplicate              = codeDuplicate   // 600061 PartnerConfirmedAgreementAlreadyExists
	CodeNotAccepted            = codeNotAccepted // 600062 AttestationNotAccepted
	CodeDateInFuture           = 600002          // legacy dateAgreed in the future
	CodeAttestationExpired     = simCodeAttestationExpired
	CodeAttestationConsumed    = simCodeAttestationConsumed
	CodeUnsupportedAttestation = 600098 // CreateErrorUnknownAlways (HTTP 422)
	CodeAttestationPending     = 600099 // CreateErrorUnknownBeforeAcceptance (HTTP 400)
	CodeLegacyRetired          = 600100 // LegacyRetired (HTTP 400)
)

func validateVariants(v WireVariants) error {
	bad := func(field, val string) error {
		return fmt.Errorf("pcsim: unknown WireVariants.%s %q", field, val)
	}
	switch v.MetadataTypeField {
	case "", "agreementType", "type":
	default:
		return bad("MetadataTypeField", v.MetadataTypeField)
	}
	switch v.AttestationGet {
	case AttestationGetServed, AttestationGet404, AttestationGet405:
	default:
		return bad("AttestationGet", v.AttestationGet)
	}
	switch v.StatusWords {
	case StatusWordsDefault, StatusWordsLower, StatusWordsIntegrator, StatusWordsUpper, StatusWordsUnknown:
	default:
		return bad("StatusWords", v.StatusWords)
	}
	switch v.ExpiryField {
	case ExpiryFieldDefault, ExpiryFieldExpiresAt, ExpiryFieldExpirationTime, ExpiryFieldExpirationDateTime, ExpiryFieldNone:
	default:
		return bad("ExpiryField", v.ExpiryField)
	}
	switch v.CreateFromAttestationError {
	case CreateErrorDefault, CreateErrorUnknownBeforeAcceptance, CreateErrorUnknownAlways:
	default:
		return bad("CreateFromAttestationError", v.CreateFromAttestationError)
	}
	return nil
}

// statusWord spells a stored status the way StatusWords says.
func (s *Server) statusWord(st string) string {
	switch s.variants.StatusWords {
	case StatusWordsLower:
		return strings.ToLower(st)
	case StatusWordsIntegrator:
		if st == StatusExpired {
			return "linkexpired"
		}
		return strings.ToLower(st)
	case StatusWordsUpper:
		return strings.ToUpper(st)
	case StatusWordsUnknown:
		if st == StatusLinkGenerated {
			return StatusPendingReview
		}
	}
	return st
}

func (s *Server) expiryField() string {
	switch f := s.variants.ExpiryField; f {
	case ExpiryFieldDefault:
		return ExpiryFieldExpiresAt
	case ExpiryFieldNone:
		return ""
	default:
		return f
	}
}

const enhancedPrefix = "/v1/attestations/enhanced/"

// attestationGetMissing answers a GET of an attestation when
// WireVariants.AttestationGet says the endpoint does not exist: before
// authentication, injected faults and rate limits, as for any unknown path.
func (s *Server) attestationGetMissing(r *http.Request) (response, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return response{}, false
	}
	id, ok := strings.CutPrefix(r.URL.Path, enhancedPrefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return response{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.variants.AttestationGet {
	case AttestationGet404:
		return s.errGeneric(http.StatusNotFound, simCodeNotFound, "Resource not found."), true
	case AttestationGet405:
		resp := s.errGeneric(http.StatusMethodNotAllowed, simCodeMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
		resp.header = map[string]string{"Allow": http.MethodPost}
		return resp, true
	}
	return response{}, false
}

// EnhancedStart is one start of an enhanced attestation that reached the
// simulator's business logic (replays of a known MS-RequestId are not
// counted), refused or not. It holds no secret.
type EnhancedStart struct {
	Time            time.Time `json:"time"`
	PartnerTenantID string    `json:"partnerTenantId"`
	RequestID       string    `json:"requestId,omitempty"`
	// Status is the HTTP status answered; AttestationID is "" when refused.
	Status        int    `json:"status"`
	AttestationID string `json:"attestationId,omitempty"`
	// Fields are the names of the body's top-level fields, sorted
	// (a field sent as null is listed).
	Fields []string `json:"fields"`
	// PhoneNumberPresent: the body had signatoryPhoneNumber (any value,
	// null included); PhoneNumberEmpty: its value was "" (or blank).
	PhoneNumberPresent bool `json:"phoneNumberPresent"`
	PhoneNumberEmpty   bool `json:"phoneNumberEmpty"`
	// ExpirationTime is the raw JSON value of expirationTime ("" = absent).
	ExpirationTime string `json:"expirationTime,omitempty"`
}

// EnhancedStarts returns the starts of enhanced attestations of a partner
// ("" = every partner), oldest first, refused ones included.
func (s *Server) EnhancedStarts(partnerTenantID string) []EnhancedStart {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []EnhancedStart{}
	for _, st := range s.starts {
		if partnerTenantID == "" || key(st.PartnerTenantID) == key(partnerTenantID) {
			st.Fields = append([]string(nil), st.Fields...)
			out = append(out, st)
		}
	}
	return out
}

// AttestationsStarted returns copies of the partner's enhanced attestations
// ("" = every partner) in the order they were started. Lifetime and
// RequestedMinutes tell the link lifetime asked for and in effect.
func (s *Server) AttestationsStarted(partnerTenantID string) []Attestation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Attestation{}
	for _, a := range s.attestations {
		if partnerTenantID == "" || key(a.PartnerTenantID) == key(partnerTenantID) {
			s.refreshStatusLocked(a)
			out = append(out, *a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}
