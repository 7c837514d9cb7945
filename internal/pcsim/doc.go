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

// Package pcsim is the project's stand-in for Microsoft Partner Center: a
// real HTTP(S) server that speaks the wire contract docs/partner-center-api.md
// describes (the same contract internal/partnercenter follows), so that tests
// against it say something about production.
//
// # Running it
//
//	go run ./cmd/pcsim --seed config/samples/pcsim-seed.yaml
//
// prints the base URL (default https://127.0.0.1:8443). API, token endpoint
// ({base}/{tenantId}/oauth2/token) and acceptance pages share that URL. With
// TLS the server generates a throwaway CA; it is served at /_sim/ca.pem and
// written to --ca-out. In Go: New(seed, Options{...}), then StartTLS("") and
// HTTPClient() (a client trusting only that CA), or use the Server as an
// http.Handler.
//
// # What it models
//
//   - Seeded partners (type DirectBill, IndirectProvider, IndirectReseller;
//     application credentials; refresh token) and their customers (tenant
//     id, company, reseller relationship, direct acceptance, agreement
//     records with dates and contacts, MCA or old Cloud Agreement).
//   - The v1 token endpoint: client_credentials → App-only token,
//     refresh_token → App+User token, expires_in as a string, optional
//     refresh-token rotation (the old one stops working), revocation
//     (invalid_grant). Access tokens are opaque and map to partner + kind;
//     the partner of an API call is taken from its token.
//   - Reads (App+User): agreement metadata and customer agreements (without
//     agreementType=MicrosoftCustomerAgreement they answer with the Cloud
//     Agreement: the trap of §3.2), direct-acceptance status, the agreement
//     document. Unknown customer → 404; no relationship → 403 / 20002.
//   - The enhanced attestation (App-only; indirect resellers get 403):
//     start → acceptanceLink to the simulator's own page /attest/{id} (an
//     HTML form with a checkbox and an Accept button; Accept() does the
//     same; query parameters of the page are ignored, so a link built from
//     a template such as {base}/attest/{attestationId}?lang=...&country=...
//     works) → CustomerAccepted → create agreement → AgreementCreated. The
//     start's expirationTime (whole minutes, 5..10080, optional; else
//     Options.LinkTTL) is the link lifetime; out of range → 400. A
//     signatoryPhoneNumber sent as "" → 400 (omit it when there is none).
//     Expired links: status Expired, accept refused. Creating from an
//     attestation before acceptance → 400 / 600062 AttestationNotAccepted;
//     after expiry → 400 / 600063 AttestationExpired; one used for another
//     customer → 400 / 600064 AttestationAlreadyUsed; unknown id → 404.
//   - The legacy confirmation (App+User); dateAgreed in the future → 400 /
//     600002 "Date of agreement cannot be greater than the current date".
//   - The duplicate rule of §4.3 exactly: a contact identical (names and
//     email case-insensitive, phone by its digits) to an MCA attestation
//     dated on or after 2023-04-01 is refused with 600061 (HTTP 400, rich
//     error shape). Older attestations do not count, so the first
//     reattestation of a pre-2023 customer may reuse the old contact.
//   - MS-RequestId idempotency: a POST without it → 400; a POST repeating a
//     request id the simulator already answered (per partner) gets the first
//     answer replayed unchanged and changes nothing. Business errors are
//     replayed too, so callers use a new request id after a definitive answer.
//   - Both error body shapes; codes as numbers or, with
//     WireVariants.StringCodes, as strings; collections or bare arrays
//     (WireVariants.BareArrays); metadata type field agreementType or type.
//   - Codes Microsoft does not document (e.g. 404 bodies, wrong token kind)
//     use simulator-only codes in the 9004xx range.
//
// # Wire variants of the enhanced attestation and the legacy confirmation
//
// The shapes §4.1 and §4.2 leave open, each a WireVariants field (zero value
// = the default shape above; SetWireVariants panics on an unknown value):
//
//   - AttestationGet "404" / "405": every GET /v1/attestations/enhanced/{id}
//     answers 404 (not-found error body) or 405 (Allow: POST, JSON error
//     body, code 900405), before authentication, as if it did not exist.
//   - NoAcceptanceLink: start and GET answers carry no acceptanceLink.
//   - StatusWords "lower", "integrator" (linkexpired for Expired), "upper",
//     "unknown" (PendingReview instead of LinkGenerated).
//   - ExpiryField "expirationTime", "expirationDateTime" (instead of
//     expiresAt) or "none" (no expiry in answers).
//   - NoEcho: answers carry only attestationId, status, acceptanceLink, the
//     expiry and acceptedAt.
//   - CreateFromAttestationError "unknownBeforeAcceptance" (before
//     acceptance 400 / 600099 AttestationPending instead of 600062) or
//     "unknownAlways" (every create from an attestation 422 / 600098
//     UnsupportedAttestation). Expiry keeps 600063 unless "unknownAlways".
//   - LegacyRetired: the legacy confirmation answers 400 / 600100
//     LegacyAttestationRetired.
//
// Over HTTP: GET and POST /_sim/variants (JSON, field names as in the
// WireVariants json tags).
//
// # Knobs (safe at runtime, also under /_sim/ over HTTP)
//
// SetLatency, SetRateLimit (per partner: 429 + Retry-After), FailNext
// (injected 5xx), Throttle (injected 429), DropNextPOSTResponses (commit the
// POST, then close the connection unanswered), SetVisibilityDelay (new
// records show up in reads later), RevokeRefreshTokens, RequireMFA
// (App+User → 401 / 900421), SetWireVariants, Accept, AddCustomer.
//
// # Inspection
//
// Requests() (also GET /_sim/requests) is the request log: method, path,
// query, status, MS-RequestId, MS-CorrelationId, partner, token kind and
// whether the answer was injected, rate limited, replayed or dropped. It
// never holds tokens, secrets or bodies. CustomerAgreements, Attestation,
// AttestationsStarted (in start order, with the requested and effective
// link lifetime and whether a phone was sent), EnhancedStarts (every start
// that reached the business logic, refused ones included: fields sent,
// phone present or empty, raw expirationTime; GET /_sim/starts), State
// (GET /_sim/state) and CurrentRefreshToken help assertions.
package pcsim
