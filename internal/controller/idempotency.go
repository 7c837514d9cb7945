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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// The idempotency contract of the writes to Partner Center. Each write's MS-RequestId is derived
// from what the write means (the partner tenant, the customer, the purpose and the normalized
// intent), never from a CustomerAgreement's UID: a lost answer, a crash, a restart, a re-created
// object or a duplicate manifest repeats the same request, which Partner Center answers with its
// first answer instead of acting twice. TestRequestIDs pins each derivation.

// requestIDSpace is the UUID namespace of the derived MS-RequestIds.
var requestIDSpace = uuid.MustParse("6f1f8a52-4c1e-4f43-9d1e-3c9a0b7e5d21")

// Purposes of the writes, part of each key.
const (
	purposeStartAttestation      = "start-enhanced-attestation"
	purposeCreateFromAttestation = "create-agreement-from-attestation"
	purposeLegacyConfirmation    = "legacy-confirmation"
)

func derivedRequestID(partnerTenantID, customerTenantID, purpose, detail string) string {
	key := strings.Join([]string{norm(partnerTenantID), norm(customerTenantID), purpose, detail}, "/")
	return uuid.NewSHA1(requestIDSpace, []byte(key)).String()
}

// startAttestationRequestID keys the start of an enhanced attestation: the intent (who attests
// what, normalized) and the renewal it is for, so that renewing an expired link is a new request
// and repeating a start is not.
func startAttestationRequestID(partnerTenantID, customerTenantID, intent string, renewal int32) string {
	return derivedRequestID(partnerTenantID, customerTenantID, purposeStartAttestation, fmt.Sprintf("%s/%d", intent, renewal))
}

// createFromAttestationRequestID keys the creation of the agreement from an accepted attestation.
// attempt counts the definitive "not accepted yet" answers (600062) before it: Partner Center
// replays an answer for a repeated request id, so the next attempt after one is a new request.
func createFromAttestationRequestID(partnerTenantID, customerTenantID, attestationID string, attempt int32) string {
	return derivedRequestID(partnerTenantID, customerTenantID, purposeCreateFromAttestation, fmt.Sprintf("%s/%d", norm(attestationID), attempt))
}

// legacyConfirmationRequestID keys a legacy confirmation: the normalized signatory and the date.
func legacyConfirmationRequestID(partnerTenantID, customerTenantID string, sg *v1alpha1.Signatory, dateAgreed time.Time) string {
	return derivedRequestID(partnerTenantID, customerTenantID, purposeLegacyConfirmation,
		signatoryKey(sg)+"/"+dateAgreed.UTC().Format(time.RFC3339))
}

// attestationIntent identifies what an enhanced attestation is started for: the customer and its
// company, country and language, and the signatory, normalized so that a reformatted phone number
// or a change of letter case is the same intent.
func attestationIntent(partnerTenantID string, spec v1alpha1.CustomerAgreementSpec) string {
	return shortHash(strings.Join([]string{norm(partnerTenantID), norm(spec.CustomerTenantID), normText(spec.CompanyName),
		norm(spec.Country), norm(spec.Language), signatoryKey(spec.Signatory)}, "\x00"))
}

// refusedSignatoryKey identifies a signatory (and method) Partner Center refused as a duplicate.
func refusedSignatoryKey(method v1alpha1.AcceptanceMethod, sg *v1alpha1.Signatory) string {
	return shortHash(string(method) + "\x00" + signatoryKey(sg))
}

// signatoryKey normalizes a signatory the way Partner Center's duplicate rule compares contacts:
// names and email without regard to case and spacing, phone numbers by their digits.
func signatoryKey(sg *v1alpha1.Signatory) string {
	if sg == nil {
		return ""
	}
	return strings.Join([]string{normText(sg.FirstName), normText(sg.LastName), norm(sg.Email), mca.Digits(sg.PhoneNumber)}, "\x00")
}

func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normText lower-cases s and collapses its runs of white space.
func normText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
