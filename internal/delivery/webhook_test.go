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

package delivery

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/pkg/webhook"
)

var hmacKey = []byte("whsec-0123456789abcdef-test-key")

// verify is a receiver's check, on the clock of the test's sends.
func verify(r *http.Request, key []byte) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, false
	}
	return body, webhook.Verify(r.Header, body, key, webhook.DefaultTolerance, sendTime) == nil
}

// receiver is a real HTTPS webhook receiver.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	answer string
	bodies [][]byte
	header []http.Header
	badSig int
}

func startReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusAccepted}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, ok := verify(req, hmacKey)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !ok {
			r.badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.bodies = append(r.bodies, body)
		r.header = append(r.header, req.Header.Clone())
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.answer)
	}))
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) answerWith(status int, body string) {
	r.mu.Lock()
	r.status, r.answer = status, body
	r.mu.Unlock()
}

func (r *receiver) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(r.srv.Certificate())
	return p
}

func newTestWebhook(t *testing.T, url string, pool *x509.CertPool) *Webhook {
	t.Helper()
	w, err := NewWebhook(WebhookConfig{URL: url, HMACKey: hmacKey, RootCAs: pool, MaxAttempts: 3, Timeout: 10 * time.Second}, func() time.Time { return sendTime })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWebhookDelivers(t *testing.T) {
	r := startReceiver(t)
	w := newTestWebhook(t, r.srv.URL+"/hooks/mca", r.pool())
	msg := testMessage(v1alpha1.DeliveryRenewed, v1alpha1.ChannelWebhook)
	for attempt := 1; attempt <= 2; attempt++ {
		if err := w.Send(context.Background(), msg, attempt); err != nil {
			t.Fatal(err)
		}
	}
	if r.badSig != 0 || len(r.bodies) != 2 {
		t.Fatalf("receiver: %d verified, %d with a bad signature", len(r.bodies), r.badSig)
	}
	if ct := r.header[0].Get("Content-Type"); ct != "application/cloudevents+json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	// The link travels as is (no \u0026 escaping), so a receiver can use it verbatim.
	if !strings.Contains(string(r.bodies[0]), `"acceptanceLink":"`+testLink+`"`) {
		t.Errorf("body does not carry the link verbatim: %s", r.bodies[0])
	}
	var got map[string]any
	if err := json.Unmarshal(r.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"specversion":     "1.0",
		"id":              msg.ID,
		"source":          "/mca-operator/partnertenants/contoso",
		"type":            "dev.mca.partnercenter.acceptancelink.v1",
		"subject":         "customers/fabrikam",
		"time":            "2026-03-02T09:30:00Z",
		"datacontenttype": "application/json",
		"data": map[string]any{
			"customerAgreement": map[string]any{"namespace": "customers", "name": "fabrikam"},
			"customerTenantId":  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			"companyName":       "Fabrikam, Inc.",
			"signatory":         map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@fabrikam.example"},
			"acceptanceLink":    testLink,
			"attestationId":     "att-123",
			"expiresAt":         "2026-03-05T10:00:00Z",
			"kind":              "Renewed",
		},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("event\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if string(r.bodies[0]) != string(r.bodies[1]) {
		t.Errorf("the resend differs from the first send")
	}
}

func TestWebhookFailures(t *testing.T) {
	cases := []struct {
		status    int
		attempt   int
		permanent bool
	}{
		{http.StatusInternalServerError, 1, false},
		{http.StatusBadGateway, 2, false},
		{http.StatusServiceUnavailable, 3, true}, // MaxAttempts 3: gives up
		{http.StatusRequestTimeout, 1, false},
		{http.StatusTooManyRequests, 1, false},
		{http.StatusBadRequest, 1, true},
		{http.StatusNotFound, 1, true},
		{http.StatusGone, 1, true},
	}
	r := startReceiver(t)
	w := newTestWebhook(t, r.srv.URL, r.pool())
	msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook)
	for _, tc := range cases {
		// A receiver that repeats what it got must not leak the link or the key through the error.
		r.answerWith(tc.status, "rejected "+testLink+" signed with "+string(hmacKey))
		err := w.Send(context.Background(), msg, tc.attempt)
		var de *Error
		if !errors.As(err, &de) {
			t.Fatalf("%d: error %v, want *Error", tc.status, err)
		}
		if de.Permanent != tc.permanent || de.Code != tc.status || de.Channel != v1alpha1.ChannelWebhook {
			t.Errorf("%d attempt %d: %q permanent=%v code=%d, want permanent=%v", tc.status, tc.attempt, err, de.Permanent, de.Code, tc.permanent)
		}
		if tc.attempt == 3 && !strings.HasPrefix(err.Error(), "gave up after 3 attempts") {
			t.Errorf("last attempt: %q", err)
		}
		assertRedacted(t, err.Error(), string(hmacKey))
	}
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	r := startReceiver(t)
	redirector := httptest.NewTLSServer(http.RedirectHandler(r.srv.URL, http.StatusTemporaryRedirect))
	defer redirector.Close()
	pool := r.pool()
	pool.AddCert(redirector.Certificate())
	err := newTestWebhook(t, redirector.URL, pool).Send(context.Background(), testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook), 1)
	var de *Error
	if !errors.As(err, &de) || de.Permanent || de.Code != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "redirects are not followed") {
		t.Fatalf("error %v, want a retryable 307 saying redirects are not followed", err)
	}
	if len(r.bodies)+r.badSig != 0 {
		t.Errorf("the redirect was followed")
	}
}

