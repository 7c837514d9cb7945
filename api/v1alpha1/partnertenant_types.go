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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PartnerType says what kind of CSP partner a tenant is, which decides whether it may attest.
// +kubebuilder:validation:Enum=IndirectProvider;DirectBill;IndirectReseller
type PartnerType string

const (
	// PartnerTypeIndirectProvider is a CSP indirect provider (two-tier); it may attest for its customers.
	PartnerTypeIndirectProvider PartnerType = "IndirectProvider"
	// PartnerTypeDirectBill is a CSP direct-bill partner; it may attest for its customers.
	PartnerTypeDirectBill PartnerType = "DirectBill"
	// PartnerTypeIndirectReseller is a CSP indirect reseller; it may never attest, its indirect provider must.
	PartnerTypeIndirectReseller PartnerType = "IndirectReseller"
)

// SecretReference names a Secret in the operator's credentials namespace.
type SecretReference struct {
	// name of the Secret: a DNS-1123 subdomain. It holds the keys clientId, clientSecret and
	// refreshToken.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,message="spec.credentialsSecretRef.name must be the name of a Secret: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)"
	// +required
	Name string `json:"name"`
}

// RateLimit caps the calls made to Partner Center for one partner tenant, shared by every
// CustomerAgreement of that tenant.
type RateLimit struct {
	// qps is the sustained number of Partner Center requests per second.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=10
	// +optional
	QPS int32 `json:"qps,omitempty"`
	// burst is the number of requests that may be sent at once above the sustained rate.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=10
	// +optional
	Burst int32 `json:"burst,omitempty"`
	// pollShare is the largest share of qps that checks of attestations awaiting the customer may
	// use (a decimal from 0.05 to 1), so that first observations and writes go first.
	// +kubebuilder:default="0.5"
	// +kubebuilder:validation:MaxLength=6
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^(0\\.[0-9]{1,4}|1(\\.0{1,4})?)$') && double(self) >= 0.05",message="spec.rateLimit.pollShare must be a decimal from 0.05 to 1, such as 0.5"
	// +optional
	PollShare string `json:"pollShare,omitempty"`
}

// NamespacesFrom says which namespaces an AllowedNamespaces admits.
// +kubebuilder:validation:Enum=All;Selector
type NamespacesFrom string

const (
	// NamespacesFromAll admits CustomerAgreements of every namespace.
	NamespacesFromAll NamespacesFrom = "All"
	// NamespacesFromSelector admits the namespaces whose labels match the selector.
	NamespacesFromSelector NamespacesFrom = "Selector"
)

