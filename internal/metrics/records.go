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

package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// UnknownRecordAge is how long a record stays Unknown before mca_attestation_records_unknown
// counts it: a write's answer normally completes its record within seconds.
const UnknownRecordAge = time.Hour

var (
	// AttestationRecords counts the AttestationRecords written: outcome Unknown when a record is
	// created before its write (the intent), Succeeded or Refused when the answer completes it.
	AttestationRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mca_attestation_records_total",
		Help: "AttestationRecords written, by partner tenant, act and outcome: Unknown when created before the write, Succeeded or Refused when completed.",
	}, []string{labelPartnerTenant, "act", labelOutcome})

	// UnknownRecords tracks the records whose outcome is Unknown.
	UnknownRecords = NewUnknownRecordTracker(time.Now)
)

func init() {
	ctrlmetrics.Registry.MustRegister(AttestationRecords, UnknownRecords)
}

// UnknownRecordTracker knows the AttestationRecords whose outcome is Unknown (those the manager
// created and could not complete, and those its sweep of the records found) and, when scraped,
// counts per partner tenant those requested more than UnknownRecordAge ago:
// mca_attestation_records_unknown{partner_tenant}.
type UnknownRecordTracker struct {
	now  func() time.Time
	mu   sync.Mutex
	recs map[string]unknownRecord
	desc *prometheus.Desc
}

type unknownRecord struct {
	partnerTenant string
	since         time.Time
}

// NewUnknownRecordTracker returns an empty tracker reading the clock now.
func NewUnknownRecordTracker(now func() time.Time) *UnknownRecordTracker {
	return &UnknownRecordTracker{now: now, recs: map[string]unknownRecord{},
		desc: prometheus.NewDesc("mca_attestation_records_unknown",
			"AttestationRecords whose outcome has been Unknown for more than an hour (no answer known for a write to Partner Center), by partner tenant.",
			[]string{labelPartnerTenant}, nil)}
}

// Unknown records that the record named name, of partnerTenant, has been Unknown since since.
func (t *UnknownRecordTracker) Unknown(name, partnerTenant string, since time.Time) {
	t.mu.Lock()
	t.recs[name] = unknownRecord{partnerTenant: partnerTenant, since: since}
	t.mu.Unlock()
}

// Known forgets the record named name: its outcome is known.
func (t *UnknownRecordTracker) Known(name string) {
	t.mu.Lock()
	delete(t.recs, name)
	t.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (t *UnknownRecordTracker) Describe(ch chan<- *prometheus.Desc) { ch <- t.desc }

// Collect implements prometheus.Collector.
func (t *UnknownRecordTracker) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{}
	t.mu.Lock()
	cutoff := t.now().Add(-UnknownRecordAge)
	for _, r := range t.recs {
		if _, ok := counts[r.partnerTenant]; !ok {
			counts[r.partnerTenant] = 0
		}
		if !r.since.After(cutoff) {
			counts[r.partnerTenant]++
		}
	}
	t.mu.Unlock()
	for pt, n := range counts {
		ch <- prometheus.MustNewConstMetric(t.desc, prometheus.GaugeValue, float64(n), pt)
	}
}
