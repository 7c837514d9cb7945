package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestLinkDeliveries(t *testing.T) {
	InitLinkDeliveries("tenant-a")
	if got := testutil.ToFloat64(LinkDeliveries.WithLabelValues("tenant-a", "Webhook", "Renewed", DeliveryFailed)); got != 0 {
		t.Fatalf("initialised series = %v, want 0", got)
	}
	ObserveLinkDelivery("tenant-a", "Email", "Initial", DeliverySent)
	ObserveLinkDelivery("tenant-a", "Email", "Initial", DeliverySent)
	ObserveLinkDelivery("tenant-a", "Email", "Reminder", DeliveryFailed)
	if got := testutil.ToFloat64(LinkDeliveries.WithLabelValues("tenant-a", "Email", "Initial", DeliverySent)); got != 2 {
		t.Errorf("sent = %v, want 2", got)
	}
	if got := testutil.ToFloat64(LinkDeliveries.WithLabelValues("tenant-a", "Email", "Reminder", DeliveryFailed)); got != 1 {
		t.Errorf("failed = %v, want 1", got)
	}
	// Registered with controller-runtime's registry, which the manager serves.
	n, err := testutil.GatherAndCount(ctrlmetrics.Registry, "mca_link_deliveries_total")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2*3*3 {
		t.Errorf("series = %d, want %d", n, 2*3*3)
	}
}
