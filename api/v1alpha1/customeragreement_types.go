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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AcceptanceMethod is how the customer's acceptance of the MCA is obtained.
// +kubebuilder:validation:Enum=PartnerAttestation;LegacyConfirmation;CustomerDirect
type AcceptanceMethod string

const (
	// MethodPartnerAttestation starts Partner Center's enhanced partner attestation: the customer's
	// signatory accepts on Microsoft's page, then the operator relays the acceptance.
	MethodPartnerAttestation AcceptanceMethod = "PartnerAttestation"
	// MethodLegacyConfirmation confirms, with the signatory and dateAgreed, that the customer
	// accepted. Microsoft retired this API on 5 January 2026: Partner Center now refuses it, and
	// the operator then stalls with reason LegacyConfirmationRefused. Use PartnerAttestation.
	MethodLegacyConfirmation AcceptanceMethod = "LegacyConfirmation"
	// MethodCustomerDirect never writes: the customer accepts in the Microsoft 365 admin center.
	MethodCustomerDirect AcceptanceMethod = "CustomerDirect"
)

// ManagementPolicy says whether the operator may write to Partner Center.
// +kubebuilder:validation:Enum=Manage;Observe
type ManagementPolicy string

const (
	// ManagementPolicyManage lets the operator attest or confirm where needed and allowed.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserve only reads and reports; nothing is ever written to Partner Center.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// AgreementState is the customer's MCA standing as Partner Center holds it.
// +kubebuilder:validation:Enum=Attested;Legacy;Blocked;NoMCA
type AgreementState string

const (
	// StateAttested: an acceptance under the current terms is in place (a partner attestation on or
	// after the reattestation cutoff, or the customer's own acceptance).
	StateAttested AgreementState = "Attested"
	// StateLegacy: only an attestation from before the cutoff; reattestation is needed before the
	// enforcement date.
	StateLegacy AgreementState = "Legacy"
	// StateBlocked: only an attestation from before the cutoff and the enforcement date has passed;
	// purchases and subscription changes fail with 403 / 900428.
	StateBlocked AgreementState = "Blocked"
	// StateNoMCA: nothing is on record.
	StateNoMCA AgreementState = "NoMCA"
)

// AcceptedBy says who accepted the agreement in force.
// +kubebuilder:validation:Enum=Partner;Customer
type AcceptedBy string

const (
	// AcceptedByPartner: a partner attestation is in force.
	AcceptedByPartner AcceptedBy = "Partner"
	// AcceptedByCustomer: the customer accepted directly in the Microsoft 365 admin center.
	AcceptedByCustomer AcceptedBy = "Customer"
)

// PartnerTenantReference names a cluster-scoped PartnerTenant.
type PartnerTenantReference struct {
	// name of the PartnerTenant: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.',
	// starting and ending with a letter or digit), like every PartnerTenant's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,message="spec.partnerTenantRef.name must be the name of a PartnerTenant: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)"
	// +required
	Name string `json:"name"`
}

// Signatory is the person at the customer who accepts the MCA (Partner Center's primaryContact).
type Signatory struct {
	// firstName of the signatory. It must contain a letter and may not begin or end with whitespace,
	// nor contain control characters, line or paragraph separators, private-use characters,
	// invisible format characters (zero-width characters, bidirectional controls) or blank fillers
	// (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 and the blank Braille pattern U+2800).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}\x{115F}\x{1160}\x{3164}\x{FFA0}\x{2800}]')`,message="spec.signatory.firstName must not contain control characters (such as NUL, tab or newline), line or paragraph separators, private-use characters, invisible format characters (zero-width characters, bidirectional controls) or blank fillers (such as U+3164)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[\s\p{Z}]|[\s\p{Z}]$')`,message="spec.signatory.firstName must not be blank, nor begin or end with whitespace"
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'\p{L}')`,message="spec.signatory.firstName must contain a letter"
	// +required
	FirstName string `json:"firstName"`
	// lastName of the signatory. It must contain a letter and may not begin or end with whitespace,
	// nor contain control characters, line or paragraph separators, private-use characters,
	// invisible format characters (zero-width characters, bidirectional controls) or blank fillers
	// (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 and the blank Braille pattern U+2800).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}\x{115F}\x{1160}\x{3164}\x{FFA0}\x{2800}]')`,message="spec.signatory.lastName must not contain control characters (such as NUL, tab or newline), line or paragraph separators, private-use characters, invisible format characters (zero-width characters, bidirectional controls) or blank fillers (such as U+3164)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[\s\p{Z}]|[\s\p{Z}]$')`,message="spec.signatory.lastName must not be blank, nor begin or end with whitespace"
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'\p{L}')`,message="spec.signatory.lastName must contain a letter"
	// +required
	LastName string `json:"lastName"`
	// email is the signatory's business email address: a plain addr-spec in ASCII (local@domain).
	// The local part is dot-separated runs of letters, digits and !#$%&'*+/=?^_{|}~- (at most 64
	// characters; no quoted strings, no backtick); the domain is a host name with at least two labels
	// (an internationalised domain in its xn-- form). No display name, spaces, control or non-ASCII
	// characters.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})$")`,message="spec.signatory.email must be a plain email address such as ada@fabrikam.example: ASCII only, one @, a domain with a dot, no spaces, display name or control characters"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[^@]{65,}@')`,message="spec.signatory.email may have at most 64 characters before the @"
	// +required
	Email string `json:"email"`
	// phoneNumber of the signatory: 7 to 15 digits, optionally with a leading +, the digit groups
	// separated by a single space, dot or dash (a dot or dash may have a space on either side), and
	// parentheses only around a group of digits, such as +1 (425) 555-0100. It starts with + or a
	// digit.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^\+?[0-9]+(( ?[.-] ?| )?(\([0-9]+\)|[0-9]+))*$') && self.matches(r'^[^0-9]*([0-9][^0-9]*){7,15}$')`,message="spec.signatory.phoneNumber must be a phone number of 7 to 15 digits such as +1 425 555 0100: an optional leading +, digit groups separated by one space, dot or dash, parentheses only around digits"
	// +optional
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// CustomerAgreementSpec is the desired MCA acceptance for one customer.
// +kubebuilder:validation:XValidation:rule="self.managementPolicy != 'Manage' || self.method == 'CustomerDirect' || has(self.signatory)",message="spec.signatory is required when managementPolicy is Manage and method is PartnerAttestation or LegacyConfirmation: name the customer's authorised signatory"
// +kubebuilder:validation:XValidation:rule="self.managementPolicy != 'Manage' || self.method != 'LegacyConfirmation' || has(self.dateAgreed)",message="spec.dateAgreed is required when method is LegacyConfirmation: give the date the customer accepted the MCA"
// +kubebuilder:validation:XValidation:rule="!has(self.dateAgreed) || self.method == 'LegacyConfirmation'",message="spec.dateAgreed is only used with method LegacyConfirmation; remove it or change the method"
type CustomerAgreementSpec struct {
	// partnerTenantRef names the PartnerTenant that holds the reseller relationship with the customer.
	// +required
	PartnerTenantRef PartnerTenantReference `json:"partnerTenantRef"`

	// customerTenantId is the customer's Microsoft Entra tenant id: a GUID in lower case (so that one
	// tenant has one spelling), not the nil or max GUID. It cannot be changed: create a new
	// CustomerAgreement for another customer.
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')`,message="spec.customerTenantId must be a GUID in lower case, such as 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	// +kubebuilder:validation:XValidation:rule=`self != '00000000-0000-0000-0000-000000000000' && self != 'ffffffff-ffff-ffff-ffff-ffffffffffff'`,message="spec.customerTenantId must be a real tenant id, not the nil (all zeros) or max (all f) GUID"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.customerTenantId is immutable: create a new CustomerAgreement for another customer"
	// +required
	CustomerTenantID string `json:"customerTenantId"`

	// companyName is the customer's legal company name, shown to the signatory. It must contain a
	// letter or digit and may not begin or end with whitespace, nor contain control characters, line
	// or paragraph separators, private-use characters, invisible format characters (zero-width
	// characters, bidirectional controls) or blank fillers (the Hangul fillers U+115F, U+1160, U+3164,
	// U+FFA0 and the blank Braille pattern U+2800).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}\x{115F}\x{1160}\x{3164}\x{FFA0}\x{2800}]')`,message="spec.companyName must not contain control characters (such as NUL, tab or newline), line or paragraph separators, private-use characters, invisible format characters (zero-width characters, bidirectional controls) or blank fillers (such as U+3164)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[\s\p{Z}]|[\s\p{Z}]$')`,message="spec.companyName must not be blank, nor begin or end with whitespace"
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'[\p{L}\p{N}]')`,message="spec.companyName must contain a letter or digit"
	// +required
	CompanyName string `json:"companyName"`

	// country is the customer's ISO 3166-1 alpha-2 country code, in upper case: one of the 249
	// officially assigned codes (GB, not UK; user-assigned codes such as XK or ZZ and reserved ones
	// such as EU are refused).
	// +kubebuilder:default=US
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=2
	// +kubebuilder:validation:XValidation:rule="self in ['AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ', 'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ', 'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM', 'HN', 'HR', 'HT', 'HU', 'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW', 'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW']",message="spec.country must be an officially assigned ISO 3166-1 alpha-2 country code in upper case, such as US, GB or DE"
	// +optional
	Country string `json:"country,omitempty"`

	// language of the agreement, as a BCP 47 tag in its canonical case:
	// language[-Script][-REGION][-variant...], such as en-US, fr, de-CH, pt-BR, zh-Hans-CN or
	// sr-Latn-RS. language is an ISO 639-1 code (two lower-case letters, one of the 183 assigned
	// ones, so xx is refused) or a three-letter ISO 639-2/3 code (three lower-case letters, not
	// checked against a list); Script is four letters, the first upper case (Hans); REGION is an
	// officially assigned ISO 3166-1 alpha-2 code in upper case or a three-digit UN M.49 area (419);
	// a variant is 5 to 8 lower-case letters or digits, or a digit and 3 of them. Extensions and
	// private-use subtags (-u-..., -x-...) are not accepted.
	// +kubebuilder:default=en-US
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=35
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$')`,message="spec.language must be a BCP 47 tag language[-Script][-REGION][-variant] in canonical case, such as en-US, fr, de-CH or zh-Hans-CN"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[a-z]{2}(-|$)') || self.matches(r'^(a[abefkmnrsvyz]|b[aegimnors]|c[aehorsuvy]|d[aevz]|e[elnostu]|f[afijory]|g[adlnuv]|h[aeiortuyz]|i[adegikostu]|j[av]|k[agijklmnorsuvwy]|l[abginotuv]|m[ghiklnrsty]|n[abdeglnorvy]|o[cjmrs]|p[ailst]|qu|r[mnouw]|s[acdegiklmnoqrstuvw]|t[aeghiklnorstwy]|u[gkrz]|v[eio]|w[ao]|xh|y[io]|z[ahu])(-|$)')`,message="spec.language must start with an assigned ISO 639-1 language code (such as en, fr, de, zh) or a three-letter ISO 639-2/3 code"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'-[A-Z]{2}(-|$)') || self.matches(r'-(A[DEFGILMOQRSTUWXZ]|B[ABDEFGHIJLMNOQRSTVWYZ]|C[ACDFGHIKLMNORUVWXYZ]|D[EJKMOZ]|E[CEGHRST]|F[IJKMOR]|G[ABDEFGHILMNPQRSTUWY]|H[KMNRTU]|I[DELMNOQRST]|J[EMOP]|K[EGHIMNPRWYZ]|L[ABCIKRSTUVY]|M[ACDEFGHKLMNOPQRSTUVWXYZ]|N[ACEFGILOPRUZ]|OM|P[AEFGHKLMNRSTWY]|QA|R[EOSUW]|S[ABCDEGHIJKLMNORSTVXYZ]|T[CDFGHJKLMNORTVWZ]|U[AGMSYZ]|V[ACEGINU]|W[FS]|Y[ET]|Z[AMW])(-|$)')`,message="spec.language has a region that is not an officially assigned ISO 3166-1 alpha-2 country code (such as US, GB, CN)"
	// +optional
	Language string `json:"language,omitempty"`

	// signatory is the customer's authorised person who accepts the MCA. Required when the operator
	// attests (managementPolicy Manage with PartnerAttestation or LegacyConfirmation).
	// +optional
	Signatory *Signatory `json:"signatory,omitempty"`

	// method is how acceptance is obtained: PartnerAttestation (enhanced attestation: the signatory
	// accepts on Microsoft's page; since 5 January 2026 the only way a partner can attest),
	// LegacyConfirmation (confirm with the signatory and dateAgreed; retired by Microsoft on
	// 5 January 2026, kept for the record) or CustomerDirect (the customer accepts in the Microsoft
	// 365 admin center; the operator never writes).
	// +kubebuilder:default=PartnerAttestation
	// +optional
	Method AcceptanceMethod `json:"method,omitempty"`

	// dateAgreed is when the customer accepted, for method LegacyConfirmation. It may not lie in the
	// future.
	// +optional
	DateAgreed *metav1.Time `json:"dateAgreed,omitempty"`

	// managementPolicy Manage lets the operator write to Partner Center where needed and allowed;
	// Observe only reads and reports.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// attestation overrides the PartnerTenant's attestation settings for this customer.
	// +optional
	Attestation *CustomerAttestationSettings `json:"attestation,omitempty"`

	// linkDelivery chooses how this customer's acceptance links are delivered.
	// +optional
	LinkDelivery *CustomerLinkDelivery `json:"linkDelivery,omitempty"`
}