func TestWebhookTransportErrors(t *testing.T) {
	r := startReceiver(t)
	// The receiver's certificate is not trusted: no delivery, retryable.
	err := newTestWebhook(t, r.srv.URL, nil).Send(context.Background(), testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook), 1)
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v, want a retryable certificate error", err)
	}
	url := r.srv.URL
	r.srv.Close()
	err = newTestWebhook(t, url, r.pool()).Send(context.Background(), testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook), 1)
	if err == nil || IsPermanent(err) {
		t.Errorf("receiver down: %v, want retryable", err)
	}
	if len(r.bodies) != 0 {
		t.Errorf("received %d", len(r.bodies))
	}
}

func TestNewWebhookRefusesBadConfig(t *testing.T) {
	for _, cfg := range []WebhookConfig{
		{URL: "http://hooks.example/mca", HMACKey: hmacKey},
		{URL: "https://user:pass@hooks.example/mca", HMACKey: hmacKey},
		{URL: "hooks.example/mca", HMACKey: hmacKey},
		{URL: "https://hooks.example/mca"},
	} {
		if _, err := NewWebhook(cfg, nil); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// A receiver that echoes the event JSON-escaped with \/ (as PHP's json_encode writes it) must not
// leak the link through the error, whatever part of it holds the secret.
func TestWebhookRedactsSlashEscapedEcho(t *testing.T) {
	r := startReceiver(t)
	w := newTestWebhook(t, r.srv.URL, r.pool())
	for _, link := range []string{testLink, "https://accept.example/attestations/P4thS3cretT0ken77/accept"} {
		msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook)
		msg.AcceptanceLink = link
		echo := `{"error":"bad event","acceptanceLink":"` + strings.ReplaceAll(link, "/", `\/`) + `"}`
		r.answerWith(http.StatusBadRequest, echo)
		err := w.Send(context.Background(), msg, 1)
		if err == nil {
			t.Fatal("a 400 was taken for a success")
		}
		for _, leak := range []string{"s3cr3t-Tok3n", "att-123", "P4thS3cretT0ken77", "accept.example", "partner.microsoft.com"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error %q holds %q", err, leak)
			}
		}
	}
}

// The attestation id completes the link: a receiver that echoes only the id does not bring it
// into the failure text (which reaches status.attestation.deliveries and events).
func TestWebhookRedactsAnEchoedAttestationID(t *testing.T) {
	r := startReceiver(t)
	w := newTestWebhook(t, r.srv.URL, r.pool())
	msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelWebhook)
	msg.AttestationID = "5f0c2a9e-7b3d-4c1a-9e8f-0a1b2c3d4e5f"
	r.answerWith(http.StatusBadRequest, `{"error":"unknown attestation `+msg.AttestationID+`"}`)
	err := w.Send(context.Background(), msg, 1)
	if err == nil {
		t.Fatal("a 400 was taken for a success")
	}
	if strings.Contains(err.Error(), msg.AttestationID) {
		t.Errorf("error %q holds the attestation id", err)
	}
}
