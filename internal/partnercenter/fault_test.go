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
	"errors"
	"sync"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// operation is one client operation with a check of its result.
type operation struct {
	name string
	post bool
	run  func(t *testing.T, e *env) error
}

func operations() []operation {
	return []operation{
		{name: "GetAgreementMetadata", run: func(t *testing.T, e *env) error {
			m, err := e.client.GetAgreementMetadata(ctx(t))
			if err == nil && m.TemplateID != pcsim.TemplateMCA {
				t.Fatalf("metadata %+v", m)
			}
			return err
		}},
		{name: "ListCustomerAgreements", run: func(t *testing.T, e *env) error {
			l, err := e.client.ListCustomerAgreements(ctx(t), custReatt)
			if err == nil && len(l) != 2 {
				t.Fatalf("list %+v", l)
			}
			return err
		}},
		{name: "GetDirectSignedStatus", run: func(t *testing.T, e *env) error {
			ok, err := e.client.GetDirectSignedStatus(ctx(t), custDirect)
			if err == nil && !ok {
				t.Fatal("want isSigned")
			}
			return err
		}},
		{name: "GetAgreementDocument", run: func(t *testing.T, e *env) error {
			d, err := e.client.GetAgreementDocument(ctx(t), pcsim.TemplateMCA, "en-GB", "GB")
			if err == nil && d.Country != "GB" {
				t.Fatalf("doc %+v", d)
			}
			return err
		}},
		{name: "StartEnhancedAttestation", post: true, run: func(t *testing.T, e *env) error {
			a, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "WWI", SignatoryFirstName: "M", SignatoryLastName: "J", SignatoryEmail: "mj@wwi.example"})
			if err == nil {
				if a.Status != pc.StatusLinkGenerated {
					t.Fatalf("attestation %+v", a)
				}
				if n := len(e.sim.Attestations()); n != 1 {
					t.Fatalf("%d attestations created", n)
				}
			}
			return err
		}},
		{name: "GetEnhancedAttestation", run: func(t *testing.T, e *env) error {
			id := startAccepted(t, e)
			a, err := e.client.GetEnhancedAttestation(ctx(t), id)
			if err == nil && a.Status != pc.StatusCustomerAccepted {
				t.Fatalf("attestation %+v", a)
			}
			return err
		}},
		{name: "CreateAgreementFromAttestation", post: true, run: func(t *testing.T, e *env) error {
			id := startAccepted(t, e)
			_, err := e.client.CreateAgreementFromAttestation(ctx(t), custNoMCA, id, pcsim.TemplateMCA)
			if err == nil {
				if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA)); n != 1 {
					t.Fatalf("%d records created", n)
				}
			}
			return err
		}},
		{name: "CreateLegacyAgreement", post: true, run: func(t *testing.T, e *env) error {
			_, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, pc.Contact{FirstName: "K", LastName: "J", Email: "kj@wwi.example"}, pcsim.TemplateMCA, time.Now().Add(-time.Hour))
			if err == nil {
				if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA)); n != 1 {
					t.Fatalf("%d records created", n)
				}
			}
			return err
		}},
	}
}

// startAccepted prepares an accepted attestation without faults.
func startAccepted(t *testing.T, e *env) string {
	t.Helper()
	faults := e.sim
	a, err := e.newClient().StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "WWI", SignatoryFirstName: "Q", SignatoryLastName: "R", SignatoryEmail: "qr@wwi.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := faults.Accept(a.AttestationID); err != nil {
		t.Fatal(err)
	}
	return a.AttestationID
}

