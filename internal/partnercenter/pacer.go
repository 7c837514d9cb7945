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
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Partner Center throttles per partner tenant: a 429 means every call of the tenant is too many,
// not only the refused one. The pacer holds a tenant's calls to its rate, pauses all of them until
// Retry-After has passed, then lets the rate recover gradually from half. Polls of attestations
// awaiting the customer also pass a bucket of their own, a share of the rate, so that first
// observations and writes go first.

// recoveryPeriod is how long the rate takes to climb back from half to full after a 429.
const recoveryPeriod = 30 * time.Second

type pacer struct {
	limiter *rate.Limiter
	polls   *rate.Limiter
	full    rate.Limit

	mu          sync.Mutex
	pollSlots   map[string]time.Time // the slot reserved for a deferred poll, by poll key
	pausedUntil time.Time
	throttledAt time.Time
	reducedTo   rate.Limit
}

func newPacer(qps float64, burst int, pollShare float64) *pacer {
	if pollShare <= 0 || pollShare > 1 {
		pollShare = defaultPollShare
	}
	pollBurst := max(1, int(float64(burst)*pollShare))
	return &pacer{
		limiter: rate.NewLimiter(rate.Limit(qps), burst),
		polls:   rate.NewLimiter(rate.Limit(qps*pollShare), pollBurst),
		full:    rate.Limit(qps),
	}
}

// maxPollWait is the longest a poll waits for its share of the rate inside a call. Past it the
// poll is deferred: the caller comes back later instead of holding a worker that a first
// observation or a write needs.
const maxPollWait = 50 * time.Millisecond

// wait blocks until a call may be sent. A pause longer than maxInline is not waited out here:
// the caller gets the time left (paused), to come back later without holding a worker; likewise
// a poll whose share of the rate is spent for longer than maxPollWait (deferred).
//
// A 429 that arrives while the call waits for its turn in the rate limiter holds it too: the
// pause is checked again after the turn, and the call waits it out and then takes a new turn, at
// the rate the 429 left.
func (p *pacer) wait(ctx context.Context, pollKey string, maxInline time.Duration) (paused, deferred time.Duration, err error) {
	if left, err := p.waitPause(ctx, maxInline); left > 0 || err != nil {
		return left, 0, err
	}
	if pollKey != "" {
		d, deferNow := p.pollSlot(pollKey, time.Now())
		if deferNow {
			return 0, d, nil
		}
		if !sleepCtx(ctx, d) {
			return 0, 0, ctx.Err()
		}
	}
	for {
		if err := p.limiter.Wait(ctx); err != nil {
			return 0, 0, err
		}
		if p.pauseLeft(time.Now()) <= 0 {
			return 0, 0, nil
		}
		if left, err := p.waitPause(ctx, maxInline); left > 0 || err != nil {
			return left, 0, err
		}
	}
}

// waitPause waits out the tenant's pause, or returns the time left when that is longer than
// maxInline or than ctx allows, and then lets the rate recover.
func (p *pacer) waitPause(ctx context.Context, maxInline time.Duration) (time.Duration, error) {
	if left := p.pauseLeft(time.Now()); left > 0 {
		if left > maxInline || !fitsDeadline(ctx, left) {
			return left, nil
		}
		if !sleepCtx(ctx, left) {
			return 0, ctx.Err()
		}
	}
	p.recover(time.Now())
	return 0, nil
}

// pollSlot gives a poll its turn in the polls' share. A poll that would wait longer than
// maxPollWait keeps its reserved slot and is deferred until then: polls are served in the order
// they asked, so every customer awaiting its signatory is checked in turn, and none holds a
// worker meanwhile. A poll that comes back at its slot goes at once.
func (p *pacer) pollSlot(key string, now time.Time) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at, ok := p.pollSlots[key]; ok {
		if !now.Before(at) {
			delete(p.pollSlots, key)
			return 0, false
		}
		return at.Sub(now), true
	}
	d := p.polls.ReserveN(now, 1).DelayFrom(now)
	if d <= maxPollWait {
		return d, false
	}
	if p.pollSlots == nil {
		p.pollSlots = map[string]time.Time{}
	}
	if len(p.pollSlots) > 4096 {
		// Slots whose poll never came back (its customer was settled or deleted meanwhile).
		for k, at := range p.pollSlots {
			if now.Sub(at) > time.Minute {
				delete(p.pollSlots, k)
			}
		}
	}
	p.pollSlots[key] = now.Add(d)
	return d, true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (p *pacer) pauseLeft(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pausedUntil.Sub(now)
}

// throttled pauses every call until retryAfter has passed and halves the rate.
func (p *pacer) throttled(now time.Time, retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := now.Add(retryAfter); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	cur := p.limiter.Limit()
	p.reducedTo = max(cur/2, p.full/20)
	p.throttledAt = now
	p.limiter.SetLimitAt(now, p.reducedTo)
}

// recover raises the rate linearly from where the last 429 left it to the full rate.
func (p *pacer) recover(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.throttledAt.IsZero() {
		return
	}
	since := now.Sub(p.pausedUntil)
	if since <= 0 {
		return
	}
	if since >= recoveryPeriod {
		p.limiter.SetLimitAt(now, p.full)
		p.throttledAt = time.Time{}
		return
	}
	frac := rate.Limit(float64(since) / float64(recoveryPeriod))
	p.limiter.SetLimitAt(now, p.reducedTo+(p.full-p.reducedTo)*frac)
}

// deferredError tells the caller of a poll to come back when the poll share has room again.
func deferredError(op string, after time.Duration) *Error {
	return &Error{Kind: KindPollDeferred, Operation: op, RetryAfter: after,
		Message: "the polls' share of this partner tenant's rate is spent; the poll is deferred"}
}

// pausedError tells the caller of op to come back when the tenant's pause is over.
func pausedError(op string, left time.Duration) *Error {
	return &Error{Kind: KindThrottled, Operation: op, StatusCode: http.StatusTooManyRequests, RetryAfter: left,
		Message: "Partner Center is throttling this partner tenant; every call waits"}
}
