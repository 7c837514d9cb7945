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

// PartnerAttestationSettings configures the enhanced partner attestation for a partner tenant.
type PartnerAttestationSettings struct {
	// acceptanceURLTemplate builds the signatory's acceptance link when Partner Center's answer to
	// the start of an attestation holds none (Microsoft documents a "parameterized link" the partner
	// completes). Placeholders: {attestationId}, {language}, {country}. It must be an https URL
	// https://host[:port][/path][?query]: host is a DNS name, an IPv4 address or a bracketed IPv6
	// address, without placeholders; port is 1 to 65535; placeholders only in the path and the
	// query; no user info or fragment.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^https://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2}|\{(attestationId|language|country)\})*)*(\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2}|\{(attestationId|language|country)\})*)?$")`,message="spec.attestation.acceptanceURLTemplate must be an https URL https://host[:port][/path][?query], placeholders only in the path or query, without user info or fragment"
	// +kubebuilder:validation:XValidation:rule="self.contains('{attestationId}')",message="spec.attestation.acceptanceURLTemplate must contain the placeholder {attestationId}"
	// +optional
	AcceptanceURLTemplate string `json:"acceptanceURLTemplate,omitempty"`

	// linkLifetime is how long an acceptance link stays valid, 5m to 168h (Partner Center takes
	// whole minutes, 5 to 10,080). A CustomerAgreement's spec.attestation.linkLifetime overrides it.
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$') && duration(self) >= duration('5m') && duration(self) <= duration('168h')",message="spec.attestation.linkLifetime must be a duration such as 72h or 90m (units h, m, s) between 5m and 168h"
	// +optional
	LinkLifetime *metav1.Duration `json:"linkLifetime,omitempty"`
}

// CustomerAttestationSettings overrides the PartnerTenant's attestation settings for one customer.
type CustomerAttestationSettings struct {
	// linkLifetime is how long this customer's acceptance links stay valid, 5m to 168h; it
	// overrides the PartnerTenant's spec.attestation.linkLifetime.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$') && duration(self) >= duration('5m') && duration(self) <= duration('168h')",message="spec.attestation.linkLifetime must be a duration such as 72h or 90m (units h, m, s) between 5m and 168h"
	// +optional
	LinkLifetime *metav1.Duration `json:"linkLifetime,omitempty"`
}

// LocalObjectReference names an object in the operator's credentials namespace.
type LocalObjectReference struct {
	// name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +required
	Name string `json:"name"`
}

// SMTPTLS says how the connection to the mail relay is protected.
// +kubebuilder:validation:Enum=StartTLS;TLS;None
type SMTPTLS string

const (
	// SMTPTLSStartTLS upgrades a plain connection with STARTTLS (port 587); refused if the relay
	// does not offer it.
	SMTPTLSStartTLS SMTPTLS = "StartTLS"
	// SMTPTLSImplicit speaks TLS from the first byte (port 465).
	SMTPTLSImplicit SMTPTLS = "TLS"
	// SMTPTLSNone sends in the clear: only for a relay on a trusted network. The acceptance link is
	// a credential; anyone on the path can read it.
	SMTPTLSNone SMTPTLS = "None"
)

// SMTPServer is the mail relay the operator sends acceptance links through.
type SMTPServer struct {
	// host name of the relay: a DNS name or an IP address, without a port (see port), user info or
	// spaces.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$') || isIP(self)`,message="spec.linkDelivery.email.smtp.host must be a host name or an IP address, without a port (set smtp.port), user info or spaces"
	// +required
	Host string `json:"host"`
	// port of the relay.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=587
	// +optional
	Port int32 `json:"port,omitempty"`
	// tls: StartTLS (default), TLS, or None (plain text, for a relay on a trusted network only: the
	// acceptance link is a credential and travels readable).
	// +kubebuilder:default=StartTLS
	// +optional
	TLS SMTPTLS `json:"tls,omitempty"`
	// credentialsSecretRef names a Secret in the credentials namespace with the keys username and
	// password; absent: no authentication.
	// +optional
	CredentialsSecretRef *LocalObjectReference `json:"credentialsSecretRef,omitempty"`
}

