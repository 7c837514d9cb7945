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

package mca

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestNextResync(t *testing.T) {
	epoch := time.Unix(0, 0).UTC()
	day := 24 * time.Hour
	at := func(h, m int) time.Time {
		return epoch.Add(1000*day + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	cases := []struct {
		name             string
		offset, interval time.Duration
		from, want       time.Time
	}{
		{"later in this cycle", 90 * time.Minute, 6 * time.Hour, at(0, 30), at(1, 30)},
		{"passed in this cycle: the next", 90 * time.Minute, 6 * time.Hour, at(2, 0), at(7, 30)},
		{"exactly at the slot: now", 90 * time.Minute, 6 * time.Hour, at(1, 30), at(1, 30)},
		{"just after the slot: a whole interval on", 90 * time.Minute, 6 * time.Hour, at(1, 30).Add(time.Nanosecond), at(7, 30)},
		{"offset zero: the cycle's start", 0, 6 * time.Hour, at(5, 59), at(6, 0)},
		{"an offset beyond the interval wraps", 6*time.Hour + 90*time.Minute, 6 * time.Hour, at(0, 30), at(1, 30)},
		{"an interval that does not divide a day", 0, 7 * time.Hour, at(0, 0), epoch.Add(7 * time.Hour * ((1000*24 + 6) / 7))},
		{"before the epoch", 90 * time.Minute, 6 * time.Hour, epoch.Add(-5 * time.Hour), epoch.Add(-270 * time.Minute)},
		{"no interval: at once", time.Hour, 0, at(3, 0), at(3, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := NextResync(c.offset, c.interval, c.from)
			if !got.Equal(c.want) {
				t.Fatalf("NextResync(%s, %s, %s) = %s, want %s", c.offset, c.interval, c.from, got, c.want)
			}
			if c.interval > 0 && (got.Sub(epoch)-c.offset)%c.interval != 0 {
				t.Fatalf("%s is not in the slot %s of the cycle %s", got, c.offset, c.interval)
			}
		})
	}
}

func TestResyncWait(t *testing.T) {
	epoch := time.Unix(0, 0).UTC()
	const interval, offset, gap = 100 * time.Minute, 30 * time.Minute, 10 * time.Second
	// The customer's slots are at slot(k) = epoch + 1000 intervals + k intervals + 30 minutes.
	slot := func(k int) time.Time { return epoch.Add(time.Duration(1000+k)*interval + offset) }
	cases := []struct {
		name          string
		lastRead, now time.Time
		minGap        time.Duration
		want          time.Duration
	}{
		{"before its slot: until the slot", slot(0).Add(-40 * time.Minute), slot(0).Add(-5 * time.Minute), gap, 5 * time.Minute},
		{"at its slot: now", slot(-1), slot(0), gap, 0},
		{"read off its slot (a burst): its first slot after the read", slot(0).Add(-90 * time.Minute), slot(0).Add(-80 * time.Minute), gap, 80 * time.Minute},
		{"read at its slot: the next slot, not the same one", slot(0), slot(0).Add(time.Second), gap, interval - time.Second},
		{"a slot within the least gap after the read is skipped", slot(0).Add(-5 * time.Second), slot(0), gap, interval},
		{"late, within a tenth of an interval: now", slot(-1), slot(0).Add(9 * time.Minute), gap, 0},
		{"late by exactly a tenth: now", slot(-1), slot(0).Add(interval / 10), gap, 0},
		{"late by more than a tenth: the next slot", slot(-1), slot(0).Add(11 * time.Minute), gap, interval - 11*time.Minute},
		{"late by more than an interval: the next slot", slot(-1), slot(1).Add(20 * time.Minute), gap, interval - 20*time.Minute},
		{"late by a tenth past the slot after: now", slot(-2), slot(0).Add(5 * time.Minute), gap, 0},
		{"no least gap: the first slot strictly after the read", slot(0), slot(0), 0, interval},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ResyncWait(offset, interval, c.minGap, c.lastRead, c.now); got != c.want {
				t.Fatalf("ResyncWait(last read %s, now %s) = %s, want %s", c.lastRead, c.now, got, c.want)
			}
		})
	}
	if got := ResyncWait(offset, 0, gap, slot(0), slot(0).Add(time.Second)); got != 0 {
		t.Fatalf("without a resync interval: wait %s, want to read now", got)
	}
}

