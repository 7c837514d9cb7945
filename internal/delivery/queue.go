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
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// DefaultMaxPerMinute is a PartnerTenant's send rate when spec.linkDelivery.maxPerMinute is unset.
const DefaultMaxPerMinute = 60

// DefaultGrantTTL is how long a granted slot waits for its Acquire before it is dropped.
const DefaultGrantTTL = time.Minute

// Item is one message waiting for a send slot.
type Item struct {
	// Tenant is the PartnerTenant whose rate applies.
	Tenant string
	// Key identifies the message (its MessageID).
	Key string
	// Object is the CustomerAgreement to reconcile when the item is granted.
	Object types.NamespacedName
	// ExpiresAt orders the queue: the link that expires first is sent first.
	ExpiresAt time.Time
}

// Queue spaces the sends of each PartnerTenant evenly at its rate (maxPerMinute) and hands the
// slots out in order of link expiry. A reconciler calls Acquire before each send; a refused item
// waits in the queue, and Run calls notify when its slot comes, so that the reconciler tries again
// and Acquire grants it.
type Queue struct {
	mu       sync.Mutex
	now      func() time.Time
	grantTTL time.Duration
	tenants  map[string]*tenantQueue
	wake     chan struct{}
}

type tenantQueue struct {
	interval time.Duration
	// nextSlot is the earliest time the next send may start.
	nextSlot time.Time
	waiting  map[string]Item
	// granted maps a key to the end of its grant.
	granted map[string]time.Time
}

// NewQueue returns an empty Queue; now nil means time.Now.
func NewQueue(now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{now: now, grantTTL: DefaultGrantTTL, tenants: map[string]*tenantQueue{}, wake: make(chan struct{}, 1)}
}

// SetRate sets a tenant's rate; perMinute <= 0 means DefaultMaxPerMinute.
func (q *Queue) SetRate(tenant string, perMinute int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tenant(tenant).interval = interval(perMinute)
}

func interval(perMinute int) time.Duration {
	if perMinute <= 0 {
		perMinute = DefaultMaxPerMinute
	}
	return time.Minute / time.Duration(perMinute)
}

func (q *Queue) tenant(name string) *tenantQueue {
	t, ok := q.tenants[name]
	if !ok {
		t = &tenantQueue{interval: interval(0), waiting: map[string]Item{}, granted: map[string]time.Time{}}
		q.tenants[name] = t
	}
	return t
}

// Acquire reports whether it may be sent now, and takes its slot if so: when Run granted it, or
// when a slot is free and no waiting item of the tenant expires earlier. Otherwise it waits in the
// queue (updated if already there) and Acquire returns false.
func (q *Queue) Acquire(it Item) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	t := q.tenant(it.Tenant)
	if until, ok := t.granted[it.Key]; ok {
		delete(t.granted, it.Key)
		if now.Before(until) {
			return true
		}
	}
	delete(t.waiting, it.Key)
	if !now.Before(t.nextSlot) && !t.hasEarlier(it) {
		t.take(now)
		return true
	}
	t.waiting[it.Key] = it
	q.signal()
	return false
}

// Forget drops a message that no longer needs sending.
func (q *Queue) Forget(tenant, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t, ok := q.tenants[tenant]; ok {
		delete(t.waiting, key)
		delete(t.granted, key)
	}
}

// Waiting returns the number of items waiting for a tenant.
func (q *Queue) Waiting(tenant string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t, ok := q.tenants[tenant]; ok {
		return len(t.waiting)
	}
	return 0
}

// Grant hands out the slots that have come: for each tenant, the waiting item that expires first
// while a slot is free. It returns the granted items and when the next slot comes (zero when
// nothing waits). Grants not taken by Acquire within DefaultGrantTTL are dropped.
func (q *Queue) Grant() ([]Item, time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var out []Item
	var next time.Time
	for _, t := range q.tenants {
		for key, until := range t.granted {
			if !now.Before(until) {
				delete(t.granted, key)
			}
		}
		for len(t.waiting) > 0 && !now.Before(t.nextSlot) {
			it := t.earliest()
			delete(t.waiting, it.Key)
			t.granted[it.Key] = now.Add(q.grantTTL)
			t.take(now)
			out = append(out, it)
		}
		if len(t.waiting) > 0 && (next.IsZero() || t.nextSlot.Before(next)) {
			next = t.nextSlot
		}
	}
	return out, next
}

// Run grants slots as they come and calls notify for each granted item, until ctx ends.
func (q *Queue) Run(ctx context.Context, notify func(Item)) {
	for {
		items, next := q.Grant()
		for _, it := range items {
			notify(it)
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(q.now()), time.Millisecond)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-q.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (t *tenantQueue) take(now time.Time) {
	t.nextSlot = later(t.nextSlot, now).Add(t.interval)
}

func (t *tenantQueue) hasEarlier(it Item) bool {
	for _, w := range t.waiting {
		if before(w, it) {
			return true
		}
	}
	return false
}

func (t *tenantQueue) earliest() Item {
	var first Item
	found := false
	for _, w := range t.waiting {
		if !found || before(w, first) {
			first, found = w, true
		}
	}
	return first
}

func before(a, b Item) bool {
	if !a.ExpiresAt.Equal(b.ExpiresAt) {
		return a.ExpiresAt.Before(b.ExpiresAt)
	}
	return a.Key < b.Key
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
