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
	"crypto/sha256"
	"encoding/hex"
)

// Annotations, labels and Secret keys that the operator and kubectl mca share.

// AnnotationIntegrationSandbox set to "true" marks a PartnerTenant as Partner Center's integration
// sandbox: only then does `kubectl mca probe --attest` start an attestation with it.
const AnnotationIntegrationSandbox = "partnercenter.mca.dev/integration-sandbox"

// AnnotationReconcileRequestedAt set to a new value (kubectl mca reconcile writes the time) makes
// the operator reconcile the object now.
const AnnotationReconcileRequestedAt = "partnercenter.mca.dev/reconcile-requested-at"

// AnnotationRequestedBy and AnnotationRequestedByUID name the user who last wrote a
// CustomerAgreement's spec (its username and uid). The admission policies of config/policies stamp
// them on create and on every spec change, and refuse a value that does not name the requester;
// the AttestationRecord of each write made for the object copies them into spec.requestedBy.
const (
	AnnotationRequestedBy    = "partnercenter.mca.dev/requested-by"
	AnnotationRequestedByUID = "partnercenter.mca.dev/requested-by-uid"
)

// LabelPartnerTenant on a CustomerAgreement equals its spec.partnerTenantRef.name (see
// PartnerTenantLabelValue): a manager started with --partner-tenants caches only the
// CustomerAgreements whose label names a PartnerTenant it serves. The admission policies of
// config/policies set it and refuse a wrong value; the operator labels the objects created before
// them.
const LabelPartnerTenant = "partnercenter.mca.dev/partner-tenant"

// PartnerTenantLabelValue is the value of LabelPartnerTenant for a CustomerAgreement of the
// PartnerTenant named name, and false when the name does not fit a label value (more than 63
// characters): such a CustomerAgreement carries no label, and only a manager that is not sharded
// serves its PartnerTenant. (The admission policies cannot hash a long name: CEL has no hash.)
func PartnerTenantLabelValue(name string) (string, bool) {
	if len(name) > maxLabelValue {
		return "", false
	}
	return name, true
}

// A link Secret holds a CustomerAgreement's acceptance link (a credential) in the operator's
// credentials namespace: its keys, and the labels that name its CustomerAgreement. A label value
// holds at most 63 characters and an object's name up to 253: LabelLinkName holds
// LinkLabelValue(name), and AnnotationLinkName the name itself.
const (
	LinkSecretKeyLink          = "acceptanceLink"
	LinkSecretKeyAttestationID = "attestationId"
	LinkSecretKeyExpiresAt     = "expiresAt"
	LabelLinkNamespace         = "partnercenter.mca.dev/customeragreement-namespace"
	LabelLinkName              = "partnercenter.mca.dev/customeragreement-name"
	LabelLinkUID               = "partnercenter.mca.dev/customeragreement-uid"
	AnnotationLinkName         = "partnercenter.mca.dev/customeragreement-name"
)

// Labels of an AttestationRecord: its PartnerTenant (LinkLabelValue of the name, so that any name
// can be selected) and its MS-RequestId, by which a retry of the write finds the record. A record
// whose act waits for a person's approval carries LabelRecordApproval=ApprovalPending from its
// creation until the operator acted on the decision (or the record was superseded): kubectl mca
// pending and the operator's watch select by it, so that neither reads every record.
const (
	LabelRecordPartnerTenant = "partnercenter.mca.dev/partner-tenant"
	LabelRecordRequestID     = "partnercenter.mca.dev/request-id"
	LabelRecordApproval      = "partnercenter.mca.dev/approval"
	ApprovalPending          = "pending"
)

// An attestation ids Secret holds, in the credentials namespace, Partner Center's ids of the
// attestations a CustomerAgreement follows, each under the key AttestationHandle(id). It carries
// the link Secret's labels and annotation.
const AttestationIDsSecretPrefix = "mca-ids-"

// AttestationHandle names an attestation without revealing its id (which completes the
// acceptance link): "sha256-" and the first 16 hex digits of the id's SHA-256. Attestation ids
// are random (UUIDs), so the handle cannot be turned back into the id; it is also a valid Secret
// data key.
func AttestationHandle(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256-" + hex.EncodeToString(sum[:8])
}

// maxLabelValue is the longest label value the API server admits.
const maxLabelValue = 63

// LinkLabelValue is the value of LabelLinkName for a CustomerAgreement named name: the name when
// it fits a label value, else "sha256-" and the first 56 hex digits of its SHA-256 (63
// characters), so that any valid name can be selected by label.
func LinkLabelValue(name string) string {
	if len(name) <= maxLabelValue {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "sha256-" + hex.EncodeToString(sum[:])[:maxLabelValue-len("sha256-")]
}

// LinkOwnerName is the name of the CustomerAgreement a link Secret belongs to, from its
// annotation (or, for a Secret written before the annotation existed, its label).
func LinkOwnerName(annotations, labels map[string]string) string {
	if n := annotations[AnnotationLinkName]; n != "" {
		return n
	}
	return labels[LabelLinkName]
}

// SenderAddressPattern and SenderLocalPartTooLong are the rules of
// spec.linkDelivery.email.from, as the CRD's CEL (which matches with Go's RE2 regular
// expressions) and the mail sender (delivery.ParseSenderAddress) both apply them: an address is
// admitted exactly when the sender will use it. A test keeps them equal to the CRD's markers.
const (
	SenderAddressPattern   = `^([A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})|(([A-Za-z0-9!#$%&'*+/?^_{|}~.\p{L}\p{M}\p{N}-]+( [A-Za-z0-9!#$%&'*+/?^_{|}~.\p{L}\p{M}\p{N}-]+)*|\x22[ !#-;?A-\[\]-~\p{L}\p{M}\p{N}]*\x22) ?)?<[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})>)$`
	SenderLocalPartTooLong = `(^|<)[^<@]{65,}@`
)
