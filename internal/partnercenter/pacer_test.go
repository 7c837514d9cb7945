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
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// A 429 pauses every call of the partner tenant until Retry-After has passed, not only the
// refused one (Partner Center throttles per partner).
func TestThrottlePausesTheWholeTenant(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxInlineWait = 5 * time.Second; c.QPS, c.Burst = 50, 10 }))
	if _, err := e.client.GetAgreementMetadata(ctx(t)); err != nil { // tokens and metadata first
		t.Fatal(err)
	}
	e.sim.ResetRequests()
	e.sim.Throttle(1, 2*time.Second)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 50 * time.Millisecond)
			_, _ = e.client.ListCustomerAgreements(ctx(t), custNoMCA)
		}()
	}
	wg.Wait()
	recs := apiRequests(e.sim.Requests())
	var throttledAt time.Time
	for _, r := range recs {
		if r.Status == 429 {
			throttledAt = r.Time
			break
		}
	}
	if throttledAt.IsZero() {
		t.Fatal("the simulator throttled nothing")
	}
	early := 0
	for _, r := range recs {
		if r.Time.After(throttledAt) && r.Time.Before(throttledAt.Add(1900*time.Millisecond)) {
			early++
		}
	}
	if early > 0 {
		t.Fatalf("%d calls of the throttled tenant were sent within Retry-After", early)
	}
	if len(recs) != 9 {
		t.Fatalf("%d requests, want the 8 calls and the one retried", len(recs))
	}
}

// A poll whose share of the rate is spent is deferred at once, without a request and without
// holding the caller: a first observation or a write of another customer goes first.
func TestPollsBeyondTheirShareAreDeferred(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.QPS, c.Burst, c.PollShare = 10, 10, 0.1 }))
	att, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "Coho", SignatoryFirstName: "A",
		SignatoryLastName: "B", SignatoryEmail: "a@coho.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID); err != nil {
		t.Fatal(err)
	}
	before := len(apiRequests(e.sim.Requests()))
	start := time.Now()
	_, err = e.client.GetEnhancedAttestation(ctx(t), att.AttestationID)
	pe := wantKind(t, err, pc.KindPollDeferred)
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Fatalf("the deferred poll held its caller for %s", took)
	}
	if pe.RetryAfter <= 0 {
		t.Fatalf("no time to come back after: %+v", pe)
	}
	if n := len(apiRequests(e.sim.Requests())) - before; n != 0 {
		t.Fatalf("a deferred poll sent %d requests", n)
	}
	// Other calls are not held back by the polls' share.
	if _, err := e.client.ListCustomerAgreements(ctx(t), custNoMCA); err != nil {
		t.Fatal(err)
	}
	// The deferred poll kept its turn: back at its slot, it goes at once, ahead of a poll that
	// asks only now.
	time.Sleep(pe.RetryAfter)
	if _, err := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID); err != nil {
		t.Fatalf("the poll back at its slot: %v", err)
	}
	_, err = e.client.GetEnhancedAttestation(ctx(t), "another")
	_ = wantKind(t, err, pc.KindPollDeferred)
}

// A 429 also holds the calls already waiting in the rate limiter when it arrived: each of them
// waits until Retry-After has passed before it is sent. Ten customers at 4 requests/s, two
// forced 429s with Retry-After: 2; the simulator's log shows no call of the tenant inside either
// window.
func TestThrottleHoldsCallsQueuedInTheRateLimiter(t *testing.T) {
	const retryAfter = 2 * time.Second
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxInlineWait = 5 * time.Second; c.QPS, c.Burst = 4, 1 }))
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil { // tokens and metadata first
		t.Fatal(err)
	}
	e.sim.ResetRequests()
	e.sim.Throttle(2, retryAfter)
	customers := []string{custCurrent, custLegacy, custReatt, custNoMCA, custNoMCA2}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.client.ListCustomerAgreements(c, customers[i%len(customers)]); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a customer's call failed: %v", err)
	}
	recs := apiRequests(e.sim.Requests())
	windows := 0
	for _, r := range recs {
		if r.Status != http.StatusTooManyRequests {
			continue
		}
		windows++
		// From the moment the 429 was answered until Retry-After has passed since it arrived.
		from, until := r.Time.Add(r.Duration), r.Time.Add(retryAfter)
		for _, o := range recs {
			if o.Time.After(from) && o.Time.Before(until) {
				t.Errorf("a call reached Partner Center %s after a 429 with Retry-After: %s", o.Time.Sub(r.Time).Round(time.Millisecond), retryAfter)
			}
		}
	}
	if windows != 2 {
		t.Fatalf("%d calls were throttled, want the 2 forced", windows)
	}
	if len(recs) != 12 {
		t.Fatalf("%d requests, want the 10 calls and the 2 retried", len(recs))
	}
}