// AllowedNamespaces says which namespaces' CustomerAgreements may act in a partner's name.
// +kubebuilder:validation:XValidation:rule="self.from != 'Selector' || has(self.selector)",message="allowedNamespaces.selector is required when from is Selector"
// +kubebuilder:validation:XValidation:rule="self.from == 'Selector' || !has(self.selector)",message="allowedNamespaces.selector is only used when from is Selector"
type AllowedNamespaces struct {
	// from is All (every namespace) or Selector (the namespaces whose labels match selector).
	// +required
	From NamespacesFrom `json:"from"`
	// selector matches the labels of the allowed namespaces (from: Selector). A change of a
	// namespace's labels takes effect without any other edit.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// PartnerTenantSpec describes one partner tenant and how to reach Partner Center for it.
type PartnerTenantSpec struct {
	// tenantId is the partner's Microsoft Entra tenant id: a GUID in lower case (so that one tenant
	// has one spelling), not the nil or max GUID.
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')`,message="spec.tenantId must be a GUID in lower case, such as 5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"
	// +kubebuilder:validation:XValidation:rule=`self != '00000000-0000-0000-0000-000000000000' && self != 'ffffffff-ffff-ffff-ffff-ffffffffffff'`,message="spec.tenantId must be a real tenant id, not the nil (all zeros) or max (all f) GUID"
	// +required
	TenantID string `json:"tenantId"`

	// partnerType decides what the operator may do: IndirectProvider and DirectBill partners may
	// attest; an IndirectReseller never attests (its indirect provider must).
	// +required
	PartnerType PartnerType `json:"partnerType"`

	// endpoint is the Partner Center API base URL: https://host[:port][/path], https only; host is a
	// DNS name, an IPv4 address or a bracketed IPv6 address; port is 1 to 65535; no user info, query
	// or fragment.
	// +kubebuilder:default="https://api.partnercenter.microsoft.com"
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^https://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*$")`,message="spec.endpoint must be an https URL https://host[:port][/path], without user info, query or fragment"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// authority is the Microsoft Entra authority whose v1 token endpoint issues tokens:
	// https://host[:port][/path], https only; host is a DNS name, an IPv4 address or a bracketed IPv6
	// address; port is 1 to 65535; no user info, query or fragment.
	// +kubebuilder:default="https://login.microsoftonline.com"
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^https://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*$")`,message="spec.authority must be an https URL https://host[:port][/path], without user info, query or fragment"
	// +optional
	Authority string `json:"authority,omitempty"`

	// credentialsSecretRef names the Secret, in the operator's credentials namespace, with the keys
	// clientId, clientSecret and refreshToken. The operator writes a rotated refresh token back to it.
	// +required
	CredentialsSecretRef SecretReference `json:"credentialsSecretRef"`

	// rateLimit caps the requests sent to Partner Center for this tenant. Partner Center throttles
	// per partner; set it to the limit Microsoft grants the tenant. The operator sends at most half
	// the burst at once, so that requests in flight do not overrun Partner Center's own bucket.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// allowedNamespaces says which namespaces may hold CustomerAgreements that use this
	// PartnerTenant: every write to Partner Center is a legal act in the partner's name. Absent
	// means no namespace may use it. A CustomerAgreement in another namespace makes no Partner
	// Center call and reports Stalled with reason NamespaceNotAllowed.
	// +optional
	AllowedNamespaces *AllowedNamespaces `json:"allowedNamespaces,omitempty"`

	// attestation configures the enhanced partner attestation: link lifetime and, where Partner
	// Center's answer holds no link, the template to build it from.
	// +kubebuilder:default={}
	// +optional
	Attestation *PartnerAttestationSettings `json:"attestation,omitempty"`

	// linkDelivery sends acceptance links to the signatories (email) and to the partner's systems
	// (webhook), with reminders before they expire.
	// +optional
	LinkDelivery *LinkDelivery `json:"linkDelivery,omitempty"`

	// audit configures the AttestationRecords of this tenant's writes to Partner Center.
	// +optional
	Audit *AuditSettings `json:"audit,omitempty"`

	// approval asks for four eyes on this tenant's writes to Partner Center.
	// +optional
	Approval *ApprovalSettings `json:"approval,omitempty"`
}

// ApprovalSettings configures the approval of a partner tenant's legal acts.
type ApprovalSettings struct {
	// required: each write to Partner Center waits, with Reconciling=True and reason
	// AwaitingApproval, until its AttestationRecord is approved by a person who is not the
	// requester and who holds the verb approve on this PartnerTenant (status.approval). The
	// approval names the SHA-256 of the exact request body. Records created while it was required
	// still need their approval after it is turned off. Default false.
	// +optional
	Required bool `json:"required,omitempty"`
}

// DefaultRecordRetention is how long an AttestationRecord is kept when spec.audit.retention is
// not set: seven years.
const DefaultRecordRetention = 61320 * time.Hour

// AuditSettings configures the records of a partner tenant's legal acts.
type AuditSettings struct {
	// retention is how long after the act an AttestationRecord may not be deleted: a duration
	// such as 61320h (units h, m, s; no days) from 24h to 876000h. Default 61320h (seven years).
	// A change applies to the records written from then on.
	// +kubebuilder:default="61320h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$') && duration(self) >= duration('24h') && duration(self) <= duration('876000h')",message="spec.audit.retention must be a duration such as 61320h (units h, m, s; no days) between 24h and 876000h"
	// +optional
	Retention *metav1.Duration `json:"retention,omitempty"`
}

// PartnerTenantStatus is what the operator last observed for the tenant.
type PartnerTenantStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// templateId is the current Microsoft Customer Agreement template id read from Partner Center.
	// +optional
	TemplateID string `json:"templateId,omitempty"`

	// lastSyncTime is when a check of Partner Center last changed this status (an unchanged
	// check writes nothing).
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// customers compares Partner Center's customer list, read at most hourly, with the
	// CustomerAgreements that manage those customers.
	// +optional
	Customers *CustomerCoverage `json:"customers,omitempty"`

	// conditions: Ready is True once a token was obtained and the MCA template metadata was read.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PartnerTenant is one Partner Center partner tenant (production, the integration sandbox, or a
// country tenant) and how the operator reaches it. CustomerAgreements refer to it by name.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ptenant,categories=partnercenter
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantId`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.partnerType`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PartnerTenant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec PartnerTenantSpec `json:"spec"`
	// +optional
	Status PartnerTenantStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// PartnerTenantList contains a list of PartnerTenant.
type PartnerTenantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PartnerTenant `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PartnerTenant{}, &PartnerTenantList{})
}