// EmailDelivery sends acceptance links by email.
type EmailDelivery struct {
	// smtp is the relay.
	// +required
	SMTP SMTPServer `json:"smtp"`
	// from is the sender: a plain address such as mca@contoso.example, or one in angle brackets
	// after an optional display name, such as Contoso Billing <mca@contoso.example> or "Contoso, Inc." <mca@contoso.example>. The
	// address is ASCII: dot-separated runs of letters, digits and !#$%&'*+/=?^_{|}~- (at most 64
	// characters before the @) at a host name with at least two labels. A display name is words of
	// those characters but =, letters, digits and dots separated by single spaces, or a quoted
	// string without quotes, backslashes, =, <, > or @ (quote a name with a comma); no encoded
	// words. Every value admitted is one the mail sender parses (net/mail).
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=320
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^([A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})|(([A-Za-z0-9!#$%&'*+/?^_{|}~.\p{L}\p{M}\p{N}-]+( [A-Za-z0-9!#$%&'*+/?^_{|}~.\p{L}\p{M}\p{N}-]+)*|\x22[ !#-;?A-\[\]-~\p{L}\p{M}\p{N}]*\x22) ?)?<[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})>)$")`,message="spec.linkDelivery.email.from must be an address such as mca@contoso.example or Contoso <mca@contoso.example>: ASCII address, a display name quoted if it holds a comma, no control characters"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'(^|<)[^<@]{65,}@')`,message="spec.linkDelivery.email.from may have at most 64 characters before the @"
	// +required
	From string `json:"from"`
	// replyTo is where the signatory's answers go (optional): a plain address such as
	// billing@contoso.example, as spec.signatory.email.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})$")`,message="spec.linkDelivery.email.replyTo must be a plain email address such as billing@contoso.example"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'^[^@]{65,}@')`,message="spec.linkDelivery.email.replyTo may have at most 64 characters before the @"
	// +optional
	ReplyTo string `json:"replyTo,omitempty"`
}

// WebhookDelivery posts acceptance links to an HTTPS endpoint as CloudEvents.
type WebhookDelivery struct {
	// url receives a POST per delivery (CloudEvents 1.0 structured JSON), with the headers
	// X-MCA-Timestamp (Unix seconds) and X-MCA-Signature: sha256=<hex HMAC-SHA256 of
	// "<timestamp>.<body>">. It is https://host[:port][/path]: host is a DNS name, an IPv4 address
	// or a bracketed IPv6 address; port is 1 to 65535; no user info, query or fragment.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self.matches(r"^https://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*$")`,message="spec.linkDelivery.webhook.url must be https://host[:port][/path], without user info, query or fragment"
	// +required
	URL string `json:"url"`
	// secretRef names a Secret in the credentials namespace whose key hmacKey signs each body.
	// +required
	SecretRef LocalObjectReference `json:"secretRef"`
}

// LinkDelivery is how a partner tenant's acceptance links reach the signatories.
type LinkDelivery struct {
	// email sends the link to the signatory's email address.
	// +optional
	Email *EmailDelivery `json:"email,omitempty"`
	// webhook posts the link to the partner's own system.
	// +optional
	Webhook *WebhookDelivery `json:"webhook,omitempty"`
	// reminders are sent this long before a link expires (a reminder that would fall before the
	// first send is skipped): durations such as 72h or 90m (units h, m, s; no days), each above 0
	// and at most 168h, the longest link lifetime.
	// +kubebuilder:default={"72h","24h"}
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Type=string
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.all(r, r.matches(r'^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$') && duration(r) > duration('0s') && duration(r) <= duration('168h'))",message="spec.linkDelivery.reminders must be durations such as 72h or 90m (units h, m, s; no days), each above 0 and at most 168h"
	// +listType=atomic
	// +optional
	Reminders []metav1.Duration `json:"reminders,omitempty"`
	// maxPerMinute caps the messages sent for this tenant, so that a first onboarding of thousands
	// does not flood the relay; the queue drains in order of link expiry.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=60
	// +optional
	MaxPerMinute int32 `json:"maxPerMinute,omitempty"`
	// templatesConfigMapRef names a ConfigMap in the credentials namespace whose keys replace the
	// built-in templates (<language>.subject, <language>.txt, <language>.html; Go templates).
	// +optional
	TemplatesConfigMapRef *LocalObjectReference `json:"templatesConfigMapRef,omitempty"`
}

// DeliveryChannel is one way of delivering an acceptance link.
// +kubebuilder:validation:Enum=Email;Webhook
type DeliveryChannel string

const (
	// ChannelEmail emails the link to spec.signatory.email.
	ChannelEmail DeliveryChannel = "Email"
	// ChannelWebhook posts the link to the PartnerTenant's webhook.
	ChannelWebhook DeliveryChannel = "Webhook"
)

// CustomerLinkDelivery chooses the channels for one customer.
type CustomerLinkDelivery struct {
	// channels used for this customer: a subset of [Email, Webhook]. Absent: every channel the
	// PartnerTenant configures; [] sends nothing.
	// +kubebuilder:validation:MaxItems=2
	// +listType=set
	// +optional
	Channels []DeliveryChannel `json:"channels"`
}

// DeliveryKind says why a message was sent.
// +kubebuilder:validation:Enum=Initial;Reminder;Renewed
type DeliveryKind string

const (
	// DeliveryInitial is the first message of an attestation.
	DeliveryInitial DeliveryKind = "Initial"
	// DeliveryReminder reminds the signatory before the link expires.
	DeliveryReminder DeliveryKind = "Reminder"
	// DeliveryRenewed carries the new link after an expired one was renewed.
	DeliveryRenewed DeliveryKind = "Renewed"
)

// Delivery records one message about an acceptance link (never the link itself).
type Delivery struct {
	// channel used.
	Channel DeliveryChannel `json:"channel"`
	// kind of message.
	Kind DeliveryKind `json:"kind"`
	// messageId identifies the message (the email's Message-ID, the CloudEvent's id); derived
	// from the attestation and the kind, so a resend after a crash carries the same id.
	// +kubebuilder:validation:MaxLength=256
	MessageID string `json:"messageId"`
	// attemptedAt is when the send was first attempted (recorded before sending).
	// +optional
	AttemptedAt *metav1.Time `json:"attemptedAt,omitempty"`
	// sentAt is when the relay or receiver accepted it; absent while in flight or failed.
	// +optional
	SentAt *metav1.Time `json:"sentAt,omitempty"`
	// failure says why the channel gave up on this message (redacted).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Failure string `json:"failure,omitempty"`
}
