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

// Condition types. Ready, Reconciling and Stalled follow kstatus (sigs.k8s.io/cli-utils), so that
// Flux and `kubectl wait` read progress, success and terminal failure correctly: Reconciling and
// Stalled are "abnormal-true" and are removed when they do not apply.
const (
	// ConditionReady is True when the customer has an MCA acceptance under the current terms
	// (CustomerAgreement), or when Partner Center can be reached with the credentials (PartnerTenant).
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is working towards Ready (an attestation in
	// flight, a retry after throttling or a transient error).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress until a person acts (a
	// duplicate signatory, a customer without a reseller relationship, invalid credentials ...).
	ConditionStalled = "Stalled"
	// ConditionDuplicateSignatory is True when Partner Center refused the attestation with code
	// 600061 because an attestation with the same contact details already exists.
	ConditionDuplicateSignatory = "DuplicateSignatory"
	// ConditionReattestationRequired is True when the only partner attestation on record predates the
	// reattestation cutoff (1 April 2023).
	ConditionReattestationRequired = "ReattestationRequired"
	// ConditionAwaitingCustomerAcceptance is True while the customer's signatory has yet to accept
	// (enhanced attestation link pending, or the admin-center invitation for CustomerDirect).
	ConditionAwaitingCustomerAcceptance = "AwaitingCustomerAcceptance"
	// ConditionAttestationNotPermitted is True when the partner may not attest (an indirect reseller).
	ConditionAttestationNotPermitted = "AttestationNotPermitted"
	// ConditionLinkDelivered says whether the acceptance link reached its channels (True: the last
	// message of each channel was sent; False, reason LinkDeliveryFailed: a channel gave up). Ready
	// does not depend on it.
	ConditionLinkDelivered = "LinkDelivered"
	// ConditionLinkDeliveryReady (PartnerTenant) says whether link delivery can send: False with
	// reason TemplatesInvalid when the templates ConfigMap does not parse or render.
	ConditionLinkDeliveryReady = "LinkDeliveryReady"
	// ConditionPaused is True while the object carries the annotation
	// partnercenter.mca.dev/paused: "true"; the operator then neither reads nor writes Partner Center.
	ConditionPaused = "Paused"
)

// AnnotationPaused pauses a CustomerAgreement: with the value "true" the operator leaves it alone
// (no Partner Center calls, no writes) until the annotation is removed or set to anything else.
const AnnotationPaused = "partnercenter.mca.dev/paused"

// Condition reasons. They are part of the API: alerts, dashboards and scripts match on them.
const (
	// ReasonAttested (Ready=True): a partner attestation under the current terms is in force.
	ReasonAttested = "Attested"
	// ReasonAcceptedByCustomer (Ready=True): the customer accepted the MCA directly.
	ReasonAcceptedByCustomer = "AcceptedByCustomer"
	// ReasonAgreementCreated (Ready=True): the operator created the agreement; Partner Center's
	// reads may take a while to show it.
	ReasonAgreementCreated = "AgreementCreated"
	// ReasonNoAgreement (Ready=False): nothing is on record and the operator will not write
	// (managementPolicy Observe).
	ReasonNoAgreement = "NoAgreementOnRecord"
	// ReasonReattestationRequired: only an attestation from before the cutoff exists.
	ReasonReattestationRequired = "ReattestationRequired"
	// ReasonTransactionsBlocked: legacy attestation past the enforcement date; purchases fail with
	// 403 / 900428.
	ReasonTransactionsBlocked = "TransactionsBlocked"
	// ReasonAwaitingCustomer: the signatory has yet to accept on Microsoft's page.
	ReasonAwaitingCustomer = "AwaitingCustomerAcceptance"
	// ReasonAwaitingDirectAcceptance: the customer has yet to accept in the Microsoft 365 admin center.
	ReasonAwaitingDirectAcceptance = "AwaitingDirectAcceptance"
	// ReasonAttestationStarted: an enhanced attestation was started; its link is in the Secret that
	// status.attestation.linkSecretRef names, never in status.
	ReasonAttestationStarted = "AttestationStarted"
	// ReasonAttestationIDLost (event): the id of a followed attestation is in neither of its
	// Secrets (deleted or edited by hand); the operator stops following that attestation.
	ReasonAttestationIDLost = "AttestationIDLost"
	// ReasonLinkExpired: the acceptance link expired; a new attestation is started.
	ReasonLinkExpired = "AcceptanceLinkExpired"
	// ReasonDuplicateSignatory: Partner Center refused the attestation with code 600061.
	ReasonDuplicateSignatory = "DuplicateSignatory"
	// ReasonNotPermitted: indirect resellers may not attest; their indirect provider must.
	ReasonNotPermitted = "AttestationNotPermitted"
	// ReasonCustomerNotFound: Partner Center does not know the customer tenant (404).
	ReasonCustomerNotFound = "CustomerNotFound"
	// ReasonNoRelationship: the partner has no reseller relationship with the customer (403 / 20002).
	ReasonNoRelationship = "NoResellerRelationship"
	// ReasonInvalidSpec: the spec cannot be acted on (for example dateAgreed in the future).
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonPartnerTenantNotFound: spec.partnerTenantRef names no PartnerTenant.
	ReasonPartnerTenantNotFound = "PartnerTenantNotFound"
	// ReasonPartnerTenantNotReady: the PartnerTenant cannot reach Partner Center yet.
	ReasonPartnerTenantNotReady = "PartnerTenantNotReady"
	// ReasonCredentialsMissing: the credentials Secret or one of its keys is missing.
	ReasonCredentialsMissing = "CredentialsMissing"
	// ReasonInvalidGrant: the refresh token expired or was revoked (invalid_grant).
	ReasonInvalidGrant = "RefreshTokenInvalid"
	// ReasonMFARequired: the App+User token was issued without MFA (900421).
	ReasonMFARequired = "MFARequired"
	// ReasonUnauthorized: Partner Center refused the token (401).
	ReasonUnauthorized = "Unauthorized"
	// ReasonThrottled: Partner Center answered 429; the operator waits for Retry-After.
	ReasonThrottled = "Throttled"
	// ReasonPartnerCenterError: a transient Partner Center or network error; retried with backoff.
	ReasonPartnerCenterError = "PartnerCenterUnavailable"
	// ReasonRedirectRefused: Partner Center or the token endpoint answered with a redirect, which
	// the operator never follows.
	ReasonRedirectRefused = "RedirectRefused"
	// ReasonRequestRejected: Partner Center refused a request as invalid (400).
	ReasonRequestRejected = "RequestRejected"
	// ReasonConnected (PartnerTenant Ready=True): a token was obtained and the MCA metadata read.
	ReasonConnected = "Connected"
	// ReasonNamespaceNotAllowed (Stalled=True): the CustomerAgreement's namespace is not in the
	// PartnerTenant's spec.allowedNamespaces; no Partner Center call is made.
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	// ReasonCustomerClaimed (Stalled=True): an older CustomerAgreement names the same customer under
	// the same partner tenant and owns it; this one makes no write to Partner Center.
	ReasonCustomerClaimed = "CustomerClaimed"
	// ReasonAgreementNotVisible (Stalled=True): the operator created an agreement, but Partner
	// Center's reads have not shown it within 24 hours. The operator does not attest again.
	ReasonAgreementNotVisible = "AgreementNotVisible"
	// ReasonTooManyAttestations (Reconciling=True): too many attestations whose links may still be
	// accepted are out for this customer; a new one starts once some expire.
	ReasonTooManyAttestations = "TooManyAttestationsInFlight"
	// ReasonAcceptanceLinkUnavailable (Stalled=True): Partner Center's answer holds no acceptance
	// link and the PartnerTenant has no spec.attestation.acceptanceURLTemplate to build it from.
	ReasonAcceptanceLinkUnavailable = "AcceptanceLinkUnavailable"
	// ReasonAgreementCreationRefused (Stalled=True): the signatory accepted, but Partner Center
	// refused to create the agreement from the attestation with a code outside the model.
	ReasonAgreementCreationRefused = "AgreementCreationRefused"
	// ReasonLegacyConfirmationRefused (Stalled=True): Partner Center refused the legacy
	// confirmation (retired on 5 January 2026); use method PartnerAttestation.
	ReasonLegacyConfirmationRefused = "LegacyConfirmationRefused"
	// ReasonLinkDelivered (LinkDelivered=True): every message due was sent.
	ReasonLinkDelivered = "LinkDelivered"
	// ReasonLinkDeliveryFailed (LinkDelivered=False): a channel gave up on a message (for example
	// an unknown recipient); the message carries the server's answer, redacted.
	ReasonLinkDeliveryFailed = "LinkDeliveryFailed"
	// ReasonTemplatesInvalid (PartnerTenant LinkDeliveryReady=False): the templates ConfigMap is
	// missing or a template does not parse or render; nothing is sent with it.
	ReasonTemplatesInvalid = "TemplatesInvalid"
	// ReasonSenderAddressInvalid (PartnerTenant LinkDeliveryReady=False): spec.linkDelivery.email.from
	// or replyTo does not parse as the mail sender parses it; no email is sent.
	ReasonSenderAddressInvalid = "SenderAddressInvalid"
	// ReasonTemplatesLoaded (PartnerTenant LinkDeliveryReady=True).
	ReasonTemplatesLoaded = "TemplatesLoaded"
	// ReasonReconcilePaused (Paused=True): the paused annotation is set.
	ReasonReconcilePaused = "ReconcilePaused"
	// ReasonShardConflict (a Warning event on a PartnerTenant): another manager holds the
	// PartnerTenant's Lease, so this one makes no Partner Center call and no write for it; two
	// managers name the PartnerTenant in --partner-tenants, or a sharded and an unsharded one run.
	ReasonShardConflict = "ShardConflict"
	// ReasonAwaitingApproval (Reconciling=True): the PartnerTenant requires four eyes
	// (spec.approval.required) and the act's AttestationRecord waits for a person other than the
	// requester to approve it (its status.approval); nothing is sent to Partner Center before.
	ReasonAwaitingApproval = "AwaitingApproval"
	// ReasonApprovalDenied (Stalled=True): the act's AttestationRecord was denied. Denial is final
	// for that intent: the operator does not make the act; a changed spec is a new intent.
	ReasonApprovalDenied = "ApprovalDenied"
)
