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

// RecordAct is the write to Partner Center an AttestationRecord records.
// +kubebuilder:validation:Enum=StartAttestation;CreateAgreement;LegacyConfirmation
type RecordAct string

const (
	// ActStartAttestation starts an enhanced attestation (POST /v1/attestations/enhanced).
	ActStartAttestation RecordAct = "StartAttestation"
	// ActCreateAgreement creates the agreement from an accepted attestation
	// (POST /v1/customers/{id}/agreements with attestationId).
	ActCreateAgreement RecordAct = "CreateAgreement"
	// ActLegacyConfirmation makes the legacy confirmation (POST /v1/customers/{id}/agreements).
	ActLegacyConfirmation RecordAct = "LegacyConfirmation"
)

// RecordOutcome is what Partner Center answered to a recorded write.
// +kubebuilder:validation:Enum=Unknown;Succeeded;Refused
type RecordOutcome string

const (
	// OutcomeUnknown: the write was about to be sent, or no answer came back (a transport failure,
	// a lost answer, a crash). The retry with the same MS-RequestId completes the record.
	OutcomeUnknown RecordOutcome = "Unknown"
	// OutcomeSucceeded: Partner Center carried out the write.
	OutcomeSucceeded RecordOutcome = "Succeeded"
	// OutcomeRefused: Partner Center refused the write with an error answer (status.httpStatus,
	// status.code, status.description).
	OutcomeRefused RecordOutcome = "Refused"
)

// ApprovalDecision is a person's decision on a record's act.
// +kubebuilder:validation:Enum=Approved;Denied
type ApprovalDecision string

const (
	// ApprovalApproved releases the act, if its body is the one approved.
	ApprovalApproved ApprovalDecision = "Approved"
	// ApprovalDenied is final for the act's intent: the operator does not make it.
	ApprovalDenied ApprovalDecision = "Denied"
)

// RecordApproval is a person's decision on a record whose act needs approval. It is written once,
// by the approver, through the status subresource; the admission policy
// attestationrecord-approval admits it only from a user who holds the verb approve on the
// record's PartnerTenant, who is not the requester, and in whose name it is.
type RecordApproval struct {
	// decision: Approved or Denied.
	// +required
	Decision ApprovalDecision `json:"decision"`
	// by is the approver's username (request.userInfo.username of the write).
	// +kubebuilder:validation:MaxLength=512
	// +required
	By string `json:"by"`
	// requestBodySHA256 is the hex SHA-256 of the request body approved: spec.requestBodySHA256.
	// The operator sends only a body with this digest.
	// +kubebuilder:validation:MaxLength=64
	// +required
	RequestBodySHA256 string `json:"requestBodySHA256"`
	// at is when the decision was made.
	// +required
	At metav1.Time `json:"at"`
	// reason is the approver's note, if any.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Reason string `json:"reason,omitempty"`
}

// RecordPartnerTenant names the PartnerTenant a record was written for.
type RecordPartnerTenant struct {
	// name of the PartnerTenant.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// tenantId is its partner tenant id.
	// +kubebuilder:validation:MaxLength=36
	// +required
	TenantID string `json:"tenantId"`
}

// RecordCustomerAgreement names the CustomerAgreement that caused the act; it may since have
// been deleted (the record stays).
type RecordCustomerAgreement struct {
	// namespace of the CustomerAgreement.
	// +kubebuilder:validation:MaxLength=63
	// +required
	Namespace string `json:"namespace"`
	// name of the CustomerAgreement.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// uid of the CustomerAgreement.
	// +kubebuilder:validation:MaxLength=64
	// +required
	UID string `json:"uid"`
	// generation of its spec the act was made for.
	// +required
	Generation int64 `json:"generation"`
}

// RequestedBy says who caused the act.
type RequestedBy struct {
	// username of the person or tool that created or last changed the CustomerAgreement's spec,
	// from its annotation partnercenter.mca.dev/requested-by (stamped at admission); empty when
	// the annotation is absent.
	// +kubebuilder:validation:MaxLength=512
	// +optional
	Username string `json:"username,omitempty"`
	// uid of that user, from the annotation partnercenter.mca.dev/requested-by-uid.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	UID string `json:"uid,omitempty"`
	// fieldManager is the field manager that last set the CustomerAgreement's spec, read from its
	// managedFields (kubectl, kubectl-client-side-apply, argocd-controller, kustomize-controller ...).
	// +kubebuilder:validation:MaxLength=256
	// +optional
	FieldManager string `json:"fieldManager,omitempty"`
	// gitOps names the Argo CD Application or Flux Kustomization or HelmRelease that applied the
	// CustomerAgreement, from its tracking annotation or labels, and the revision it last applied
	// where the operator may read it; absent when no GitOps tool applied it.
	// +optional
	GitOps *GitOpsOrigin `json:"gitOps,omitempty"`
}