// The offsets are stable (the same in every process) and spread customers evenly over the
// interval: 100,000 UIDs in 60 one-minute buckets of an hour each hold 1/60 of them within 10%.
func TestResyncOffsetsAreStableAndEven(t *testing.T) {
	if got := ResyncOffset("4f7c2a8e-1b3d-4c5e-9f60-7a8b9c0d1e2f", time.Hour); got != 2619568763665 {
		t.Fatalf("offset = %d: the hash changed, which moves every customer's slot after an upgrade", got)
	}
	const n, buckets = 100000, 60
	var count [buckets]int
	for i := range n {
		uid := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*2654435761%(1<<32), i%65536, i%4096, (i/7)%4096, i)
		count[ResyncOffset(uid, time.Hour)/time.Minute]++
	}
	for b, c := range count {
		if c < n/buckets*9/10 || c > n/buckets*11/10 {
			t.Fatalf("minute %d of the hour holds %d of %d customers, want %d ± 10%%: %v", b, c, n, n/buckets, count)
		}
	}
}

func TestSettled(t *testing.T) {
	cond := func(typ string, s metav1.ConditionStatus, reason string, gen int64) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, ObservedGeneration: gen}
	}
	attested := func(f func(*v1alpha1.CustomerAgreementStatus)) *v1alpha1.CustomerAgreementStatus {
		st := &v1alpha1.CustomerAgreementStatus{
			State: v1alpha1.StateAttested, ObservedGeneration: 3,
			Conditions: []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAttested, 3)},
		}
		if f != nil {
			f(st)
		}
		return st
	}
	with := func(c metav1.Condition) func(*v1alpha1.CustomerAgreementStatus) {
		return func(st *v1alpha1.CustomerAgreementStatus) { st.Conditions = append(st.Conditions, c) }
	}
	cases := []struct {
		name string
		st   *v1alpha1.CustomerAgreementStatus
		want bool
	}{
		{"attested under the current spec", attested(nil), true},
		{"only reported (observe, legacy): Ready False", attested(func(st *v1alpha1.CustomerAgreementStatus) {
			st.State = v1alpha1.StateLegacy
			st.Conditions = []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonReattestationRequired, 3)}
		}), true},
		{"a reseller that may not attest", attested(func(st *v1alpha1.CustomerAgreementStatus) {
			st.State = v1alpha1.StateNoMCA
			st.Conditions = []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonNotPermitted, 3),
				cond(v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonNotPermitted, 3)}
		}), true},
		{"never observed", &v1alpha1.CustomerAgreementStatus{}, false},
		{"the spec changed since", attested(func(st *v1alpha1.CustomerAgreementStatus) { st.ObservedGeneration = 2 }), false},
		{"Ready describes an older spec", attested(func(st *v1alpha1.CustomerAgreementStatus) { st.Conditions[0].ObservedGeneration = 2 }), false},
		{"no Ready condition", attested(func(st *v1alpha1.CustomerAgreementStatus) { st.Conditions = nil }), false},
		{"Ready Unknown (a transient failure)", attested(func(st *v1alpha1.CustomerAgreementStatus) { st.Conditions[0].Status = metav1.ConditionUnknown }), false},
		{"reconciling", attested(with(cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonPartnerCenterError, 3))), false},
		{"paused", attested(with(cond(v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonReconcilePaused, 3))), false},
		{"awaiting the customer", attested(with(cond(v1alpha1.ConditionAwaitingCustomerAcceptance, metav1.ConditionTrue, v1alpha1.ReasonAwaitingDirectAcceptance, 3))), false},
		{"stalled on a duplicate signatory", attested(with(cond(v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonDuplicateSignatory, 3))), false},
		{"an attestation followed", attested(func(st *v1alpha1.CustomerAgreementStatus) { st.Attestation = &v1alpha1.AttestationStatus{} }), false},
		{"an earlier attestation followed", attested(func(st *v1alpha1.CustomerAgreementStatus) {
			st.EarlierAttestations = []v1alpha1.AttestationStatus{{}}
		}), false},
		{"a created agreement Partner Center's reads do not show yet", attested(func(st *v1alpha1.CustomerAgreementStatus) {
			st.CreatedAgreement = &v1alpha1.CreatedAgreement{}
		}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Settled(c.st, 3); got != c.want {
				t.Fatalf("Settled = %v, want %v", got, c.want)
			}
		})
	}
	if Settled(&v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateAttested}, 0) {
		t.Fatal("an object without a generation counts as settled")
	}
}
