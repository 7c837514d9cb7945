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

package controller

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// wantResyncSlot checks that res brings the customer back at its own resync slot, with the
// workqueue's low priority.
func wantResyncSlot(t *testing.T, h *harness, res reconcile.Result, now time.Time) {
	t.Helper()
	interval := h.r.ResyncInterval
	if res.RequeueAfter <= 0 || res.RequeueAfter > interval+h.r.MinReadInterval {
		t.Fatalf("RequeueAfter = %s, want the customer's slot within the resync interval %s", res.RequeueAfter, interval)
	}
	slot := mca.NextResync(mca.ResyncOffset(string(h.get().UID), interval), interval, now)
	if d := now.Add(res.RequeueAfter).Sub(slot); d < -time.Second || d > time.Second {
		t.Fatalf("requeued for %s, %s from the customer's slot %s", now.Add(res.RequeueAfter), d, slot)
	}
	if res.Priority == nil || *res.Priority != handler.LowPriority {
		t.Fatalf("priority = %v, want the low priority of a resync", res.Priority)
	}
}

// restart gives the harness a new reconciler, as a restarted manager (or the replica taking
// over) has: nothing of the previous one's memory.
func (h *harness) restart() {
	h.r.reads, h.r.fullReads = readBudget{}, readBudget{}
}

// After a restart, a customer whose status shows it settled under its current spec is read at
// its resync slot, not at once, and nothing is written; a reconcile asked for later (the
// annotation reconcile-now) reads it, as a resync.
func TestRestartReadsASettledCustomerAtItsSlot(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if !mca.Settled(&h.get().Status, h.get().Generation) {
		t.Fatalf("not settled: %+v", h.get().Status)
	}
	if h.pc.resyncReads != 0 {
		t.Fatalf("the first read of a new customer was made as a resync's")
	}

	h.restart()
	h.pc.resetCalls()
	kube := h.count()
	now := time.Now()
	res, err := h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if n := h.pc.customerReads() + h.pc.calls[pc.OpGetAgreementMetadata]; n != 0 {
		t.Fatalf("the restarted reconciler called Partner Center %d times for a settled customer: %v", n, h.pc.calls)
	}
	if kube.writes != 0 {
		t.Fatalf("the restart wrote %d times to the API server for a settled customer", kube.writes)
	}
	wantResyncSlot(t, h, res, now)

	// Another event before the slot (a label patched, the PartnerTenant's Lease acquired, which
	// requeues all its customers) reads nothing either.
	res, err = h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if n := h.pc.customerReads(); n != 0 || kube.writes != 0 {
		t.Fatalf("a second reconcile before the slot read %d times, wrote %d times: %v", n, kube.writes, h.pc.calls)
	}
	wantResyncSlot(t, h, res, time.Now())

	h.slotComes()
	res, err = h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpListCustomerAgreements] != 1 || h.pc.resyncReads != 1 || kube.writes != 0 {
		t.Fatalf("at its slot: %v, %d as a resync, %d writes; want one resync read and no write", h.pc.calls, h.pc.resyncReads, kube.writes)
	}
	wantResyncSlot(t, h, res, time.Now())
}

// slotComes brings the harness's customer to a resync slot: it takes a resync interval (from the
// harness's on) at one of whose slots the customer's is now, or a moment later, and records the
// customer's last read half an interval before that slot. The slots count real time, which a
// test cannot move.
func (h *harness) slotComes() {
	h.t.Helper()
	h.lateForSlot(0, h.r.ResyncInterval/20)
}

// lateForSlot is slotComes with the customer's slot passed between from and to before now (the
// interval it takes is at most an hour longer than the harness's). It returns the slot.
func (h *harness) lateForSlot(from, to time.Duration) time.Time {
	h.t.Helper()
	uid := h.get().UID
	m, ok := h.r.reads.marks[uid]
	if !ok {
		h.t.Fatal("no read on record")
	}
	now := time.Now()
	for interval := h.r.ResyncInterval; interval < h.r.ResyncInterval+time.Hour; interval += time.Second {
		latest := mca.NextResync(mca.ResyncOffset(string(uid), interval), interval, now).Add(-interval)
		if late := now.Sub(latest); late >= from && late <= to {
			h.r.ResyncInterval = interval
			m.at = latest.Add(-interval / 2)
			h.r.reads.marks[uid] = m
			return latest
		}
	}
	h.t.Fatalf("no resync interval puts the customer's slot %s to %s before now", from, to)
	return time.Time{}
}

