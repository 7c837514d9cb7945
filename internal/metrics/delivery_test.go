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
