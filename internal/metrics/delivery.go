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
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Outcomes of an acceptance-link delivery (the delivery package's Outcome gives them).
const (
	DeliverySent     = "sent"
	DeliveryDeferred = "deferred"
	DeliveryFailed   = "failed"
)

// LinkDeliveries counts every attempt to deliver an acceptance link. The labels never hold the
// link, a customer or a contact.
var LinkDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "mca_link_deliveries_total",
	Help: "Acceptance-link deliveries attempted, by partner tenant, channel (Email, Webhook), kind (Initial, Reminder, Renewed) and outcome (sent; deferred = will be retried; failed = given up).",
}, []string{labelPartnerTenant, "channel", "kind", labelOutcome})

func init() {
	ctrlmetrics.Registry.MustRegister(LinkDeliveries)
}

// ObserveLinkDelivery counts one delivery attempt.
func ObserveLinkDelivery(partnerTenant, channel, kind, outcome string) {
	LinkDeliveries.WithLabelValues(partnerTenant, channel, kind, outcome).Inc()
}

// InitLinkDeliveries creates a tenant's series at zero for every channel, kind and outcome, so that
// rate() and increase() see the first failure.
func InitLinkDeliveries(partnerTenant string) {
	for _, ch := range []string{"Email", "Webhook"} {
		for _, kind := range []string{"Initial", "Reminder", "Renewed"} {
			for _, o := range []string{DeliverySent, DeliveryDeferred, DeliveryFailed} {
				LinkDeliveries.WithLabelValues(partnerTenant, ch, kind, o)
			}
		}
	}
}
