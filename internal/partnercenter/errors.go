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
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// ErrorKind classifies a Partner Center failure.
type ErrorKind string

const (
	// KindDuplicateSignatory: 600061, the contact is identical to an
	// attestation under the current terms (§4.3). Final.
	KindDuplicateSignatory ErrorKind = "DuplicateSignatory"
	// KindAttestationNotAccepted: 600062, the customer has not accepted yet.
	// Retrying later can help.
	KindAttestationNotAccepted ErrorKind = "AttestationNotAccepted"
	// KindAttestationExpired: the attestation's link expired; start a new one (modeled code).
	KindAttestationExpired ErrorKind = "AttestationExpired"
	// KindPollDeferred: the polls' share of the tenant's rate is spent; nothing was sent. Come
	// back after RetryAfter.
	KindPollDeferred ErrorKind = "PollDeferred"
	// KindResyncDeferred: a resync read (ResyncContext) or a background read (AsBackground)
	// found no token of the tenant's rate to spare; nothing was sent. Come back after RetryAfter.
	KindResyncDeferred ErrorKind = "ResyncDeferred"
	// KindNotSupported: the partner tenant's Partner Center does not serve the operation (the
	// modeled GET of an attestation answering 404 or 405).
	KindNotSupported ErrorKind = "NotSupported"
	// KindCustomerNotFound: 404 on a customer resource.
	KindCustomerNotFound ErrorKind = "CustomerNotFound"
	// KindNotFound: 404 on another resource (attestation, template).
	KindNotFound ErrorKind = "NotFound"
	// KindNoRelationship: 403 with code 20002.
	KindNoRelationship ErrorKind = "NoRelationship"
	// KindInvalidGrant: the refresh token is invalid, expired or revoked.
	KindInvalidGrant ErrorKind = "InvalidGrant"
	// KindMFARequired: 401 with code 900421 (App+User token without MFA).
	KindMFARequired ErrorKind = "MFARequired"
	// KindAgreementRequired: 403 with 900428 or 13605 (transactions blocked
	// for lack of a current MCA, §5).
	KindAgreementRequired ErrorKind = "AgreementRequired"
	// KindThrottled: 429; RetryAfter says how long to wait.
	KindThrottled ErrorKind = "Throttled"
	// KindTransient: timeouts, resets, 5xx after the in-process retries.
	KindTransient ErrorKind = "Transient"
	// KindUnauthorized: 401 (wrong token kind, rejected client credentials).
	KindUnauthorized ErrorKind = "Unauthorized"
	// KindForbidden: 403 without a more specific code (e.g. an indirect
	// reseller attempting an attestation).
	KindForbidden ErrorKind = "Forbidden"
	// KindBadRequest: 400/409/422 without a more specific code.
	KindBadRequest ErrorKind = "BadRequest"
	// KindRedirected: Partner Center or the token endpoint answered with a
	// redirect (3xx). The client never follows one: a redirect would carry
	// the credentials elsewhere. Final until the configuration changes.
	KindRedirected ErrorKind = "Redirected"
	// KindCredentials: the credentials Secret is missing or incomplete.
	KindCredentials ErrorKind = "Credentials"
	// KindUnknown: anything else.
	KindUnknown ErrorKind = "Unknown"
)

// Error is a classified Partner Center error. Its text never holds a token,
// a secret or a refresh token: it is safe to log and to put into a status.
type Error struct {
	Kind       ErrorKind
	Operation  string
	StatusCode int
	Code       string
	ErrorName  string
	Message    string
	RetryAfter time.Duration

	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("partnercenter: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	var details []string
	if e.StatusCode != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.StatusCode))
	}
	if e.Code != "" {
		details = append(details, "code "+e.Code)
	}
	if e.ErrorName != "" {
		details = append(details, e.ErrorName)
	}
	if e.RetryAfter > 0 {
		details = append(details, "retry after "+e.RetryAfter.String())
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.cause }

// Retryable says whether trying the same thing again later can succeed
// without anybody changing anything.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindThrottled, KindTransient, KindAttestationNotAccepted:
		return true
	default:
		return false
	}
}

// KindOf returns the kind of a Partner Center error, KindTransient for
// context cancellation/deadline errors, "" for nil and KindUnknown otherwise.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return KindTransient
	}
	return KindUnknown
}

// IsRetryable reports whether err is a Partner Center error that retrying can help.
func IsRetryable(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Retryable()
	}
	return KindOf(err) == KindTransient
}

// RetryAfter returns the delay a throttled call asked for.
func RetryAfter(err error) (time.Duration, bool) {
	var pe *Error
	if errors.As(err, &pe) && (pe.Kind == KindThrottled || pe.RetryAfter > 0) {
		return pe.RetryAfter, true
	}
	return 0, false
}

