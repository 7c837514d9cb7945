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

// Package mca holds the business rules of Microsoft Customer Agreement acceptance as pure
// functions: which state a customer is in, given what Partner Center holds, and what the operator
// may and should do about it. Nothing here does I/O; the clock is passed in.
//
// Rules (from Microsoft's partner documentation on confirming customer acceptance of the MCA):
//   - Acceptance is in place when a partner attestation dated on or after the reattestation cutoff
//     (1 April 2023) exists, or the customer accepted directly in the Microsoft 365 admin center.
//   - A customer whose only attestations predate the cutoff needs reattestation; from the
//     enforcement date (7 October 2025) its purchases and subscription changes are blocked.
//   - Indirect resellers may not attest; their indirect provider must.
//   - The customer's notice of a partner attestation arrives within 30 minutes.
package mca

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Default dates of the rules.
var (
	// DefaultReattestationCutoff is the date from which partner attestations count as acceptance of
	// the current terms.
	DefaultReattestationCutoff = time.Date(2023, time.April, 1, 0, 0, 0, 0, time.UTC)
	// DefaultEnforcementDate is the date from which customers with only older attestations are blocked.
	DefaultEnforcementDate = time.Date(2025, time.October, 7, 0, 0, 0, 0, time.UTC)
	// CustomerNoticeDelay is the time within which Microsoft emails the signatory about an attestation.
	CustomerNoticeDelay = 30 * time.Minute
	// InvitationURL is where a customer accepts the MCA directly.
	InvitationURL = "https://admin.microsoft.com/AdminPortal/Home?ref=/BillingAccounts/agreement"
)

// Policy carries the dates of the rules; both are manager flags.
type Policy struct {
	ReattestationCutoff time.Time
	EnforcementDate     time.Time
}

// DefaultPolicy returns the rules as Microsoft published them.
func DefaultPolicy() Policy {
	return Policy{ReattestationCutoff: DefaultReattestationCutoff, EnforcementDate: DefaultEnforcementDate}
}

// Contact is a signatory as Partner Center records it.
type Contact struct {
	FirstName, LastName, Email, PhoneNumber string
}

// Record is one partner attestation on record.
type Record struct {
	Contact    Contact
	DateAgreed time.Time
}

// Observation is what Partner Center holds for one customer.
type Observation struct {
	// Records are the partner attestations on record (MCA only).
	Records []Record
	// DirectSigned is true when the customer accepted in the Microsoft 365 admin center.
	DirectSigned bool
	// Created is the agreement this operator created while Partner Center's reads do not show a
	// current one: it counts as on record (attesting again could make a second agreement).
	Created *Record
}

// Standing is the customer's MCA state derived from an Observation.
type Standing struct {
	State      v1alpha1.AgreementState
	AcceptedBy v1alpha1.AcceptedBy
	// InForce is the newest partner attestation, if any.
	InForce *Record
}

// Current reports whether a record counts as acceptance of the current terms.
func (p Policy) Current(r Record) bool {
	return !r.DateAgreed.Before(p.ReattestationCutoff)
}

// Classify decides the customer's state. The newest attestation is the one in force; a current
// partner attestation or a direct acceptance makes the customer Attested; only older attestations
// make it Legacy before the enforcement date and Blocked from it on; nothing makes it NoMCA.
func (p Policy) Classify(obs Observation, now time.Time) Standing {
	records := obs.Records
	if obs.Created != nil {
		records = append(slices.Clone(records), *obs.Created)
	}
	var newest *Record
	for i := range records {
		r := records[i]
		if newest == nil || r.DateAgreed.After(newest.DateAgreed) {
			newest = &r
		}
	}
	switch {
	case newest != nil && p.Current(*newest):
		return Standing{State: v1alpha1.StateAttested, AcceptedBy: v1alpha1.AcceptedByPartner, InForce: newest}
	case obs.DirectSigned:
		return Standing{State: v1alpha1.StateAttested, AcceptedBy: v1alpha1.AcceptedByCustomer, InForce: newest}
	case newest != nil && now.Before(p.EnforcementDate):
		return Standing{State: v1alpha1.StateLegacy, InForce: newest}
	case newest != nil:
		return Standing{State: v1alpha1.StateBlocked, InForce: newest}
	default:
		return Standing{State: v1alpha1.StateNoMCA}
	}
}

// MayAttest reports whether a partner of this type may attest on its customers' behalf.
func MayAttest(t v1alpha1.PartnerType) bool {
	return t == v1alpha1.PartnerTypeIndirectProvider || t == v1alpha1.PartnerTypeDirectBill
}

// Digits keeps only the digits of s.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
