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
	"crypto/sha256"
	"encoding/binary"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Resyncs are spread evenly over the resync interval: each customer has its own slot in the
// cycle (a stable hash of its UID), the same in every process and after every restart, so that a
// tenant with n customers sees a steady n / interval reads, and a restart or a failover reads
// nobody early.

// ResyncOffset is key's place in the cycle of interval: a stable hash of key modulo interval.
func ResyncOffset(key string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	sum := sha256.Sum256([]byte(key))
	return time.Duration(binary.BigEndian.Uint64(sum[:8]) % uint64(interval)) //nolint:gosec // G115: below interval, which is an int64
}

// NextResync is the first instant t at or after from whose place in the cycle of interval,
// counted from the Unix epoch, is offset: (t - epoch) mod interval == offset mod interval.
func NextResync(offset, interval time.Duration, from time.Time) time.Time {
	if interval <= 0 {
		return from
	}
	phase := time.Duration(from.UnixNano() % int64(interval))
	wait := (offset%interval - phase) % interval
	if wait < 0 {
		wait += interval
	}
	return from.Add(wait)
}

// ResyncWait is how long a settled customer waits for its next read. It is due at its first slot
// after lastRead and the least time between reads (minGap). Once due, it is read within a tenth of
// an interval of its latest slot, or else at its next slot (the tenant's rate went to new
// customers, the workqueue was long): made late, a resync would be followed by the next slot's
// read less than an interval later, and a backlog of late resyncs would come back as a burst
// every interval.
func ResyncWait(offset, interval, minGap time.Duration, lastRead, now time.Time) time.Duration {
	if interval <= 0 {
		return 0
	}
	due := NextResync(offset, interval, lastRead.Add(max(minGap, time.Nanosecond)))
	if due.After(now) {
		return due.Sub(now)
	}
	next := NextResync(offset, interval, now)
	if latest := next.Add(-interval); next.Equal(now) || now.Sub(latest) <= interval/10 {
		return 0
	}
	return next.Sub(now)
}

// Settled reports whether a customer's status shows it settled under its current spec
// (generation): the conditions describe this generation, Ready is decided (True, or False for a
// state the operator only reports), nothing is in progress, paused or stalled but for the
// partner's lack of permission to attest, and no work is in flight (no attestation followed, no
// created agreement awaiting Partner Center's reads). A settled customer is read only at its
// resync slot; any other keeps the schedule its status implies.
func Settled(st *v1alpha1.CustomerAgreementStatus, generation int64) bool {
	if generation == 0 || st.ObservedGeneration != generation || st.State == "" {
		return false
	}
	if st.Attestation != nil || len(st.EarlierAttestations) > 0 || st.CreatedAgreement != nil {
		return false
	}
	ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.ObservedGeneration != generation || ready.Status == metav1.ConditionUnknown {
		return false
	}
	for _, typ := range []string{v1alpha1.ConditionReconciling, v1alpha1.ConditionPaused, v1alpha1.ConditionAwaitingCustomerAcceptance} {
		if meta.IsStatusConditionTrue(st.Conditions, typ) {
			return false
		}
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		return c.Reason == v1alpha1.ReasonNotPermitted
	}
	return true
}