// GitOpsTool is the GitOps tool that applied an object.
// +kubebuilder:validation:Enum=ArgoCD;Flux
type GitOpsTool string

const (
	// GitOpsArgoCD is Argo CD.
	GitOpsArgoCD GitOpsTool = "ArgoCD"
	// GitOpsFlux is Flux.
	GitOpsFlux GitOpsTool = "Flux"
)

// GitOpsOrigin names the GitOps object that applied a CustomerAgreement. Its names are read from
// the CustomerAgreement's metadata, which whoever edits it may write: they name, they prove nothing.
type GitOpsOrigin struct {
	// tool: ArgoCD or Flux.
	// +required
	Tool GitOpsTool `json:"tool"`
	// kind of the GitOps object: Application (Argo CD), Kustomization or HelmRelease (Flux).
	// +kubebuilder:validation:Enum=Application;Kustomization;HelmRelease
	// +required
	Kind string `json:"kind"`
	// namespace of the GitOps object.
	// +kubebuilder:validation:MaxLength=63
	// +required
	Namespace string `json:"namespace"`
	// name of the GitOps object.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// revision is the Git revision the object last applied, read from its status
	// (status.sync.revision of an Application, status.lastAppliedRevision of a Kustomization or
	// HelmRelease); empty when the operator may not read it (its RBAC for it is optional).
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Revision string `json:"revision,omitempty"`
}

// RecordLink names the previous record of the same PartnerTenant's chain.
type RecordLink struct {
	// name of the previous record.
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// digest of the previous record: "sha256:" and the hex SHA-256 of the canonical encoding of
	// its spec.
	// +kubebuilder:validation:MaxLength=80
	// +required
	Digest string `json:"digest"`
}

// AttestationRecordSpec is what was about to be sent, and why. It never changes.
type AttestationRecordSpec struct {
	// partnerTenant the act was made for.
	// +required
	PartnerTenant RecordPartnerTenant `json:"partnerTenant"`
	// customerTenantId is the customer's tenant id.
	// +kubebuilder:validation:MaxLength=36
	// +required
	CustomerTenantID string `json:"customerTenantId"`
	// customerAgreement that caused the act.
	// +required
	CustomerAgreement RecordCustomerAgreement `json:"customerAgreement"`
	// act is the write: StartAttestation, CreateAgreement or LegacyConfirmation.
	// +required
	Act RecordAct `json:"act"`
	// requestId is the write's MS-RequestId (its idempotency key): a retry of the write carries the
	// same one and completes this record.
	// +kubebuilder:validation:MaxLength=64
	// +required
	RequestID string `json:"requestId"`
	// requestBody is the JSON body sent, byte for byte, except that for CreateAgreement the
	// attestationId (a credential: it completes the acceptance link) is replaced by its handle
	// ("sha256-" and 16 hex digits). These bodies hold no link, token or secret.
	// +kubebuilder:validation:MaxLength=16384
	// +required
	RequestBody string `json:"requestBody"`
	// requestBodySHA256 is the hex SHA-256 of the exact bytes sent (for CreateAgreement, with the
	// attestation id itself, from the CustomerAgreement's ids Secret).
	// +kubebuilder:validation:MaxLength=64
	// +required
	RequestBodySHA256 string `json:"requestBodySHA256"`
	// requestedBy is who caused the act.
	// +optional
	RequestedBy RequestedBy `json:"requestedBy,omitempty"`
	// sequence is the record's position in its PartnerTenant's chain, from 1.
	// +kubebuilder:validation:Minimum=1
	// +required
	Sequence int64 `json:"sequence"`
	// previous names the PartnerTenant's previous record and its digest; absent for the first.
	// +optional
	Previous *RecordLink `json:"previous,omitempty"`
	// retainUntil is the act's time plus the PartnerTenant's spec.audit.retention: the record may
	// not be deleted before then.
	// +required
	RetainUntil metav1.Time `json:"retainUntil"`
	// approvalRequired: the PartnerTenant asked for four eyes (spec.approval.required) when the
	// record was created; the act is sent only once status.approval approves this body.
	// +optional
	ApprovalRequired bool `json:"approvalRequired,omitempty"`
}

