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
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		status   int
		body     string
		customer bool
		kind     ErrorKind
		retry    bool
	}{
		{400, `{"code":600061,"errorName":"PartnerConfirmedAgreementAlreadyExists"}`, true, KindDuplicateSignatory, false},
		{409, `{"code":"600061"}`, true, KindDuplicateSignatory, false},
		{400, `{"errorName":"PartnerConfirmedAgreementAlreadyExists"}`, true, KindDuplicateSignatory, false},
		{400, `{"code":600062,"errorName":"AttestationNotAccepted"}`, true, KindAttestationNotAccepted, true},
		{404, `{"code":600008,"description":"x"}`, true, KindCustomerNotFound, false},
		{404, ``, false, KindNotFound, false},
		{403, `{"code":20002,"description":"No relationship between caller and account.","data":[],"source":"PartnerFD"}`, true, KindNoRelationship, false},
		{403, `{"code":"20002"}`, true, KindNoRelationship, false},
		{401, `{"code":900421}`, false, KindMFARequired, false},
		{401, `{"code":"900421"}`, false, KindMFARequired, false},
		{403, `{"code":900428,"description":"Either a partner re-attestation ..."}`, true, KindAgreementRequired, false},
		{403, `{"code":"13605"}`, true, KindAgreementRequired, false},
		{400, `{"code":13605}`, true, KindBadRequest, false}, // 13605 means "agreement required" on 403 only
		{429, `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}`, false, KindThrottled, true},
		{503, ``, false, KindTransient, true},
		{500, `{"code":"x"}`, false, KindTransient, true},
		{408, ``, false, KindTransient, true},
		{401, `{"code":900401}`, false, KindUnauthorized, false},
		{403, `{"code":900403,"errorName":"IndirectResellerNotAllowed"}`, true, KindForbidden, false},
		{400, `{"code":"900400"}`, true, KindBadRequest, false},
		{418, ``, false, KindUnknown, false},
	}
	for _, c := range cases {
		eb := decodeErrorBody([]byte(c.body))
		e := classify("Op", c.status, eb, c.customer)
		if e.Kind != c.kind || e.Retryable() != c.retry {
			t.Errorf("%d %s: kind %s retryable %v; want %s %v", c.status, c.body, e.Kind, e.Retryable(), c.kind, c.retry)
		}
	}
	tokenCases := []struct {
		status int
		body   string
		kind   ErrorKind
	}{
		{400, `{"error":"invalid_grant","error_codes":[70008]}`, KindInvalidGrant},
		{400, `{"error":"invalid_grant","error_codes":[50076]}`, KindMFARequired},
		{401, `{"error":"invalid_client","error_codes":[7000215]}`, KindCredentials},
		{503, ``, KindTransient},
		{429, ``, KindThrottled},
		{400, `{"error":"invalid_resource"}`, KindBadRequest},
	}
	for _, c := range tokenCases {
		eb := decodeErrorBody([]byte(c.body))
		if k := classifyTokenError("AcquireToken", c.status, eb).Kind; k != c.kind {
			t.Errorf("token %d %s: %s, want %s", c.status, c.body, k, c.kind)
		}
	}
}

func TestKindOfAndRetryAfter(t *testing.T) {
	if KindOf(nil) != "" {
		t.Fatal("nil")
	}
	if KindOf(errors.New("x")) != KindUnknown {
		t.Fatal("plain error")
	}
	if KindOf(fmt.Errorf("wrapped: %w", context.DeadlineExceeded)) != KindTransient {
		t.Fatal("deadline")
	}
	e := &Error{Kind: KindThrottled, RetryAfter: 7 * time.Second}
	wrapped := fmt.Errorf("reconcile: %w", e)
	if KindOf(wrapped) != KindThrottled || !IsRetryable(wrapped) {
		t.Fatal("wrapped throttled")
	}
	if d, ok := RetryAfter(wrapped); !ok || d != 7*time.Second {
		t.Fatalf("RetryAfter = %v %v", d, ok)
	}
	if _, ok := RetryAfter(&Error{Kind: KindTransient}); ok {
		t.Fatal("RetryAfter on transient")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"7": 7 * time.Second, "0": 0, "": time.Second, "junk": time.Second, "1.5": 1500 * time.Millisecond,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: %v want %v", in, got, want)
		}
	}
}

func TestParseWireTime(t *testing.T) {
	for in, want := range map[string]string{
		"2022-06-14T00:00:00":          "2022-06-14T00:00:00Z",
		"2022-06-14T00:00:00Z":         "2022-06-14T00:00:00Z",
		"2022-06-14T02:00:00+02:00":    "2022-06-14T00:00:00Z",
		"2022-06-14":                   "2022-06-14T00:00:00Z",
		"2023-04-01T00:00:00.1234567":  "2023-04-01T00:00:00.1234567Z",
		"2023-04-01T00:00:00.1234567Z": "2023-04-01T00:00:00.1234567Z",
	} {
		got, err := parseWireTime(in)
		if err != nil || got.Format(time.RFC3339Nano) != want || got.Location() != time.UTC {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	c, err := New(Config{TenantID: "t", Credentials: NewStaticCredentialStore(Credentials{}), BackoffBase: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for attempt, bounds := range map[int][2]time.Duration{1: {50, 100}, 2: {100, 200}, 3: {200, 400}, 8: {200, 400}} {
		for i := 0; i < 50; i++ {
			d := c.backoff(attempt)
			if d < bounds[0]*time.Millisecond || d > bounds[1]*time.Millisecond {
				t.Fatalf("attempt %d: %v outside %v", attempt, d, bounds)
			}
		}
	}
}
