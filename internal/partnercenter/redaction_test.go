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

package partnercenter_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// Secrets with characters that URL encoding changes, short enough not to look like tokens.
const (
	hostileClientSecret = "hC~7Qx!9/Zk+4&Wm=2@Lp"
	hostileRefreshOld   = "rT!Hq3/x+Ya9&Tz=1@Ke"
	hostileRefreshNew   = "nR!Gw5/d+Pb7&Uy=8@Js"
	hostileAccessToken  = "aT!Vb8/w+Lc2&Nd=5@Rf"
)

var hostileSecrets = []string{hostileClientSecret, hostileRefreshOld, hostileRefreshNew, hostileAccessToken}

func encodedForms(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s)}
}

// straddle places s so that it begins 12 characters before position cut.
func straddle(s string, cut int) string {
	return strings.Repeat("x ", cut/2)[:cut-12] + s + " tail"
}

// everyForm lists every encoded form of every secret.
func everyForm() string {
	parts := make([]string, 0, len(hostileSecrets))
	for _, s := range hostileSecrets {
		parts = append(parts, encodedForms(s)...)
	}
	return "echo: " + strings.Join(parts, " , ")
}

// hostileDescriptions: every form of every secret early, and each form straddling the cut.
func hostileDescriptions(cut int) map[string]string {
	out := map[string]string{"all forms": everyForm()}
	for i, s := range hostileSecrets {
		for j, f := range encodedForms(s) {
			out["secret "+string(rune('0'+i))+" form "+string(rune('0'+j))+" at the cut"] = straddle(f, cut)
		}
	}
	return out
}

func hostileServer(t *testing.T, tokenStatus int, tokenBody, apiBody map[string]any) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			w.WriteHeader(tokenStatus)
			_ = json.NewEncoder(w).Encode(tokenBody)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(apiBody)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostileClient(t *testing.T, srv *httptest.Server) *pc.Client {
	t.Helper()
	c, err := pc.New(pc.Config{
		TenantID: partnerID, BaseURL: srv.URL, AuthorityURL: srv.URL, HTTPClient: srv.Client(), MaxRetries: -1,
		Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: clientID, ClientSecret: hostileClientSecret, RefreshToken: hostileRefreshOld}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertNoSecretPrefix(t *testing.T, text string) {
	t.Helper()
	for _, s := range hostileSecrets {
		for _, f := range encodedForms(s) {
			if strings.Contains(text, f[:8]) {
				t.Fatalf("error text holds the first 8 characters of a secret's form %q:\n%s", f[:8], text)
			}
		}
	}
}

func TestTokenEndpointTextNeverReachesTheError(t *testing.T) {
	for name, desc := range hostileDescriptions(200) {
		t.Run(name, func(t *testing.T) {
			srv := hostileServer(t, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": desc, "error_codes": []int{70008}}, nil)
			err := hostileClient(t, srv).CheckCredentials(ctx(t))
			pe := wantKind(t, err, pc.KindInvalidGrant)
			assertNoSecretPrefix(t, err.Error())
			if pe.Code != "invalid_grant" || strings.Contains(pe.Message, "x x x") || strings.Contains(pe.Message, "echo") {
				t.Fatalf("want only the OAuth code and a fixed explanation, got code %q message %q", pe.Code, pe.Message)
			}
		})
	}
	// An "error" field that is not an OAuth error code is not repeated either.
	srv := hostileServer(t, http.StatusBadRequest, map[string]any{"error": hostileClientSecret, "error_description": everyForm()}, nil)
	err := hostileClient(t, srv).CheckCredentials(ctx(t))
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoSecretPrefix(t, err.Error())
}

func TestAPIErrorTextIsRedactedBeforeItIsCut(t *testing.T) {
	tokenOK := map[string]any{"token_type": "Bearer", "access_token": hostileAccessToken, "refresh_token": hostileRefreshNew, "expires_in": "3599"}
	for name, desc := range hostileDescriptions(300) {
		t.Run(name, func(t *testing.T) {
			srv := hostileServer(t, http.StatusOK, tokenOK, map[string]any{"code": 900400, "description": desc})
			_, err := hostileClient(t, srv).GetDirectSignedStatus(ctx(t), custDirect)
			_ = wantKind(t, err, pc.KindBadRequest)
			assertNoSecretPrefix(t, err.Error())
		})
	}
	t.Run("code and errorName", func(t *testing.T) {
		srv := hostileServer(t, http.StatusOK, tokenOK, map[string]any{"code": url.QueryEscape(hostileAccessToken), "errorName": url.PathEscape(hostileRefreshNew), "message": everyForm()})
		_, err := hostileClient(t, srv).GetDirectSignedStatus(ctx(t), custDirect)
		if err == nil {
			t.Fatal("want an error")
		}
		assertNoSecretPrefix(t, err.Error())
	})
}