// TestFaults: with injected 429s, 5xx and dropped connections every
// operation ends correct, keeps one MS-RequestId across its retries, and a
// POST whose answer was lost is not duplicated.
func TestFaults(t *testing.T) {
	faults := []struct {
		name   string
		inject func(s *pcsim.Server, post bool)
		// extra attempts the fault costs
		extra int
	}{
		{"5xx", func(s *pcsim.Server, _ bool) { s.FailNext(2, 503) }, 2},
		{"500", func(s *pcsim.Server, _ bool) { s.FailNext(1, 500) }, 1},
		{"429", func(s *pcsim.Server, _ bool) { s.Throttle(2, 0) }, 2},
		{"dropped", func(s *pcsim.Server, post bool) {
			if post {
				s.DropNextPOSTResponses(1)
			} else {
				s.FailNext(1, 502)
			}
		}, 1},
		{"mixed", func(s *pcsim.Server, post bool) {
			s.Throttle(1, 0)
			s.FailNext(1, 504)
			if post {
				s.DropNextPOSTResponses(1)
			}
		}, 2},
	}
	for _, f := range faults {
		for _, op := range operations() {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				// Warm the token caches so the log shows API calls only.
				if err := e.client.CheckCredentials(ctx(t)); err != nil {
					t.Fatal(err)
				}
				before := len(e.sim.Requests())
				f.inject(e.sim, op.post)
				// Prepare steps of an operation (startAccepted) run through
				// a separate client and must not consume the faults.
				if err := op.run(t, e); err != nil {
					t.Fatalf("operation failed under faults: %v", err)
				}
				var ids = map[string]int{}
				var dropped, replayed int
				for _, r := range apiRequests(e.sim.Requests()[before:]) {
					if r.Method == "GET" && op.name != "GetAgreementMetadata" && r.Path == "/v1/agreements" {
						continue
					}
					ids[r.RequestID]++
					if r.Dropped {
						dropped++
					}
					if r.Replayed {
						replayed++
					}
				}
				// The operation itself is the request id with most attempts.
				max := 0
				for _, n := range ids {
					if n > max {
						max = n
					}
				}
				extra := f.extra
				if f.name == "mixed" && op.post {
					extra = 3
				}
				if max != 1+extra {
					t.Fatalf("want %d attempts with one MS-RequestId, got %v", 1+extra, ids)
				}
				if op.post && (f.name == "dropped" || f.name == "mixed") && (dropped != 1 || replayed != 1) {
					t.Fatalf("dropped=%d replayed=%d", dropped, replayed)
				}
			})
		}
	}
}

// Faults injected before startAccepted would be consumed by it; make sure
// the harness order is right by checking the sim's counters directly.
func TestThrottleHonoursRetryAfter(t *testing.T) {
	e := newEnv(t)
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.Throttle(1, time.Second)
	start := time.Now()
	if _, err := e.client.ListCustomerAgreements(ctx(t), custCurrent); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, before Retry-After (1s)", d)
	}
	if n := e.obs.count(pc.OpListCustomerAgreements, pc.OutcomeThrottled); n != 1 {
		t.Fatalf("observer saw %d throttled attempts", n)
	}

	// Longer than MaxInlineWait: typed error carrying the delay, no wait.
	e.sim.Throttle(1, 3*time.Second)
	start = time.Now()
	_, err := e.client.ListCustomerAgreements(ctx(t), custCurrent)
	pe := wantKind(t, err, pc.KindThrottled)
	if d, ok := pc.RetryAfter(err); !ok || d != 3*time.Second || !pe.Retryable() {
		t.Fatalf("RetryAfter = %v %v", d, ok)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("waited %v in-process for a long Retry-After", d)
	}
}

func TestRetriesStopAtContextDeadline(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) {
		c.MaxRetries = 100
		c.BackoffBase = 20 * time.Millisecond
		c.BackoffMax = 50 * time.Millisecond
	}))
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.FailNext(1000, 503)
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.client.ListCustomerAgreements(c, custCurrent)
	pe := wantKind(t, err, pc.KindTransient)
	if !pe.Retryable() || pe.StatusCode != 503 {
		t.Fatalf("%+v", pe)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Fatalf("retried past the deadline: %v", d)
	}
	// Retries exhausted (MaxRetries) also ends with a retryable error.
	e2 := newEnv(t, withConfig(func(c *pc.Config) { c.MaxRetries = 2 }))
	e2.sim.FailNext(1000, 502)
	_, err = e2.client.GetDirectSignedStatus(ctx(t), custDirect)
	if pe := wantKind(t, err, pc.KindTransient); pe.StatusCode != 502 {
		t.Fatalf("%+v", pe)
	}
	if n := len(apiRequests(e2.sim.Requests())); n != 3 {
		t.Fatalf("want 1+2 attempts, got %d", n)
	}
}