// RecordedContact is a signatory as Partner Center returned it. It is stored as given (only cut to
// its length bound): Partner Center's data does not follow spec.signatory's validation.
type RecordedContact struct {
	// firstName on record.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	FirstName string `json:"firstName,omitempty"`
	// lastName on record.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastName string `json:"lastName,omitempty"`
	// email on record.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Email string `json:"email,omitempty"`
	// phoneNumber on record.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// AttestationStatus follows one enhanced partner attestation the operator started.
type AttestationStatus struct {
	// handle names the attestation without revealing it: "sha256-" and the first 16 hex digits of
	// the SHA-256 of Partner Center's attestation id. The id itself completes the acceptance link
	// (the link may be the id in a template), so it is a credential like the link: it is kept in
	// the Secret named by idsSecretRef, in the operator's credentials namespace, never here.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Handle string `json:"handle,omitempty"`
	// status as Partner Center last reported it (LinkGenerated, CustomerAccepted, Expired or
	// AgreementCreated), as given.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Status string `json:"status,omitempty"`
	// linkSecretRef names the Secret, in the operator's credentials namespace, that holds the
	// acceptance link (key acceptanceLink). The link is a credential: whoever holds it can accept
	// the MCA for the customer, so it is never written into this object.
	// +optional
	LinkSecretRef *LocalObjectReference `json:"linkSecretRef,omitempty"`
	// expiresAt is when the acceptance link stops working, as Partner Center said.
	// +optional
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`
	// startedAt is when the operator started this attestation.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// intent identifies what the attestation was started for (a hash of the partner, the customer,
	// the company, country, language and the signatory), so that a spec change is recognised
	// without comparing Partner Center's answer with the spec.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Intent string `json:"intent,omitempty"`
	// refusedCreates counts the create calls Partner Center refused because the customer had not
	// accepted yet (600062); each later create is a new request.
	// +optional
	RefusedCreates int32 `json:"refusedCreates,omitempty"`
	// renewals counts the expired links replaced so far for this intent.
	// +optional
	Renewals int32 `json:"renewals,omitempty"`
	// lifetime requested for the link (expirationTime, whole minutes).
	// +optional
	Lifetime *metav1.Duration `json:"lifetime,omitempty"`
	// deliveries are the messages sent about this attestation's link (never the link).
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// CreatedAgreement records an agreement this operator created, so that it is trusted while Partner
// Center's eventually consistent reads do not show it yet (for at most 24 hours).
type CreatedAgreement struct {
	// requestId is the MS-RequestId of the create call.
	// +kubebuilder:validation:MaxLength=64
	RequestID string `json:"requestId"`
	// dateAgreed of the created agreement.
	DateAgreed metav1.Time `json:"dateAgreed"`
	// createdAt is when Partner Center answered the create call.
	CreatedAt metav1.Time `json:"createdAt"`
	// method used for the create call.
	Method AcceptanceMethod `json:"method"`
	// attestationHandle names the attestation the agreement was created from (PartnerAttestation),
	// as status.attestation.handle does.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	AttestationHandle string `json:"attestationHandle,omitempty"`
}

// CustomerAgreementStatus is what the operator last observed and did.
type CustomerAgreementStatus struct {
	// state is the customer's MCA standing: Attested, Legacy, Blocked or NoMCA.
	// +optional
	State AgreementState `json:"state,omitempty"`

	// acceptedBy says who accepted the agreement in force: Partner or Customer.
	// +optional
	AcceptedBy AcceptedBy `json:"acceptedBy,omitempty"`

	// signatory on record in the partner attestation in force, as Partner Center holds it.
	// +optional
	Signatory *RecordedContact `json:"signatory,omitempty"`

	// dateAgreed of the partner attestation in force.
	// +optional
	DateAgreed *metav1.Time `json:"dateAgreed,omitempty"`

	// templateId of the MCA template in use.
	// +optional
	TemplateID string `json:"templateId,omitempty"`

	// attestation is the enhanced partner attestation in flight for the current spec, if any.
	// +optional
	Attestation *AttestationStatus `json:"attestation,omitempty"`

	// earlierAttestations are attestations started for an earlier spec (or replaced) whose links
	// may still be accepted. The operator follows each until Partner Center says it expired or an
	// agreement exists, and turns an accepted one into the agreement, so that no acceptance the
	// signatory gave is lost.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	EarlierAttestations []AttestationStatus `json:"earlierAttestations,omitempty"`

	// attestationIdsSecretRef names the Secret, in the operator's credentials namespace, that holds
	// Partner Center's ids of the attestations above (status.attestation and earlierAttestations),
	// each under its handle. An id completes the acceptance link, so it is a credential: it never
	// appears in this object, its events or its conditions. Deleting that Secret loses the
	// operator's only copy of the ids: an acceptance of those links can then not be relayed.
	// +optional
	AttestationIDsSecretRef *LocalObjectReference `json:"attestationIdsSecretRef,omitempty"`

	// refusedSignatory identifies (as a hash) the signatory and method Partner Center refused as a
	// duplicate (600061). The operator does not try them again; a change of spec.signatory does.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	RefusedSignatory string `json:"refusedSignatory,omitempty"`

	// createdAgreement is the agreement this operator created last, if any.
	// +optional
	CreatedAgreement *CreatedAgreement `json:"createdAgreement,omitempty"`

	// invitationURL is where the customer accepts the MCA directly (method CustomerDirect).
	// +optional
	InvitationURL string `json:"invitationURL,omitempty"`

	// customerNoticeExpectedBy is when Microsoft's email to the signatory about a partner attestation
	// is due (30 minutes after the attestation). Never set for direct acceptance.
	// +optional
	CustomerNoticeExpectedBy *metav1.Time `json:"customerNoticeExpectedBy,omitempty"`

	// lastSyncTime is when a read of Partner Center last changed this status. A resync that finds
	// nothing new writes nothing, so it does not move.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// observedGeneration is the generation of the spec this status describes. It advances only
	// when the operator evaluated that spec in full (not while paused or waiting for a dependency).
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, Reconciling, Stalled, DuplicateSignatory, ReattestationRequired,
	// AwaitingCustomerAcceptance, AttestationNotPermitted, Paused, LinkDelivered.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// CustomerAgreement is one customer's Microsoft Customer Agreement acceptance, converged with what
// Partner Center holds.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName={custagr,mca},categories=partnercenter
// +kubebuilder:selectablefield:JSONPath=`.spec.customerTenantId`
// +kubebuilder:selectablefield:JSONPath=`.spec.partnerTenantRef.name`
// +kubebuilder:printcolumn:name="Customer",type=string,JSONPath=`.spec.customerTenantId`
// +kubebuilder:printcolumn:name="Company",type=string,JSONPath=`.spec.companyName`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Accepted By",type=string,JSONPath=`.status.acceptedBy`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Method",type=string,JSONPath=`.spec.method`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CustomerAgreement struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec CustomerAgreementSpec `json:"spec"`
	// +optional
	Status CustomerAgreementStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CustomerAgreementList contains a list of CustomerAgreement.
type CustomerAgreementList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CustomerAgreement `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CustomerAgreement{}, &CustomerAgreementList{})
}
