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

// Package partnercenter is the operator's client for the Microsoft Partner
// Center APIs that concern Microsoft Customer Agreement (MCA) acceptance. It
// follows the project's Partner Center wire contract field for field; every
// shape the contract marks as modeled lives in modeled.go.
//
// # Operations
//
//   - GetAgreementMetadata: the current MCA template id (cached for
//     Config.MetadataTTL; concurrent callers share one fetch).
//   - ListCustomerAgreements: the customer's partner attestations, always
//     asked for with agreementType=MicrosoftCustomerAgreement (without it the
//     service answers with old Cloud Agreement records). Both the collection
//     and the bare-array answer are accepted.
//   - GetDirectSignedStatus, GetAgreementDocument.
//   - StartEnhancedAttestation, GetEnhancedAttestation and
//     CreateAgreementFromAttestation: the enhanced flow (App-only tokens).
//   - CreateLegacyAgreement: the legacy confirmation (App+User tokens).
//   - CheckCredentials: obtains an App+User token.
//
// # Tokens
//
// Tokens come from the Entra ID v1 endpoint ({authority}/{tenant}/oauth2/token,
// resource=https://api.partnercenter.microsoft.com): App+User through the
// refresh token, App-only through client credentials, both from one
// CredentialStore (NewSecretCredentialStore reads the keys clientId,
// clientSecret and refreshToken of a Kubernetes Secret). Tokens are cached
// until shortly before they expire. A rotated refresh token is written back
// to the store before the new access token is used; if that write fails the
// new refresh token is kept in memory and written first thing next time. The
// write replaces only the token that was redeemed: a token a person stored
// meanwhile wins and is used from then on. A grant and its write-back finish
// even when the caller is cancelled, within MaxRotationWriteBack.
//
// # Transport behaviour
//
// The client only talks https to BaseURL and AuthorityURL (New refuses
// anything but https://host[:port][/path]). It follows no redirect: a 3xx
// answer fails with KindRedirected, because every request carries a
// credential. Every call sends MS-RequestId and MS-CorrelationId. One operation keeps its
// request id across retries (WithRequestID lets the caller choose it, e.g. to
// make a create idempotent across restarts). Timeouts, connection resets and
// 5xx are retried with exponential backoff and jitter within the caller's
// deadline. A 429 is waited out in-process when Retry-After ≤
// Config.MaxInlineWait; otherwise the call fails with KindThrottled and
// RetryAfter(err) tells the caller when to come back. One token-bucket rate
// limiter per Client (i.e. per partner tenant) paces all calls.
//
// # Errors
//
// Failures are *Error values classified by Partner Center code first and
// HTTP status second (KindOf, (*Error).Retryable, RetryAfter). No error text
// or log line holds a token, a secret or a refresh token, plain or
// URL-encoded: server text is redacted before it is cut, and the token
// endpoint's text is not kept at all (only its OAuth error code).
//
// # Modeled shapes
//
// The shapes the contract marks as modeled (the enhanced attestation bodies
// and answers, its status names, code 600062) all live in modeled.go.
package partnercenter