// A create whose answers are all lost fails; the controller restarts and
// repeats it with the persisted request id; exactly one record exists.
func TestLostPOSTAcrossRestartIsNotDuplicated(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxRetries = 1 }))
	const rid = "0b8f3c2a-0000-4000-8000-00000000abcd"
	contact := pc.Contact{FirstName: "Lin", LastName: "Wei", Email: "lw@wwi.example"}
	agreed := time.Now().Add(-time.Hour)
	e.sim.DropNextPOSTResponses(10)
	_, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, contact, pcsim.TemplateMCA, agreed, pc.WithRequestID(rid))
	_ = wantKind(t, err, pc.KindTransient)
	if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA)); n != 1 {
		t.Fatalf("the first POST committed once: want 1 record, got %d", n)
	}
	e.sim.DropNextPOSTResponses(0)
	a, err := e.newClient().CreateLegacyAgreement(ctx(t), custNoMCA, contact, pcsim.TemplateMCA, agreed, pc.WithRequestID(rid))
	if err != nil {
		t.Fatalf("repeat after restart: %v", err)
	}
	if a.PrimaryContact != contact {
		t.Fatalf("%+v", a)
	}
	if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA)); n != 1 {
		t.Fatalf("duplicated: %d records", n)
	}
}

// The client's limiter keeps it under the simulator's per-partner limit.
func TestRateLimiterPerClient(t *testing.T) {
	e := newEnv(t,
		withSimOptions(func(o *pcsim.Options) { o.RateLimitQPS = 25; o.RateLimitBurst = 8 }),
		withConfig(func(c *pc.Config) { c.QPS = 20; c.Burst = 5 }))
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1100*time.Millisecond {
		t.Fatalf("30 calls at 20 QPS (burst 5) took only %v", d)
	}
	for _, r := range e.sim.Requests() {
		if r.RateLimited {
			t.Fatalf("the simulator had to throttle: %+v", r)
		}
	}
}

// Over the simulator's limit, 429 + Retry-After is waited out in-process.
func TestSimulatorRateLimitIsWaitedOut(t *testing.T) {
	e := newEnv(t, withSimOptions(func(o *pcsim.Options) { o.RateLimitQPS = 2; o.RateLimitBurst = 2 }))
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
			t.Fatal(err)
		}
	}
	limited := 0
	for _, r := range e.sim.Requests() {
		if r.RateLimited {
			limited++
			if r.Status != 429 {
				t.Fatalf("%+v", r)
			}
		}
	}
	if limited == 0 {
		t.Fatal("expected the simulator to throttle")
	}
}

func TestMetadataCachedAndShared(t *testing.T) {
	clk := newClock()
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MetadataTTL = time.Hour; c.Now = clk.Now }))
	e.sim.SetLatency(50 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m, err := e.client.GetAgreementMetadata(ctx(t)); err != nil || m.TemplateID != pcsim.TemplateMCA {
				t.Errorf("%+v %v", m, err)
			}
		}()
	}
	wg.Wait()
	count := func() int {
		n := 0
		for _, r := range e.sim.Requests() {
			if r.Path == "/v1/agreements" {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("20 concurrent callers made %d fetches", n)
	}
	if _, err := e.client.GetAgreementMetadata(ctx(t)); err != nil || count() != 1 {
		t.Fatalf("cached metadata refetched: %d, %v", count(), err)
	}
	clk.Advance(61 * time.Minute)
	if _, err := e.client.GetAgreementMetadata(ctx(t)); err != nil || count() != 2 {
		t.Fatalf("expired metadata not refetched: %d, %v", count(), err)
	}
	// A caller that gives up does not fail the shared fetch.
	clk.Advance(61 * time.Minute)
	e.sim.SetLatency(200 * time.Millisecond)
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := e.client.GetAgreementMetadata(ctx(t)); done <- err }()
	if _, err := e.client.GetAgreementMetadata(short); pc.KindOf(err) != pc.KindTransient || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short caller: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("patient caller failed: %v", err)
	}
}
