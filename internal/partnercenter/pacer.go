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
// observations and writes go first. Resync reads (of customers already settled) come last: they
// take only a token no other call holds, and are deferred rather than queue in front of one.
// Background reads (the pages of the customers list) come after them: they take only a token that
// a full bucket would otherwise let overflow (backgroundTurn).

// recoveryPeriod is how long the rate takes to climb back from half to full after a 429.
const recoveryPeriod = 30 * time.Second

type pacer struct {
	limiter *rate.Limiter
	full    rate.Limit

	mu sync.Mutex
	// polls is the polls' share of the rate; resyncs orders the resync reads, at most one per
	// token of the full rate.
	polls      turns
	resyncs    turns
	background turns
	// reserve is how many tokens a background read leaves in the bucket: all but one of the
	// burst.
	reserve     float64
	pausedUntil time.Time
	throttledAt time.Time
	reducedTo   rate.Limit
}

// class is how a call takes its turn: pollKey names a poll, resyncKey a resync read,
// backgroundKey a background read (none: a first observation or a write, which waits in the rate
// limiter in the order it asked).
type class struct {
	pollKey, resyncKey, backgroundKey string
}

func newPacer(qps float64, burst int, pollShare float64) *pacer {
	if pollShare <= 0 || pollShare > 1 {
		pollShare = defaultPollShare
	}
	pollBurst := max(1, int(float64(burst)*pollShare))
	return &pacer{
		limiter:    rate.NewLimiter(rate.Limit(qps), burst),
		polls:      turns{limiter: rate.NewLimiter(rate.Limit(qps*pollShare), pollBurst)},
		resyncs:    turns{limiter: rate.NewLimiter(rate.Limit(qps), 1)},
		background: turns{limiter: rate.NewLimiter(rate.Limit(qps*pollShare), 1)},
		reserve:    float64(burst - 1),
		full:       rate.Limit(qps),
	}
}

// maxPollWait is the longest a poll or a resync read waits for its turn inside a call. Past it
// the call is deferred: the caller comes back later instead of holding a worker that a first
// observation or a write needs.
const maxPollWait = 50 * time.Millisecond

