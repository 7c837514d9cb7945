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
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeErrorBody: any body decodes without panicking, classification
// is total, and a numeric code classifies exactly like the same code as a
// string.
func FuzzDecodeErrorBody(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{400, `{"code": 600061, "message": "A partner confirmed agreement already exists for the customer.", "description": "A partner confirmed agreement already exists for the customer.", "errorName": "PartnerConfirmedAgreementAlreadyExists", "isRetryable": false, "parameters": {}}`},
		{409, `{"code": "600061", "description": "dup", "data": [], "source": "PartnerFD"}`},
		{403, `{"code":20002,"description":"No relationship between caller and account.","data":[],"source":"PartnerFD"}`},
		{403, `{"code":"900428","description":"Either a partner re-attestation ...","data":[],"source":"PartnerFD"}`},
		{403, `{"code":13605,"description":"MCA missing"}`},
		{401, `{"code":900421,"description":"MFA required"}`},
		{400, `{"code":600062,"errorName":"AttestationNotAccepted","message":"not yet"}`},
		{429, `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}`},
		{400, `{"error":"invalid_grant","error_description":"AADSTS70008: expired\r\nTrace ID: x","error_codes":[70008]}`},
		{404, ``},
		{500, `<html>oops</html>`},
		{400, `{"code": 6.00061e5}`},
		{400, `{"code": true, "description": 5}`},
		{400, `{"code": null}`},
		{403, `{"code": {"nested": 1}, "errorName": "PartnerConfirmedAgreementAlreadyExists"}`},
		{400, `{"description": "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc leaked"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 400 + (status%100+100)%100
		}
		eb := decodeErrorBody(body)
		e := classify("Op", status, eb, true)
		if e.Kind == "" {
			t.Fatal("empty kind")
		}
		te := classifyTokenError("Op", status, eb)
		if te.Kind == "" {
			t.Fatal("empty token error kind")
		}
		msg := e.Error()
		if strings.ContainsAny(msg, "\r\n\x00") {
			t.Fatalf("error text has control characters: %q", msg)
		}
		if strings.Contains(msg, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0") {
			t.Fatal("JWT in error text")
		}
		_ = e.Retryable()
		// Numeric and string codes classify alike.
		if n := string(eb.Code); n != "" && isDigits(n) && len(n) < 15 {
			num := classify("Op", status, errorBody{Code: flexString(n), ErrorName: eb.ErrorName}, true)
			var viaNumber, viaString errorBody
			if err := json.Unmarshal([]byte(`{"code":`+n+`}`), &viaNumber); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(`{"code":"`+n+`"}`), &viaString); err != nil {
				t.Fatal(err)
			}
			viaNumber.ErrorName, viaString.ErrorName = eb.ErrorName, eb.ErrorName
			a, b := classify("Op", status, viaNumber, true), classify("Op", status, viaString, true)
			if a.Kind != b.Kind || a.Code != b.Code || a.Kind != num.Kind {
				t.Fatalf("code %s: number → %s/%s, string → %s/%s", n, a.Kind, a.Code, b.Kind, b.Code)
			}
		}
		// Status 600061 wins whatever the status.
		if string(eb.Code) == "600061" && e.Kind != KindDuplicateSignatory {
			t.Fatalf("600061 with status %d classified %s", status, e.Kind)
		}
	})
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != "" && (s == "0" || s[0] != '0')
}

// FuzzDecodeCollection: both collection shapes decode alike, and decoding
// never panics.
func FuzzDecodeCollection(f *testing.F) {
	seeds := []string{
		`{"totalCount":1,"items":[{"primaryContact":{"firstName":"Ada","lastName":"Lovelace","email":"ada@contoso.com","phoneNumber":"4255550100"},"templateId":"117a77b0-9360-443b-8795-c6dedc750cf9","dateAgreed":"2022-06-14T00:00:00","type":"MicrosoftCustomerAgreement","agreementLink":"https://aka.ms/customeragreement","userId":null}],"links":{},"attributes":{"objectType":"Collection"}}`,
		`[{"templateId":"t","dateAgreed":"2024-02-20T10:30:00Z","type":"MicrosoftCustomerAgreement"}]`,
		`[]`,
		`{"totalCount":0}`,
		`{"totalCount":2,"items":[{"dateAgreed":"2023-04-01"},{"dateAgreed":"2023-04-01T00:00:00.1234567"}]}`,
		`{"items":[{"templateId":"117a77b0","agreementType":"MicrosoftCustomerAgreement","versionRank":0}]}`,
		`{"items":[{"templateId":"117a77b0","type":"MicrosoftCustomerAgreement"}]}`,
		`{"items":null}`,
		`[{"dateAgreed":"not a date"}]`,
		`"string"`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		list, err := decodeAgreements(b)
		_, _ = decodeMetadata(b)
		trimmed := bytes.TrimSpace(b)
		if err == nil && len(trimmed) > 0 && trimmed[0] == '[' {
			wrapped := append(append([]byte(`{"totalCount":0,"items":`), trimmed...), '}')
			list2, err2 := decodeAgreements(wrapped)
			if err2 != nil || len(list2) != len(list) {
				t.Fatalf("bare array decoded to %d records, wrapped to %d (%v)", len(list), len(list2), err2)
			}
			for i := range list {
				if list[i] != list2[i] {
					t.Fatalf("record %d differs: %+v vs %+v", i, list[i], list2[i])
				}
			}
		}
		for _, a := range list {
			if !a.DateAgreed.IsZero() && a.DateAgreed.Location().String() != "UTC" {
				t.Fatalf("dateAgreed not in UTC: %v", a.DateAgreed)
			}
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Fatal("invalid utf8 in error")
		}
	})
}

// FuzzDecodeTokenAnswer: token answers decode without panicking, expires_in
// as string or number gives the same lifetime, and no error text contains
// the token.
func FuzzDecodeTokenAnswer(f *testing.F) {
	seeds := []string{
		`{"token_type":"Bearer","access_token":"eyJ0eXAi.abc.def","expires_in":"3599","refresh_token":"0.AAAA-refresh"}`,
		`{"token_type":"Bearer","access_token":"tok","expires_in":3599}`,
		`{"token_type":"Bearer","access_token":"tok","expires_in":"3599","ext_expires_in":"3599","expires_on":"1700000000","not_before":"1699996400","resource":"https://api.partnercenter.microsoft.com"}`,
		`{"token_type":"Bearer","access_token":"tok"}`,
		`{"token_type":"mac","access_token":"tok-secret-value","expires_in":"10"}`,
		`{"access_token":"tok-secret-value","expires_in":"-5"}`,
		`{"access_token":"tok-secret-value","expires_in":"abc"}`,
		`{"access_token":"tok-secret-value","expires_in":1e400}`,
		`{"expires_in":"3599"}`,
		`not json tok-secret-value`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ta, lifetime, err := decodeTokenAnswer(b)
		if err != nil {
			var raw struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
			}
			_ = json.Unmarshal(b, &raw)
			for _, s := range []string{raw.AccessToken, raw.RefreshToken} {
				if len(s) >= 4 && strings.Contains(err.Error(), s) {
					t.Fatalf("error text holds token material: %q", err)
				}
			}
			if strings.Contains(err.Error(), "tok-secret-value") {
				t.Fatalf("error text holds token material: %q", err)
			}
			return
		}
		if ta.AccessToken == "" || lifetime < 0 {
			t.Fatalf("accepted answer without token or with negative lifetime: %+v %v", ta, lifetime)
		}
		// The same number as a JSON number gives the same lifetime.
		if s := string(ta.ExpiresIn); s != "" && isDigits(s) && len(s) < 9 {
			alt, err := json.Marshal(map[string]any{"token_type": "Bearer", "access_token": ta.AccessToken, "expires_in": json.Number(s)})
			if err != nil {
				t.Fatal(err)
			}
			_, l2, err := decodeTokenAnswer(alt)
			if err != nil || l2 != lifetime {
				t.Fatalf("numeric expires_in %s: %v %v, string: %v", s, l2, err, lifetime)
			}
		}
	})
}

// The status codes an error body can come with do not change 600061.
func TestDuplicateWhateverStatus(t *testing.T) {
	for _, st := range []int{http.StatusBadRequest, http.StatusConflict, http.StatusForbidden, http.StatusInternalServerError} {
		eb := decodeErrorBody([]byte(`{"code":600061}`))
		if k := classify("Op", st, eb, true).Kind; k != KindDuplicateSignatory {
			t.Fatalf("status %d: %s", st, k)
		}
	}
}
