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
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// bodyTap keeps the bodies of the POSTs that leave the client.
type bodyTap struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent [][]byte
}

func (b *bodyTap) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil && r.URL.Path != "" && !bytes.Contains([]byte(r.URL.Path), []byte("oauth2")) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		b.mu.Lock()
		b.sent = append(b.sent, body)
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return b.next.RoundTrip(r)
}

func tapped(e *env) *bodyTap {
	tap := &bodyTap{next: e.cfg.HTTPClient.Transport}
	e.cfg.HTTPClient = &http.Client{Transport: tap}
	e.client = e.newClient()
	return tap
}

// The record hook sees the exact bytes sent, once per call however many attempts it takes, after
// the call's last check; the status of the answer that ended the call reaches the same Sending.
func TestRecordBodyRunsOnceBeforeTheFirstAttemptWithTheBytesSent(t *testing.T) {
	e := newEnv(t)
	tap := tapped(e)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil {
		t.Fatal(err)
	}
	e.sim.FailNext(2, http.StatusServiceUnavailable) // two attempts fail, the third is answered
	var order []string
	var seen []*pc.Sending
	_, err := e.client.StartEnhancedAttestation(c, pc.EnhancedAttestationRequest{CompanyName: "Coho", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"},
		pc.WithRequestID("11111111-2222-4333-8444-555555555555"),
		pc.BeforeSend(func(context.Context) error { order = append(order, "check"); return nil }),
		pc.RecordBody(func(_ context.Context, s *pc.Sending) error {
			order = append(order, "record")
			seen = append(seen, s)
			if len(tap.sent) != 0 {
				t.Error("the record ran after a request was sent")
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("the record hook ran %d times for one call of three attempts, want once", len(seen))
	}
	if got := order[:2]; got[0] != "check" || got[1] != "record" {
		t.Errorf("order %v: the record must follow the last check", order)
	}
	s := seen[0]
	if len(tap.sent) != 3 {
		t.Fatalf("%d bodies sent, want 3 attempts", len(tap.sent))
	}
	for i, b := range tap.sent {
		if !bytes.Equal(b, s.Body) {
			t.Errorf("attempt %d sent %s, the record saw %s", i, b, s.Body)
		}
	}
	if s.Operation != pc.OpStartEnhancedAttestation || s.RequestID != "11111111-2222-4333-8444-555555555555" || s.CorrelationID == "" {
		t.Errorf("Sending = %+v", s)
	}
	if s.StatusCode < 200 || s.StatusCode > 299 {
		t.Errorf("StatusCode = %d, want the 2xx that ended the call", s.StatusCode)
	}
	recs := apiRequests(e.sim.Requests())
	if got := recs[len(recs)-1].CorrelationID; got != s.CorrelationID {
		t.Errorf("CorrelationID %q, the request carried %q", s.CorrelationID, got)
	}
}

// A record that cannot be written sends nothing.
func TestRecordBodyFailureSendsNothing(t *testing.T) {
	e := newEnv(t)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetRequests()
	refused := errors.New("the API server refused the record")
	_, err := e.client.CreateLegacyAgreement(c, "aaaaaaaa-0000-0000-0000-000000000001", pc.Contact{FirstName: "A", LastName: "B", Email: "a@b.example"}, "tmpl", time.Now().Add(-time.Hour),
		pc.RecordBody(func(context.Context, *pc.Sending) error { return refused }))
	if !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the record's own error", err)
	}
	if recs := apiRequests(e.sim.Requests()); len(recs) != 0 {
		t.Fatalf("%d request(s) reached Partner Center although the record failed", len(recs))
	}
}

// A lost answer leaves StatusCode 0.
func TestRecordBodyLostAnswerHasNoStatus(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxRetries = -1 }))
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil {
		t.Fatal(err)
	}
	e.sim.DropNextPOSTResponses(1)
	var seen *pc.Sending
	_, err := e.client.StartEnhancedAttestation(c, pc.EnhancedAttestationRequest{CompanyName: "Coho", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"},
		pc.RecordBody(func(_ context.Context, s *pc.Sending) error { seen = s; return nil }))
	if pc.KindOf(err) != pc.KindTransient {
		t.Fatalf("err = %v, want a transport failure", err)
	}
	if seen == nil || seen.StatusCode != 0 {
		t.Fatalf("Sending = %+v, want StatusCode 0", seen)
	}
}
