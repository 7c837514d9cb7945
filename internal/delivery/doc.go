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

// Package delivery delivers acceptance links to the signatories (email) and to the partner's own
// systems (webhook), and decides which messages are due for an attestation.
//
// The acceptance link is a credential: whoever holds it can accept the MCA for the customer. No
// error, Due or Delivery this package returns holds it, nor the SMTP password or the webhook's
// HMAC key: every error text is redacted before it leaves the package.
//
// A controller uses it in this order, per CustomerAgreement:
//
//  1. Plan(PlanInput{...}) lists the messages due now, from the deliveries as the API server holds
//     them (a cache that has not seen the last result would send it again); Next tells when the
//     next one falls due.
//  2. Queue.Acquire(Item{Tenant, Key: MessageID, Object, ExpiresAt}) grants a send within the
//     PartnerTenant's maxPerMinute, earliest link expiry first; when it says no, the item waits and
//     Queue.Run notifies when its slot comes (requeue as well, in case the notification is lost).
//  3. Record the intent: a Delivery{Channel, Kind, MessageID, AttemptedAt: now} in
//     status.attestation.deliveries, written before sending.
//  4. Mailer.Send or Webhook.Send the Message; on success set SentAt, on a permanent error (see
//     IsPermanent) set Failure to err.Error(); on a retryable one keep the record as is and retry
//     after Backoff(attempt). Outcome(err) is the metric's outcome label.
//
// A crash between 3 and the status write of 4 makes Plan list the message again, with the same
// MessageID: the receiver sees at most one duplicate, which it can recognise.
//
// # Webhook
//
// Each POST carries a CloudEvents 1.0 structured-mode JSON body (Content-Type
// application/cloudevents+json) of type dev.mca.partnercenter.acceptancelink.v1, signed with its
// timestamp as the public package pkg/webhook describes; a receiver checks it with webhook.Verify.
//
// The event's id is the delivery's messageId: a receiver that sees an id twice has seen the same
// message twice. Answer 2xx once the event is stored; 408, 429 and 5xx are retried, other 4xx stop
// the delivery for that attestation. Redirects are not followed.
package delivery
