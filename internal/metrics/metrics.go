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

// Package metrics defines the operator's Prometheus metrics and registers them with
// controller-runtime's registry, which the manager serves on its metrics endpoint.
//
//	mca_customers{partner_tenant,state}                              gauge
//	mca_customers_stalled{partner_tenant,reason}                     gauge
//	mca_customers_condition{partner_tenant,condition}                gauge (condition True)
//	mca_partner_tenant_ready{partner_tenant}                         gauge 0/1
//	mca_partnercenter_requests_total{partner_tenant,operation,outcome} counter
//	mca_attestation_duration_seconds{partner_tenant,method}          histogram
//	mca_attestation_records_total{partner_tenant,act,outcome}        counter (records.go)
//	mca_attestation_records_unknown{partner_tenant}                  gauge (records.go)
//
// No label ever holds a customer id, a contact, a token or a secret.
package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Outcomes of a Partner Center request.
const (
	OutcomeSuccess        = "success"
	OutcomeThrottled      = "throttled"
	OutcomeClientError    = "client_error"
	OutcomeServerError    = "server_error"
	OutcomeTransportError = "transport_error"
)

// labelPartnerTenant is the label naming the PartnerTenant on every family that has one;
// labelOutcome says how a request, a delivery or a record ended.
const (
	labelPartnerTenant = "partner_tenant"
	labelOutcome       = "outcome"
)

var (
	// PartnerCenterRequests counts every HTTP attempt made to Partner Center (and its token endpoint).
	PartnerCenterRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mca_partnercenter_requests_total",
		Help: "Requests sent to Partner Center, by partner tenant, operation and outcome (throttled = 429).",
	}, []string{labelPartnerTenant, "operation", labelOutcome})

	// AttestationDuration measures an enhanced attestation from its start to the agreement created.
	AttestationDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mca_attestation_duration_seconds",
		Help:    "Time from starting an attestation to the agreement created in Partner Center.",
		Buckets: []float64{1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600},
	}, []string{labelPartnerTenant, "method"})

	// PartnerTenantReady is 1 when a PartnerTenant reached Partner Center with its credentials.
	PartnerTenantReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mca_partner_tenant_ready",
		Help: "1 when the PartnerTenant obtained a token and read the MCA metadata, else 0.",
	}, []string{labelPartnerTenant})

	// Customers tracks the per-customer gauges.
	Customers = NewCustomerTracker()
)

func init() {
	ctrlmetrics.Registry.MustRegister(PartnerCenterRequests, AttestationDuration, PartnerTenantReady, Customers)
}

// OutcomeFor maps an HTTP status (0 for a transport failure) to an outcome label.
func OutcomeFor(status int) string {
	switch {
	case status == 0:
		return OutcomeTransportError
	case status == 429:
		return OutcomeThrottled
	case status >= 500:
		return OutcomeServerError
	case status >= 400:
		return OutcomeClientError
	default:
		return OutcomeSuccess
	}
}

// Observer records Partner Center calls for one partner tenant; it satisfies
// partnercenter.Observer.
type Observer struct{ PartnerTenant string }

// ObserveCall implements partnercenter.Observer.
func (o Observer) ObserveCall(operation, _ string, statusCode int, _ time.Duration) {
	PartnerCenterRequests.WithLabelValues(o.PartnerTenant, operation, OutcomeFor(statusCode)).Inc()
}

// CustomerInfo is what the gauges need to know of one CustomerAgreement.
type CustomerInfo struct {
	PartnerTenant string
	State         string
	// StalledReason is the Stalled condition's reason when Stalled is True.
	StalledReason string
	// Conditions lists the condition types that are True.
	Conditions []string
}

// CustomerTracker keeps the last known info of every CustomerAgreement and computes the gauges
// when scraped, so a reconcile costs one map write and a deleted object simply disappears.
//
// Customers with equal info share one copy of it: at 100,000 customers, most of them in a handful
// of states, a pointer each instead of the info's strings and slice.
type CustomerTracker struct {
	mu        sync.RWMutex
	customers map[types.NamespacedName]*CustomerInfo
	// shared holds one copy of each distinct info, by infoKey. Few: partner tenants × states ×
	// reasons.
	shared map[string]*CustomerInfo

	customersDesc, stalledDesc, conditionDesc *prometheus.Desc
}

// NewCustomerTracker returns an empty tracker.
func NewCustomerTracker() *CustomerTracker {
	return &CustomerTracker{
		customers:     map[types.NamespacedName]*CustomerInfo{},
		shared:        map[string]*CustomerInfo{},
		customersDesc: prometheus.NewDesc("mca_customers", "CustomerAgreements by partner tenant and MCA state.", []string{labelPartnerTenant, "state"}, nil),
		stalledDesc:   prometheus.NewDesc("mca_customers_stalled", "CustomerAgreements that cannot progress until a person acts, by reason.", []string{labelPartnerTenant, "reason"}, nil),
		conditionDesc: prometheus.NewDesc("mca_customers_condition", "CustomerAgreements with the condition True.", []string{labelPartnerTenant, "condition"}, nil),
	}
}

// Set records the info of one CustomerAgreement.
func (t *CustomerTracker) Set(key types.NamespacedName, info CustomerInfo) {
	k := infoKey(info)
	t.mu.Lock()
	p, ok := t.shared[k]
	if !ok {
		p = &info
		t.shared[k] = p
	}
	t.customers[key] = p
	t.mu.Unlock()
}

// infoKey is info as one string, equal for equal infos (the fields hold no NUL).
func infoKey(info CustomerInfo) string {
	return strings.Join(append([]string{info.PartnerTenant, info.State, info.StalledReason}, info.Conditions...), "\x00")
}

// Delete forgets a CustomerAgreement.
func (t *CustomerTracker) Delete(key types.NamespacedName) {
	t.mu.Lock()
	delete(t.customers, key)
	t.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (t *CustomerTracker) Describe(ch chan<- *prometheus.Desc) {
	ch <- t.customersDesc
	ch <- t.stalledDesc
	ch <- t.conditionDesc
}

type pair struct{ a, b string }

// Collect implements prometheus.Collector.
func (t *CustomerTracker) Collect(ch chan<- prometheus.Metric) {
	states, stalled, conds := map[pair]int{}, map[pair]int{}, map[pair]int{}
	t.mu.RLock()
	for _, c := range t.customers {
		if c.State != "" {
			states[pair{c.PartnerTenant, c.State}]++
		}
		if c.StalledReason != "" {
			stalled[pair{c.PartnerTenant, c.StalledReason}]++
		}
		for _, cond := range c.Conditions {
			conds[pair{c.PartnerTenant, cond}]++
		}
	}
	t.mu.RUnlock()
	emit := func(d *prometheus.Desc, m map[pair]int) {
		for k, v := range m {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), k.a, k.b)
		}
	}
	emit(t.customersDesc, states)
	emit(t.stalledDesc, stalled)
	emit(t.conditionDesc, conds)
}
