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
	"fmt"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func item(tenant, key string, expiresIn time.Duration) Item {
	return Item{Tenant: tenant, Key: key, Object: types.NamespacedName{Namespace: "ns", Name: key}, ExpiresAt: t0.Add(expiresIn)}
}

func TestQueueDrainsByExpiryAtTheRate(t *testing.T) {
	clk := &fakeClock{t: t0}
	q := NewQueue(clk.now)
	q.SetRate("a", 2) // one every 30s
	h := time.Hour
	if !q.Acquire(item("a", "first", 100*h)) {
		t.Fatal("an idle tenant's first send must go at once")
	}
	// A burst of onboarding: refused, they wait.
	for _, it := range []Item{item("a", "c", 30*h), item("a", "a", 10*h), item("a", "d", 40*h), item("a", "b", 20*h)} {
		if q.Acquire(it) {
			t.Fatalf("%s sent within the previous one's slot", it.Key)
		}
	}
	if q.Waiting("a") != 4 {
		t.Fatalf("waiting %d", q.Waiting("a"))
	}
	// Asking again does not jump the queue nor add a copy.
	if q.Acquire(item("a", "d", 40*h)) || q.Waiting("a") != 4 {
		t.Fatal("a repeated Acquire changed the queue")
	}
	var order []string
	for range 8 {
		granted, next := q.Grant()
		if len(granted) > 1 {
			t.Fatalf("%d granted at once", len(granted))
		}
		for _, it := range granted {
			order = append(order, it.Key)
			if !q.Acquire(it) {
				t.Fatalf("granted %s refused", it.Key)
			}
			if q.Acquire(it) {
				t.Fatalf("one grant, two sends for %s", it.Key)
			}
			q.Forget("a", it.Key)
		}
		if next.IsZero() {
			break
		}
		if want := clk.now().Add(30 * time.Second); len(granted) == 1 && !next.Equal(want) {
			t.Fatalf("next slot %v, want %v", next, want)
		}
		clk.add(next.Sub(clk.now()))
	}
	if fmt.Sprint(order) != "[a b c d]" {
		t.Errorf("order %v, want earliest expiry first: [a b c d]", order)
	}
}

func TestQueueEarlierExpiryGoesFirst(t *testing.T) {
	clk := &fakeClock{t: t0}
	q := NewQueue(clk.now)
	q.SetRate("a", 60)
	q.Acquire(item("a", "x", time.Hour))
	if q.Acquire(item("a", "late", 48*time.Hour)) {
		t.Fatal("sent within the slot")
	}
	clk.add(time.Second)
	// A slot is free and "late" waits for it, but "soon" expires earlier: it takes the slot.
	if !q.Acquire(item("a", "soon", 2*time.Hour)) {
		t.Fatal("the earliest expiry with a free slot must go")
	}
	clk.add(time.Second)
	if !q.Acquire(item("a", "late", 48*time.Hour)) {
		t.Fatal("late's turn")
	}
	// A later expiry must wait behind an earlier one waiting.
	clk.add(100 * time.Millisecond)
	q.Acquire(item("a", "early", time.Hour)) // refused: slot taken; it waits
	clk.add(2 * time.Second)
	if q.Acquire(item("a", "later", 50*time.Hour)) {
		t.Fatal("a later expiry jumped ahead of a waiting earlier one")
	}
}

func TestQueueTenantsAreIndependent(t *testing.T) {
	clk := &fakeClock{t: t0}
	q := NewQueue(clk.now)
	q.SetRate("a", 1)
	if !q.Acquire(item("a", "1", time.Hour)) || q.Acquire(item("a", "2", time.Hour)) {
		t.Fatal("tenant a: want one send per minute")
	}
	if !q.Acquire(item("b", "1", time.Hour)) {
		t.Fatal("tenant b is held by tenant a's rate")
	}
}

func TestQueueUnclaimedGrantExpires(t *testing.T) {
	clk := &fakeClock{t: t0}
	q := NewQueue(clk.now)
	q.grantTTL = 200 * time.Millisecond
	q.SetRate("a", 60)
	q.Acquire(item("a", "x", time.Hour))
	q.Acquire(item("a", "kept", 2*time.Hour))
	q.Acquire(item("a", "gone", 3*time.Hour))
	clk.add(time.Second)
	if granted, _ := q.Grant(); len(granted) != 1 || granted[0].Key != "kept" {
		t.Fatalf("granted %v", granted)
	}
	clk.add(100 * time.Millisecond)
	if !q.Acquire(item("a", "kept", 2*time.Hour)) {
		t.Fatal("a grant within its TTL was refused")
	}
	clk.add(900 * time.Millisecond)
	if granted, _ := q.Grant(); len(granted) != 1 || granted[0].Key != "gone" {
		t.Fatalf("granted %v", granted)
	}
	clk.add(300 * time.Millisecond)
	q.Grant()
	// The grant lapsed and its slot is spent: no send before the next slot.
	if q.Acquire(item("a", "gone", 3*time.Hour)) {
		t.Fatal("an expired grant was honoured")
	}
}

func TestQueueRunNotifies(t *testing.T) {
	q := NewQueue(nil)
	q.SetRate("a", 600) // one every 100ms
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan Item, 10)
	done := make(chan struct{})
	go func() { q.Run(ctx, func(it Item) { got <- it }); close(done) }()
	q.Acquire(item("a", "now", 3*time.Hour))
	q.Acquire(item("a", "second", 2*time.Hour))
	q.Acquire(item("a", "first", time.Hour))
	for _, want := range []string{"first", "second"} {
		select {
		case it := <-got:
			if it.Key != want || !q.Acquire(it) {
				t.Fatalf("notified %s (acquirable: %v), want %s", it.Key, q.Acquire(it), want)
			}
		case <-ctx.Done():
			t.Fatal("no notification")
		}
	}
	cancel()
	<-done
}
