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

// Package webhook signs the acceptance-link events mca-operator posts, and verifies them for a
// receiver.
//
// Each POST carries two headers:
//
//	X-MCA-Timestamp: <Unix seconds when the POST was signed>
//	X-MCA-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<exact body>", keyed by the Secret's hmacKey>
//
// The timestamp is signed with the body, so a receiver that refuses old timestamps (Verify's
// tolerance) refuses a recorded request replayed later; within the tolerance, the event's id (the
// same for every try of one message) tells a repeat. Every try is signed anew, at its own time.
//
// A receiver checks the request before it parses the body:
//
//	func receive(w http.ResponseWriter, r *http.Request) {
//		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//		if err != nil {
//			http.Error(w, "unreadable body", http.StatusBadRequest)
//			return
//		}
//		if err := webhook.Verify(r.Header, body, key, webhook.DefaultTolerance, time.Now()); err != nil {
//			http.Error(w, err.Error(), http.StatusUnauthorized)
//			return
//		}
//		// Parse the CloudEvent, store it unless its id was seen, then answer 2xx.
//		w.WriteHeader(http.StatusAccepted)
//	}
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// The headers of a signed POST.
const (
	SignatureHeader = "X-MCA-Signature"
	TimestampHeader = "X-MCA-Timestamp"
)

// DefaultTolerance is how far a timestamp may lie from the receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Errors of VerifySignature and Verify.
var (
	ErrNoSignature    = errors.New("webhook: no signature or timestamp")
	ErrBadSignature   = errors.New("webhook: the signature does not match the body and timestamp")
	ErrStaleTimestamp = errors.New("webhook: the timestamp is outside the tolerance")
)

// Sign returns the signature of body sent at timestamp (Unix seconds, as in TimestampHeader).
func Sign(body, key []byte, timestamp string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// SignRequest sets the timestamp and signature headers of a POST of body signed at now.
func SignRequest(h http.Header, body, key []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set(TimestampHeader, ts)
	h.Set(SignatureHeader, Sign(body, key, ts))
}

// VerifySignature checks a signature of body and timestamp (the values of SignatureHeader and
// TimestampHeader), in constant time, and that the timestamp lies within tolerance of now. A
// tolerance of 0 or less means DefaultTolerance.
func VerifySignature(body, key []byte, timestamp, signature string, tolerance time.Duration, now time.Time) error {
	if timestamp == "" || signature == "" {
		return ErrNoSignature
	}
	if !hmac.Equal([]byte(Sign(body, key, timestamp)), []byte(signature)) {
		return ErrBadSignature
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return ErrStaleTimestamp
	}
	return nil
}

// Verify checks the signed headers of a request whose body was read into body.
func Verify(h http.Header, body, key []byte, tolerance time.Duration, now time.Time) error {
	return VerifySignature(body, key, h.Get(TimestampHeader), h.Get(SignatureHeader), tolerance, now)
}
