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
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// trap is a plain TCP listener on 127.0.0.1 that counts the connections that reach it.
type trap struct {
	ln    net.Listener
	conns atomic.Int32
}

func newTrap(t *testing.T) *trap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &trap{ln: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tr.conns.Add(1)
			_ = c.Close()
		}
	}()
	return tr
}

func (tr *trap) url(path string) string { return "http://" + tr.ln.Addr().String() + path }

// redirectingServer is a TLS server whose token endpoint and API answer with redirects to the
// given targets ("" = answer normally).
func redirectingServer(t *testing.T, tokenTarget, apiTarget string, tokenStatus, apiStatus int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			if tokenTarget != "" {
				http.Redirect(w, r, tokenTarget, tokenStatus)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token_type":"Bearer","access_token":"redirect-test-access-token","expires_in":"3599"}`))
			return
		}
		http.Redirect(w, r, apiTarget, apiStatus)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func redirectClient(t *testing.T, srv *httptest.Server) (*pc.Client, *http.Client) {
	t.Helper()
	hc := srv.Client()
	c, err := pc.New(pc.Config{
		TenantID:     partnerID,
		BaseURL:      srv.URL,
		AuthorityURL: srv.URL,
		HTTPClient:   hc,
		Credentials:  pc.NewStaticCredentialStore(pc.Credentials{ClientID: clientID, ClientSecret: clientSec, RefreshToken: initialRT}),
		BackoffBase:  time.Millisecond,
		BackoffMax:   2 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, hc
}

func wantRedirectRefused(t *testing.T, err error, op, status string) {
	t.Helper()
	pe := wantKind(t, err, pc.KindRedirected)
	if pe.Retryable() || pe.Operation != op || !strings.Contains(err.Error(), status) {
		t.Fatalf("want a non-retryable %s error naming %s, got %v", status, op, err)
	}
	if strings.Contains(err.Error(), "leak=") {
		t.Fatalf("the error repeats the Location's query: %v", err)
	}
}

func TestTokenEndpointRedirectIsNotFollowed(t *testing.T) {
	tr := newTrap(t)
	srv, hits := redirectingServer(t, tr.url("/collect?leak=1"), "", http.StatusTemporaryRedirect, 0)
	c, hc := redirectClient(t, srv)
	err := c.CheckCredentials(ctx(t))
	wantRedirectRefused(t, err, pc.OpAcquireToken, "307")
	if n := tr.conns.Load(); n != 0 {
		t.Fatalf("%d connections reached the plain-http redirect target (client_secret and refresh_token sent in clear)", n)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the redirected token request was repeated: %d requests", n)
	}
	if hc.CheckRedirect != nil {
		t.Fatal("New changed the caller's http.Client")
	}
}

func TestAPIRedirectIsNotFollowed(t *testing.T) {
	// Same host, another port: net/http would forward the Authorization header there.
	other, otherHits := redirectingServer(t, "", "", 0, 0)
	tr := newTrap(t)
	for _, tc := range []struct {
		name, target string
		status       int
	}{
		{"https same host other port", other.URL + "/v1/elsewhere?leak=1", http.StatusFound},
		{"plain http", tr.url("/v1/elsewhere?leak=1"), http.StatusFound},
		{"permanent", other.URL + "/v1/elsewhere?leak=1", http.StatusPermanentRedirect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := redirectingServer(t, "", tc.target, 0, tc.status)
			c, _ := redirectClient(t, srv)
			_, err := c.GetDirectSignedStatus(ctx(t), custDirect)
			wantRedirectRefused(t, err, pc.OpGetDirectSignedStatus, strconv.Itoa(tc.status))
			if n := hits.Load(); n != 2 { // one token request, one API request
				t.Fatalf("%d requests; want the redirected call not retried", n)
			}
		})
	}
	if n := otherHits.Load(); n != 0 {
		t.Fatalf("%d requests (with the bearer token) reached the redirect target on another port", n)
	}
	if n := tr.conns.Load(); n != 0 {
		t.Fatalf("%d connections reached the plain-http redirect target", n)
	}
}

func TestNewRefusesURLsThatAreNotPlainHTTPS(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:1",
		"ftp://example.com",
		"https://user:pass@example.com",
		"https://user@example.com",
		"https://example.com?x=1",
		"https://example.com/?",
		"https://example.com#frag",
		"https://example.com/#",
		"https:example.com",
		"https://",
		"//example.com",
		"example.com",
	} {
		for _, field := range []string{"BaseURL", "AuthorityURL"} {
			cfg := pc.Config{TenantID: partnerID, Credentials: pc.NewStaticCredentialStore(pc.Credentials{})}
			if field == "BaseURL" {
				cfg.BaseURL = raw
			} else {
				cfg.AuthorityURL = raw
			}
			if _, err := pc.New(cfg); err == nil {
				t.Errorf("New accepted %s %q", field, raw)
			}
		}
	}
	for _, raw := range []string{"https://example.com", "https://example.com:8443/", "https://127.0.0.1:9/sandbox/path"} {
		if _, err := pc.New(pc.Config{TenantID: partnerID, BaseURL: raw, AuthorityURL: raw, Credentials: pc.NewStaticCredentialStore(pc.Credentials{})}); err != nil {
			t.Errorf("New refused %q: %v", raw, err)
		}
	}
}

// A caller's HTTP client that follows redirects on its own still gets none followed, and is
// left as it was.
func TestCallersRedirectPolicyIsOverriddenNotMutated(t *testing.T) {
	tr := newTrap(t)
	srv, _ := redirectingServer(t, tr.url("/collect"), "", http.StatusTemporaryRedirect, 0)
	follow := func(*http.Request, []*http.Request) error { return nil }
	hc := srv.Client()
	hc.CheckRedirect = follow
	transport := hc.Transport
	c, err := pc.New(pc.Config{TenantID: partnerID, BaseURL: srv.URL, AuthorityURL: srv.URL, HTTPClient: hc,
		Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: clientID, ClientSecret: clientSec, RefreshToken: initialRT})})
	if err != nil {
		t.Fatal(err)
	}
	wantRedirectRefused(t, c.CheckCredentials(context.Background()), pc.OpAcquireToken, "307")
	if tr.conns.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
	if hc.Transport != transport || hc.CheckRedirect == nil {
		t.Fatal("New changed the caller's http.Client")
	}
}