// AttestationRecordStatus is Partner Center's answer. Each field is written once; outcome may
// only go from Unknown to Succeeded or Refused.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.outcome) || (has(self.outcome) && (self.outcome == oldSelf.outcome || (oldSelf.outcome == 'Unknown' && self.outcome in ['Succeeded', 'Refused'])))",message="status.outcome may only change from Unknown to Succeeded or Refused"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.httpStatus) || (has(self.httpStatus) && self.httpStatus == oldSelf.httpStatus)",message="status.httpStatus is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.code) || (has(self.code) && self.code == oldSelf.code)",message="status.code is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.description) || (has(self.description) && self.description == oldSelf.description)",message="status.description is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.attestationHandle) || (has(self.attestationHandle) && self.attestationHandle == oldSelf.attestationHandle)",message="status.attestationHandle is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.correlationId) || (has(self.correlationId) && self.correlationId == oldSelf.correlationId)",message="status.correlationId is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.requestedAt) || (has(self.requestedAt) && self.requestedAt == oldSelf.requestedAt)",message="status.requestedAt is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.answeredAt) || (has(self.answeredAt) && self.answeredAt == oldSelf.answeredAt)",message="status.answeredAt is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.retentionEndedAt) || (has(self.retentionEndedAt) && self.retentionEndedAt == oldSelf.retentionEndedAt)",message="status.retentionEndedAt is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.approval) || (has(self.approval) && self.approval == oldSelf.approval)",message="status.approval is written once"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.supersededBy) || (has(self.supersededBy) && self.supersededBy == oldSelf.supersededBy)",message="status.supersededBy is written once"
type AttestationRecordStatus struct {
	// outcome: Unknown (about to be sent, or no answer came back), Succeeded, or Refused.
	// +optional
	Outcome RecordOutcome `json:"outcome,omitempty"`
	// httpStatus of Partner Center's answer.
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=599
	// +optional
	HTTPStatus int32 `json:"httpStatus,omitempty"`
	// code is Partner Center's error code of a refusal (such as 600061).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Code string `json:"code,omitempty"`
	// description is Partner Center's error description of a refusal (redacted of anything that
	// looks like a credential).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
	// attestationHandle names the attestation started (StartAttestation) or turned into the
	// agreement (CreateAgreement) by its handle: never its id, which completes the acceptance link.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	AttestationHandle string `json:"attestationHandle,omitempty"`
	// correlationId is the MS-CorrelationId of the call that received the answer.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	CorrelationID string `json:"correlationId,omitempty"`
	// requestedAt is when the write was about to be sent.
	// +optional
	RequestedAt *metav1.Time `json:"requestedAt,omitempty"`
	// answeredAt is when Partner Center's answer came back.
	// +optional
	AnsweredAt *metav1.Time `json:"answeredAt,omitempty"`
	// retentionEndedAt is set by the operator once spec.retainUntil has passed; only then may the
	// record be deleted.
	// +optional
	RetentionEndedAt *metav1.Time `json:"retentionEndedAt,omitempty"`
	// approval is a person's decision on an act that needs one (spec.approvalRequired).
	// +optional
	Approval *RecordApproval `json:"approval,omitempty"`
	// supersededBy names the record that replaced this one before its act was sent: the
	// CustomerAgreement's spec changed while the act waited for approval. Its act is never sent.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	SupersededBy string `json:"supersededBy,omitempty"`
}

// AttestationRecord is the durable record of one write to Partner Center (a legal act in the
// partner's name): who asked, what was sent, and what Partner Center answered. It is created
// before the write and completed after it, its spec never changes, and it outlives the
// CustomerAgreement and its namespace. The records of a PartnerTenant form a hash chain.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=atr,categories=partnercenter
// +kubebuilder:printcolumn:name="PartnerTenant",type=string,JSONPath=`.spec.partnerTenant.name`
// +kubebuilder:printcolumn:name="Customer",type=string,JSONPath=`.spec.customerTenantId`
// +kubebuilder:printcolumn:name="Act",type=string,JSONPath=`.spec.act`
// +kubebuilder:printcolumn:name="Outcome",type=string,JSONPath=`.status.outcome`
// +kubebuilder:printcolumn:name="Approval",type=string,JSONPath=`.status.approval.decision`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.spec == oldSelf.spec",message="spec of an AttestationRecord is immutable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.status) || has(self.status)",message="status of an AttestationRecord cannot be removed"
type AttestationRecord struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec AttestationRecordSpec `json:"spec"`
	// +optional
	Status AttestationRecordStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AttestationRecordList contains a list of AttestationRecord.
type AttestationRecordList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AttestationRecord `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AttestationRecord{}, &AttestationRecordList{})
}
