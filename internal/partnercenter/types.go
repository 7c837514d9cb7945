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

import (
	"sort"
	"time"

	"github.com/mca-operator/mca-operator/internal/mca"
)

// Agreement types as Partner Center names them (documented).
const (
	AgreementTypeMCA   = "MicrosoftCustomerAgreement"
	AgreementTypeCloud = "MicrosoftCloudAgreement"
)

// Contact is the customer's signatory on an agreement record.
type Contact struct {
	FirstName   string
	LastName    string
	Email       string
	PhoneNumber string
}

// Agreement is one agreement record of a customer (§3.2 of the contract).
type Agreement struct {
	PrimaryContact Contact
	TemplateID     string
	Type           string
	AgreementLink  string
	UserID         string
	// DateAgreed is in UTC; timestamps without a zone are read as UTC.
	DateAgreed time.Time
}

// AgreementMetadata describes the current MCA template (§3.1).
type AgreementMetadata struct {
	TemplateID    string
	AgreementType string
	AgreementLink string
	VersionRank   int
}

// AgreementDocument is the link to the agreement text (§3.4). DownloadURI
// changes on every call and expires after five minutes: never store it.
type AgreementDocument struct {
	DisplayURI  string
	DownloadURI string
	Language    string
	Country     string
}

// EnhancedAttestationRequest starts an enhanced partner attestation (§4.1).
type EnhancedAttestationRequest struct {
	CompanyName          string
	Country              string
	Language             string
	SignatoryFirstName   string
	SignatoryLastName    string
	SignatoryEmail       string
	SignatoryPhoneNumber string
	// Lifetime of the acceptance link, sent in whole minutes (5 to 10,080); 0: Partner Center's
	// default.
	Lifetime time.Duration
}

// EnhancedAttestation is the state of an enhanced attestation (§4.1). The answer does not
// always echo the request, so it carries no request fields.
type EnhancedAttestation struct {
	AttestationID string
	// Status is one of the Status* words when StatusKnown; otherwise the word as received.
	Status      string
	StatusKnown bool
	// RawStatus is the word as received.
	RawStatus string
	// Phase is what Status means to the rules (AttestationPhaseOf).
	Phase mca.AttestationPhase
	// AcceptanceLink is empty when the answer carries none (build it from a template).
	AcceptanceLink string
	// ExpiresAt is zero when the answer names no expiry.
	ExpiresAt  time.Time
	AcceptedAt time.Time
}

// Contact returns the signatory of the attestation as an agreement contact.
func (r EnhancedAttestationRequest) Contact() Contact {
	return Contact{FirstName: r.SignatoryFirstName, LastName: r.SignatoryLastName, Email: r.SignatoryEmail, PhoneNumber: r.SignatoryPhoneNumber}
}

// LatestAgreement returns the record in force: the one with the newest
// DateAgreed. ok is false for an empty list.
func LatestAgreement(list []Agreement) (latest Agreement, ok bool) {
	for i, a := range list {
		if i == 0 || a.DateAgreed.After(latest.DateAgreed) {
			latest, ok = a, true
		}
	}
	return latest, ok
}

func sortAgreements(list []Agreement) {
	sort.SliceStable(list, func(i, j int) bool { return list[i].DateAgreed.Before(list[j].DateAgreed) })
}
