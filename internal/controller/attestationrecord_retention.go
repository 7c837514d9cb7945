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
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/metrics"
)

// Defaults of the records' sweep.
const (
	defaultRetentionInterval = 24 * time.Hour
	defaultRetentionPageSize = 500
)

// RecordRetention sweeps the AttestationRecords once at start and then daily: it sets
// status.retentionEndedAt on each record whose spec.retainUntil has passed (the
// ValidatingAdmissionPolicy refuses deleting a record without it: CEL in admission has no clock),
// and tells the tracker of the records still Unknown (those of a run before this one). It reads
// the records a page at a time, never all at once and never into a cache.
type RecordRetention struct {
	Client client.Client
	Reader client.Reader
	Now    func() time.Time
	// Interval between sweeps (default a day); PageSize records per list (default 500).
	Interval time.Duration
	PageSize int64
	// Unknown tracks the records left Unknown (nil: metrics.UnknownRecords).
	Unknown *metrics.UnknownRecordTracker
}

// Start implements manager.Runnable: it runs on the leader only.
func (rr *RecordRetention) Start(ctx context.Context) error {
	interval := rr.Interval
	if interval <= 0 {
		interval = defaultRetentionInterval
	}
	for {
		if err := rr.Sweep(ctx); err != nil && ctx.Err() == nil {
			logf.FromContext(ctx).Error(err, "sweeping the AttestationRecords; again at the next sweep")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// Sweep makes one pass over the records. It returns the first error of a list; an error of one
// record's status write is logged, and that record is retried at the next sweep.
func (rr *RecordRetention) Sweep(ctx context.Context) error {
	size := rr.PageSize
	if size <= 0 {
		size = defaultRetentionPageSize
	}
	now := rr.now()
	cont := ""
	for {
		var page v1alpha1.AttestationRecordList
		if err := rr.Reader.List(ctx, &page, client.Limit(size), client.Continue(cont)); err != nil {
			return err
		}
		for i := range page.Items {
			rr.sweepOne(ctx, &page.Items[i], now)
		}
		cont = page.Continue
		if cont == "" {
			return nil
		}
	}
}

func (rr *RecordRetention) sweepOne(ctx context.Context, rec *v1alpha1.AttestationRecord, now time.Time) {
	if rec.Status.Outcome == v1alpha1.OutcomeUnknown {
		since := rec.CreationTimestamp.Time
		if rec.Status.RequestedAt != nil {
			since = rec.Status.RequestedAt.Time
		}
		rr.unknown().Unknown(rec.Name, rec.Spec.PartnerTenant.Name, since)
	}
	if rec.Status.RetentionEndedAt != nil || now.Before(rec.Spec.RetainUntil.Time) {
		return
	}
	before := rec.DeepCopy()
	rec.Status.RetentionEndedAt = statusTime(now)
	if err := rr.Client.Status().Patch(ctx, rec, client.MergeFrom(before)); err != nil {
		logf.FromContext(ctx).Error(err, "ending the retention of an AttestationRecord", "record", rec.Name)
	}
}

func (rr *RecordRetention) now() time.Time {
	if rr.Now != nil {
		return rr.Now()
	}
	return time.Now()
}

func (rr *RecordRetention) unknown() *metrics.UnknownRecordTracker {
	if rr.Unknown != nil {
		return rr.Unknown
	}
	return metrics.UnknownRecords
}