// classify maps an HTTP answer to an Error. It looks at the code (and
// errorName) first and at the status only when the code says nothing. Code,
// ErrorName and Message are the server's text, sanitized but neither
// redacted nor cut: the caller redacts the secrets it knows, then cuts.
func classify(op string, status int, eb errorBody, customerScoped bool) *Error {
	e := &Error{Operation: op, StatusCode: status, Code: sanitizeText(string(eb.Code)), ErrorName: sanitizeText(eb.ErrorName), Message: sanitizeText(eb.text())}
	if e.Code == "" && len(eb.OAuthErrorCodes) > 0 {
		e.Code = string(eb.OAuthErrorCodes[0])
	}
	switch {
	case e.Code == "600061" || strings.EqualFold(e.ErrorName, "PartnerConfirmedAgreementAlreadyExists"):
		e.Kind = KindDuplicateSignatory
	case e.Code == CodeAttestationNotAccepted || strings.EqualFold(e.ErrorName, ErrorNameAttestationNotAccepted):
		e.Kind = KindAttestationNotAccepted
	case e.Code == CodeAttestationExpired || strings.EqualFold(e.ErrorName, ErrorNameAttestationExpired):
		e.Kind = KindAttestationExpired
	case e.Code == "900421":
		e.Kind = KindMFARequired
	case status == http.StatusForbidden && (e.Code == "900428" || e.Code == "13605"):
		e.Kind = KindAgreementRequired
	case status == http.StatusForbidden && e.Code == "20002":
		e.Kind = KindNoRelationship
	case status == http.StatusTooManyRequests:
		e.Kind = KindThrottled
	case status == http.StatusRequestTimeout || status >= 500:
		e.Kind = KindTransient
	case status == http.StatusNotFound && customerScoped:
		e.Kind = KindCustomerNotFound
	case status == http.StatusNotFound:
		e.Kind = KindNotFound
	case status == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case status == http.StatusForbidden:
		e.Kind = KindForbidden
	case status == http.StatusBadRequest || status == http.StatusConflict || status == http.StatusUnprocessableEntity:
		e.Kind = KindBadRequest
	default:
		e.Kind = KindUnknown
	}
	return e
}

// classifyTokenError maps a token endpoint failure. The endpoint's own text
// (error_description) is never kept: it may echo the request, and these
// errors end up in conditions anyone can read. Code is the OAuth error code
// when it looks like one; Message is a fixed explanation.
func classifyTokenError(op string, status int, eb errorBody) *Error {
	e := &Error{Operation: op, StatusCode: status}
	if oauthErrorCode.MatchString(eb.OAuthError) {
		e.Code = eb.OAuthError
	}
	codes := make([]string, 0, len(eb.OAuthErrorCodes))
	for _, c := range eb.OAuthErrorCodes {
		codes = append(codes, string(c))
	}
	hasCode := func(want ...string) bool {
		for _, c := range codes {
			for _, w := range want {
				if c == w {
					return true
				}
			}
		}
		return false
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = KindThrottled
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = KindTransient
	case hasCode("50076", "50079", "50074"):
		// AADSTS50076/50079: MFA required for the user behind the refresh token.
		e.Kind = KindMFARequired
	case eb.OAuthError == "invalid_grant":
		e.Kind = KindInvalidGrant
	case eb.OAuthError == "invalid_client" || eb.OAuthError == "unauthorized_client":
		e.Kind = KindCredentials
	case status == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case status == http.StatusBadRequest:
		e.Kind = KindBadRequest
	default:
		e.Kind = KindUnknown
	}
	e.Message = tokenErrorExplanation[e.Kind]
	if e.Message == "" {
		e.Message = "the token endpoint refused the request"
	}
	if aadsts := numericCodes(codes); aadsts != "" {
		e.Message += " (AADSTS" + aadsts + ")"
	}
	return e
}

// oauthErrorCode: OAuth 2.0 error codes are short lower-case words.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

var tokenErrorExplanation = map[ErrorKind]string{
	KindThrottled:    "the token endpoint is throttling",
	KindTransient:    "the token endpoint failed or timed out",
	KindMFARequired:  "the token endpoint requires multi-factor authentication for the user behind the refresh token",
	KindInvalidGrant: "the refresh token was refused: expired, revoked or issued for another application",
	KindCredentials:  "the token endpoint refused the client credentials (clientId, clientSecret)",
	KindUnauthorized: "the token endpoint refused the client",
}

// numericCodes joins up to three all-digit AADSTS codes ("" if any is not).
func numericCodes(codes []string) string {
	if len(codes) > 3 {
		codes = codes[:3]
	}
	for _, c := range codes {
		if c == "" || len(c) > 10 || strings.Trim(c, "0123456789") != "" {
			return ""
		}
	}
	return strings.Join(codes, ", AADSTS")
}

// sanitizeText drops control characters and anything that looks like a
// bearer token or JWT from server-provided text before it goes into an
// error. The client additionally redacts the secrets it knows.
func sanitizeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	fields := strings.Fields(s)
	for i, f := range fields {
		if looksLikeToken(f) {
			fields[i] = "[redacted]"
		}
	}
	return strings.Join(fields, " ")
}

// looksLikeToken: JWTs (three dot-separated base64url parts starting with
// "eyJ") and very long unbroken base64-ish words.
func looksLikeToken(w string) bool {
	w = strings.Trim(w, `"'.,;:()[]{}`)
	if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") >= 1 {
		return true
	}
	if len(w) < 40 {
		return false
	}
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+/=~", r)) {
			return false
		}
	}
	return true
}

func credentialsError(op, msg string) *Error {
	return &Error{Kind: KindCredentials, Operation: op, Message: msg}
}

func transientError(op, msg string, cause error) *Error {
	return &Error{Kind: KindTransient, Operation: op, Message: msg, cause: cause}
}