// A resync not made within a tenth of an interval of its slot (the tenant's rate went to first
// reads, the workqueue was long) waits for the customer's next slot: read late, it would be read
// again at that slot less than an interval later.
func TestALateResyncWaitsForTheNextSlot(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	h.pc.resetCalls()
	kube := h.count()
	slot := h.lateForSlot(h.r.ResyncInterval/5, h.r.ResyncInterval/2)
	now := time.Now()
	res, err := h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if n := h.pc.customerReads(); n != 0 || kube.writes != 0 {
		t.Fatalf("a resync %s late (interval %s) read %d times and wrote %d times: %v", now.Sub(slot), h.r.ResyncInterval, n, kube.writes, h.pc.calls)
	}
	wantResyncSlot(t, h, res, now)

	// Within a tenth of an interval of the slot, the resync is made.
	h.lateForSlot(h.r.ResyncInterval/40, h.r.ResyncInterval/20)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.pc.resyncReads != 1 {
		t.Fatalf("a resync a moment after its slot: %v, %d as a resync; want one resync read", h.pc.calls, h.pc.resyncReads)
	}
}

// A person's reconcile-now annotation still reads a settled customer before its slot (once the
// read budget allows), and only once per request.
func TestReconcileNowReadsASettledCustomerBeforeItsSlot(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	h.restart()
	h.pc.resetCalls()
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	ca := h.get()
	if ca.Annotations == nil {
		ca.Annotations = map[string]string{}
	}
	ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt] = time.Now().UTC().Format(time.RFC3339)
	if err := h.kube.Update(context.Background(), ca); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := h.reconcile(); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.pc.calls[pc.OpListCustomerAgreements]; n != 1 {
		t.Fatalf("reconcile-now on a settled customer: %d reads, want 1: %v", n, h.pc.calls)
	}
}

// Customers with work in flight keep their own schedule after a restart: an attestation awaiting
// the signatory is polled at once, at the default priority.
func TestRestartPollsAnAttestationInFlightAtOnce(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.get().Status.Attestation == nil {
		t.Fatalf("no attestation in flight: %+v", h.get().Status)
	}
	h.restart()
	h.pc.resetCalls()
	res, err := h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpGetEnhancedAttestation] != 1 || h.pc.resyncReads != 0 {
		t.Fatalf("after the restart: %v, %d resync reads; want the attestation polled at once", h.pc.calls, h.pc.resyncReads)
	}
	if res.RequeueAfter != h.r.PollInterval || res.Priority == nil || *res.Priority != 0 {
		t.Fatalf("requeue %s at priority %v, want the poll interval at the default priority", res.RequeueAfter, res.Priority)
	}
}

// A customer first read off its resync slot (onboarded with thousands of others in a burst) is
// read again at its slot, not a resync interval after that read: otherwise every burst of
// onboarding repeats itself each interval, for as long as the manager runs.
func TestACustomerReadOffItsSlotIsReadAgainAtItsSlot(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	ca := h.get()
	m, ok := h.r.reads.last(ca)
	if !ok {
		t.Fatal("no read on record")
	}
	interval := h.r.ResyncInterval
	slot := mca.NextResync(mca.ResyncOffset(string(ca.UID), interval), interval, m.at.Add(max(h.r.MinReadInterval, time.Nanosecond)))
	if slot.Equal(m.at.Add(interval)) {
		t.Skip("the first read fell exactly on the customer's slot")
	}
	if wait := h.r.firstResync(ca, slot.Add(-time.Second)); wait != time.Second {
		t.Fatalf("a second before its slot %s (first read %s): wait %s, want 1s", slot, m.at, wait)
	}
	if wait := h.r.firstResync(ca, slot); wait != 0 {
		t.Fatalf("at its slot %s (first read %s): wait %s, want to read now", slot, m.at, wait)
	}
}
