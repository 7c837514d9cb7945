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

package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// tracker follows every CustomerAgreement through a watch: it counts status writes (every
// MODIFIED event; the bench never changes a spec) and records when each reached its final state.
type tracker struct {
	mu        sync.Mutex
	start     time.Time
	total     int
	modified  map[string]int
	converged map[string]time.Duration
	times     []float64 // seconds since start, in order of convergence
	allDone   chan struct{}
}

func newTracker(total int) *tracker {
	return &tracker{total: total, modified: map[string]int{}, converged: map[string]time.Duration{}, allDone: make(chan struct{})}
}

func final(ca *v1alpha1.CustomerAgreement) bool {
	return ca.Status.ObservedGeneration == ca.Generation &&
		ca.Status.State == v1alpha1.StateAttested &&
		meta.IsStatusConditionTrue(ca.Status.Conditions, v1alpha1.ConditionReady)
}

func (t *tracker) setStart(at time.Time) { t.mu.Lock(); t.start = at; t.mu.Unlock() }

func (t *tracker) observe(ev watch.Event) {
	ca, ok := ev.Object.(*v1alpha1.CustomerAgreement)
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev.Type == watch.Modified {
		t.modified[ca.Name]++
	}
	if _, done := t.converged[ca.Name]; !done && final(ca) {
		d := now.Sub(t.start)
		t.converged[ca.Name] = d
		t.times = append(t.times, d.Seconds())
		if len(t.converged) == t.total {
			close(t.allDone)
		}
	}
}

func (t *tracker) counts() (converged, writes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.modified {
		writes += n
	}
	return len(t.converged), writes
}

func (t *tracker) snapshot() (times []float64, modified map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	modified = make(map[string]int, len(t.modified))
	for k, v := range t.modified {
		modified[k] = v
	}
	return append([]float64(nil), t.times...), modified
}

// waitAll waits until every customer converged, logging progress; it gives up when one of the
// managers (at least one) exits.
func waitAll(ctx context.Context, tr *tracker, phase string, mgrs ...*managerProc) error {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	exited := make(chan *managerProc, len(mgrs))
	stop := make(chan struct{})
	defer close(stop)
	for _, m := range mgrs {
		go func() {
			select {
			case <-m.done:
				exited <- m
			case <-stop:
			}
		}()
	}
	for {
		select {
		case <-tr.allDone:
			return nil
		case <-ctx.Done():
			n, _ := tr.counts()
			return fmt.Errorf("%d of %d customers converged: %w (manager log: %s)", n, tr.total, ctx.Err(), mgrs[0].logPath)
		case m := <-exited:
			return fmt.Errorf("the manager exited early (log: %s)", m.logPath)
		case <-tick.C:
			n, w := tr.counts()
			logf("%s: %d/%d converged, %d status writes, %.0fs", phase, n, tr.total, w, time.Since(mgrs[0].started).Seconds())
		}
	}
}
