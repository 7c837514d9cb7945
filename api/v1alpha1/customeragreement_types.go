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
	// accepted (the older API that Microsoft is retiring).
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
	// name of the PartnerTenant.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
}

// Signatory is the person at the customer who accepts the MCA (Partner Center's primaryContact).
type Signatory struct {
	// firstName of the signatory.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +required
	FirstName string `json:"firstName"`
	// lastName of the signatory.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +required
	LastName string `json:"lastName"`
	// email is the signatory's business email address.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	// +required
	Email string `json:"email"`
	// phoneNumber of the signatory: digits, optionally with +, spaces, dots, dashes and parentheses.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^\+?[0-9][0-9 ().-]{3,31}$`
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

	// customerTenantId is the customer's Microsoft Entra tenant id (a GUID). It cannot be changed:
	// create a new CustomerAgreement for another customer.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="customerTenantId is immutable: create a new CustomerAgreement for another customer"
	// +required
	CustomerTenantID string `json:"customerTenantId"`

	// companyName is the customer's legal company name, shown to the signatory.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +required
	CompanyName string `json:"companyName"`

	// country is the customer's ISO 3166-1 alpha-2 country code (upper case).
	// +kubebuilder:default=US
	// +kubebuilder:validation:Pattern=`^[A-Z]{2}$`
	// +optional
	Country string `json:"country,omitempty"`

	// language of the agreement, as a BCP 47 tag such as en-US.
	// +kubebuilder:default=en-US
	// +kubebuilder:validation:Pattern=`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`
	// +kubebuilder:validation:MaxLength=35
	// +optional
	Language string `json:"language,omitempty"`

	// signatory is the customer's authorised person who accepts the MCA. Required when the operator
	// attests (managementPolicy Manage with PartnerAttestation or LegacyConfirmation).
	// +optional
	Signatory *Signatory `json:"signatory,omitempty"`

	// method is how acceptance is obtained: PartnerAttestation (enhanced attestation: the signatory
	// accepts on Microsoft's page), LegacyConfirmation (confirm with the signatory and dateAgreed) or
	// CustomerDirect (the customer accepts in the Microsoft 365 admin center; the operator never writes).
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
	// id of the attestation in Partner Center.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	ID string `json:"id,omitempty"`
	// status as Partner Center last reported it (LinkGenerated, CustomerAccepted, Expired or
	// AgreementCreated), as given.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Status string `json:"status,omitempty"`
	// acceptanceLink is the page where the customer's signatory reviews and accepts the MCA. Send it
	// to the signatory.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	AcceptanceLink string `json:"acceptanceLink,omitempty"`
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
	// attestationId the agreement was created from (PartnerAttestation).
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AttestationID string `json:"attestationId,omitempty"`
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
	// AwaitingCustomerAcceptance, AttestationNotPermitted, Paused.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// CustomerAgreement is one customer's Microsoft Customer Agreement acceptance, converged with what
// Partner Center holds.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName={custagr,mca},categories={partnercenter,mca}
// +kubebuilder:selectablefield:JSONPath=`.spec.customerTenantId`
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
