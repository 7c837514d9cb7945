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
}, []string{"partner_tenant", "channel", "kind", "outcome"})

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