// wait blocks until a call may be sent. A pause longer than maxInline is not waited out here:
// the caller gets the time left (paused), to come back later without holding a worker; likewise
// a poll whose share of the rate is spent for longer than maxPollWait (deferred), and a resync
// read that finds no token to spare or the tenant paused (resyncTurn).
//
// A 429 that arrives while the call waits for its turn in the rate limiter holds it too: the
// pause is checked again after the turn, and the call waits it out and then takes a new turn, at
// the rate the 429 left.
func (p *pacer) wait(ctx context.Context, c class, maxInline time.Duration) (paused, deferred time.Duration, err error) {
	if c.resyncKey != "" {
		deferred, err := p.resyncTurn(ctx, c.resyncKey)
		return 0, deferred, err
	}
	if c.backgroundKey != "" {
		deferred, err := p.backgroundTurn(ctx, c.backgroundKey)
		return 0, deferred, err
	}
	if left, err := p.waitPause(ctx, maxInline); left > 0 || err != nil {
		return left, 0, err
	}
	if c.pollKey != "" {
		d, deferNow := p.slot(&p.polls, c.pollKey, time.Now())
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

// turns hands out turns in one class's share of the rate, in the order they were asked for.
type turns struct {
	limiter *rate.Limiter
	slots   map[string]time.Time // the slot reserved for a deferred call, by key
}

// slot gives a call of a class its turn in t. A call that would wait longer than maxPollWait
// keeps its reserved slot and is deferred until then: the calls of the class are served in the
// order they asked (every customer awaiting its signatory is checked in turn), and none holds a
// worker meanwhile. A call that comes back at its slot goes at once.
func (p *pacer) slot(t *turns, key string, now time.Time) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at, ok := t.slots[key]; ok {
		if !now.Before(at) {
			delete(t.slots, key)
			return 0, false
		}
		return at.Sub(now), true
	}
	d := t.limiter.ReserveN(now, 1).DelayFrom(now)
	if d <= maxPollWait {
		return d, false
	}
	t.put(key, now.Add(d), now)
	return d, true
}

// hold keeps a slot for key at at: the call that comes back then goes at once.
func (p *pacer) hold(t *turns, key string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.put(key, at, time.Now())
}

// put records the slot of key (the caller holds the pacer's lock).
func (t *turns) put(key string, at, now time.Time) {
	if t.slots == nil {
		t.slots = map[string]time.Time{}
	}
	if len(t.slots) > 4096 {
		// Slots whose call never came back (its customer was settled or deleted meanwhile).
		for k, at := range t.slots {
			if now.Sub(at) > time.Minute {
				delete(t.slots, k)
			}
		}
	}
	t.slots[key] = at
}

// resyncTurn gives a resync read its turn among the resyncs, then a token of the tenant's rate
// that no other call holds: it takes a token only when one is free within maxPollWait, and is
// deferred otherwise (for the time the calls ahead of it need). A resync therefore never queues in
// the rate limiter ahead of a first observation, a write or a poll, which may all reserve tokens
// ahead; it uses what they leave. A pause of the tenant (a 429) defers it too: a resync waits
// quietly, and is not worth a Throttled condition on a settled customer.
func (p *pacer) resyncTurn(ctx context.Context, key string) (deferred time.Duration, err error) {
	p.recover(time.Now())
	d, deferNow := p.slot(&p.resyncs, key, time.Now())
	if deferNow {
		return d, nil
	}
	if !sleepCtx(ctx, d) {
		return 0, ctx.Err()
	}
	now := time.Now()
	r := p.limiter.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > maxPollWait {
		r.CancelAt(now)
		// Keep the read's place among the resyncs: back when the calls ahead have gone, it goes
		// on to the rate limiter at once.
		p.hold(&p.resyncs, key, now.Add(wait))
		return wait, nil
	}
	if !sleepCtx(ctx, wait) {
		r.Cancel()
		return 0, ctx.Err()
	}
	// The tenant is paused (a 429): defer to the end of the pause rather than wait it out.
	return max(0, p.pauseLeft(time.Now())), nil
}

// backgroundTurn gives a background read its turn in the background share (pollShare of the
// rate, one at a time), then a token of the tenant's rate only when the bucket is full: the read
// uses the tokens that would otherwise overflow, and leaves the rest of the burst (the reserve)
// to the first observations, writes and polls that arrive next, so it never delays them.
// Otherwise, or while the tenant is paused, the read is deferred, for the time the bucket needs
// to refill.
func (p *pacer) backgroundTurn(ctx context.Context, key string) (deferred time.Duration, err error) {
	now := time.Now()
	p.recover(now)
	if left := p.pauseLeft(now); left > 0 {
		return left, nil
	}
	d, deferNow := p.slot(&p.background, key, now)
	if deferNow {
		return d, nil
	}
	if !sleepCtx(ctx, d) {
		return 0, ctx.Err()
	}
	now = time.Now()
	r := p.limiter.ReserveN(now, 1)
	left := p.limiter.TokensAt(now)
	if r.DelayFrom(now) == 0 && left >= p.reserve {
		return 0, nil
	}
	r.CancelAt(now)
	lim := float64(p.limiter.Limit())
	wait := max(maxPollWait, time.Duration((p.reserve-left)/lim*float64(time.Second)))
	p.hold(&p.background, key, now.Add(wait))
	return wait, nil
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

// deferredError tells the caller of a poll to come back when the poll share has room again, and
// the caller of a resync read when the tenant's rate has a token to spare.
func deferredError(op string, c class, after time.Duration) *Error {
	if c.backgroundKey != "" {
		return &Error{Kind: KindResyncDeferred, Operation: op, RetryAfter: after,
			Message: "this partner tenant's rate is taken by other calls; the background read is deferred"}
	}
	if c.resyncKey != "" {
		return &Error{Kind: KindResyncDeferred, Operation: op, RetryAfter: after,
			Message: "this partner tenant's rate is taken by other calls; the resync read is deferred"}
	}
	return &Error{Kind: KindPollDeferred, Operation: op, RetryAfter: after,
		Message: "the polls' share of this partner tenant's rate is spent; the poll is deferred"}
}

// pausedError tells the caller of op to come back when the tenant's pause is over.
func pausedError(op string, left time.Duration) *Error {
	return &Error{Kind: KindThrottled, Operation: op, StatusCode: http.StatusTooManyRequests, RetryAfter: left,
		Message: "Partner Center is throttling this partner tenant; every call waits"}
}