// A write's last check runs after its turn in the rate limiter, just before it is sent: a check
// that fails there (the namespace lost its permission while the call waited) sends nothing.
func TestBeforeSendRunsAfterTheRateLimiterWait(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxInlineWait = 5 * time.Second; c.QPS, c.Burst = 1, 1 }))
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil { // tokens, and the burst spent
		t.Fatal(err)
	}
	e.sim.ResetRequests()
	withheld := errors.New("the namespace is no longer allowed")
	start := time.Now()
	var checkedAt time.Time
	_, err := e.client.StartEnhancedAttestation(c, pc.EnhancedAttestationRequest{CompanyName: "Coho", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"},
		pc.BeforeSend(func(context.Context) error { checkedAt = time.Now(); return withheld }))
	if !errors.Is(err, withheld) {
		t.Fatalf("err = %v, want the check's own error", err)
	}
	if waited := checkedAt.Sub(start); waited < 500*time.Millisecond {
		t.Fatalf("the check ran %s after the call began: before its turn in the rate limiter (1 request/s)", waited)
	}
	if recs := apiRequests(e.sim.Requests()); len(recs) != 0 {
		t.Fatalf("%d request(s) reached Partner Center after the check refused the write", len(recs))
	}
}

// Resync reads are the lowest class of a tenant's rate: sixteen workers re-reading settled
// customers as fast as the pacer lets them (2 requests/s) delay a first read of a new customer by
// at most one token, and each resync read that finds no token to spare is deferred at once,
// sending nothing, instead of queueing in front of it.
func TestResyncReadsYieldToFirstReads(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxInlineWait = 5 * time.Second; c.QPS, c.Burst = 2, 1 }))
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil { // tokens, and the burst spent
		t.Fatal(err)
	}
	e.sim.ResetRequests()

	start := time.Now()
	_, err := e.client.ListCustomerAgreements(pc.ResyncContext(c), custCurrent)
	pe := wantKind(t, err, pc.KindResyncDeferred)
	if took := time.Since(start); took > 200*time.Millisecond || pe.RetryAfter <= 0 {
		t.Fatalf("the deferred resync read held its caller for %s and says to come back after %s", took, pe.RetryAfter)
	}
	if n := len(apiRequests(e.sim.Requests())); n != 0 {
		t.Fatalf("a deferred resync read sent %d requests", n)
	}

	resyncs, stop := context.WithCancel(c)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			customers := []string{custCurrent, custLegacy, custReatt, custNoMCA}
			for resyncs.Err() == nil {
				_, err := e.client.ListCustomerAgreements(pc.ResyncContext(resyncs), customers[i%len(customers)])
				if after, ok := pc.RetryAfter(err); ok && pc.KindOf(err) == pc.KindResyncDeferred {
					sleepCtx(resyncs, after)
				}
			}
		}()
	}
	time.Sleep(2 * time.Second) // the resyncs take the whole rate
	asked := time.Now()
	if _, err := e.client.ListCustomerAgreements(c, custNoMCA2); err != nil {
		t.Fatal(err)
	}
	waited := time.Since(asked)
	time.Sleep(time.Second)
	stop()
	wg.Wait()

	var resynced int
	for _, r := range apiRequests(e.sim.Requests()) {
		if strings.Contains(r.Path, custNoMCA2) {
			continue
		}
		resynced++
	}
	if waited > 900*time.Millisecond {
		t.Errorf("the first read of a new customer waited %s behind the resync reads; want at most one token (500ms)", waited.Round(time.Millisecond))
	}
	if resynced < 4 {
		t.Errorf("%d resync reads in 3 s at 2 requests/s: the resyncs did not use the spare rate", resynced)
	}
	t.Logf("first read waited %s; %d resync reads sent", waited.Round(time.Millisecond), resynced)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// A resync read that meets a tenant paused by a 429 is deferred until the pause ends and sends
// nothing: a settled customer is not worth a Throttled condition.
func TestResyncReadsWaitOutAPauseQuietly(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.MaxInlineWait = 100 * time.Millisecond }))
	if _, err := e.client.GetAgreementMetadata(ctx(t)); err != nil { // tokens and metadata first
		t.Fatal(err)
	}
	e.sim.Throttle(1, 2*time.Second)
	_, err := e.client.ListCustomerAgreements(ctx(t), custNoMCA)
	_ = wantKind(t, err, pc.KindThrottled)
	e.sim.ResetRequests()
	_, err = e.client.ListCustomerAgreements(pc.ResyncContext(ctx(t)), custCurrent)
	pe := wantKind(t, err, pc.KindResyncDeferred)
	if pe.RetryAfter < time.Second || pe.RetryAfter > 2*time.Second {
		t.Fatalf("deferred for %s, want the pause's 2 s left", pe.RetryAfter)
	}
	if n := len(apiRequests(e.sim.Requests())); n != 0 {
		t.Fatalf("a resync read sent %d requests while the tenant was paused", n)
	}
}
