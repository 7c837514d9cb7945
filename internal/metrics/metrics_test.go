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
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/types"
)

func TestCustomerTrackerGauges(t *testing.T) {
	tr := NewCustomerTracker()
	reg := prometheus.NewRegistry()
	reg.MustRegister(tr)
	tr.Set(types.NamespacedName{Namespace: "a", Name: "1"}, CustomerInfo{PartnerTenant: "prod", State: "Attested"})
	tr.Set(types.NamespacedName{Namespace: "a", Name: "2"}, CustomerInfo{PartnerTenant: "prod", State: "Attested"})
	tr.Set(types.NamespacedName{Namespace: "a", Name: "3"}, CustomerInfo{PartnerTenant: "prod", State: "Blocked", StalledReason: "DuplicateSignatory", Conditions: []string{"DuplicateSignatory"}})
	tr.Set(types.NamespacedName{Namespace: "b", Name: "1"}, CustomerInfo{PartnerTenant: "sandbox", State: "NoMCA"})
	// an update replaces, a delete removes
	tr.Set(types.NamespacedName{Namespace: "a", Name: "2"}, CustomerInfo{PartnerTenant: "prod", State: "Legacy"})
	tr.Delete(types.NamespacedName{Namespace: "b", Name: "1"})

	want := `
# HELP mca_customers CustomerAgreements by partner tenant and MCA state.
# TYPE mca_customers gauge
mca_customers{partner_tenant="prod",state="Attested"} 1
mca_customers{partner_tenant="prod",state="Blocked"} 1
mca_customers{partner_tenant="prod",state="Legacy"} 1
# HELP mca_customers_condition CustomerAgreements with the condition True.
# TYPE mca_customers_condition gauge
mca_customers_condition{condition="DuplicateSignatory",partner_tenant="prod"} 1
# HELP mca_customers_stalled CustomerAgreements that cannot progress until a person acts, by reason.
# TYPE mca_customers_stalled gauge
mca_customers_stalled{partner_tenant="prod",reason="DuplicateSignatory"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

// Customers with equal info share one copy of it, and an info that differs in any field (even a
// condition only) is its own.
func TestCustomerTrackerSharesEqualInfos(t *testing.T) {
	tr := NewCustomerTracker()
	a, b, c, d := types.NamespacedName{Name: "a"}, types.NamespacedName{Name: "b"}, types.NamespacedName{Name: "c"}, types.NamespacedName{Name: "d"}
	tr.Set(a, CustomerInfo{PartnerTenant: "prod", State: "Attested"})
	tr.Set(b, CustomerInfo{PartnerTenant: "prod", State: "Attested"})
	tr.Set(c, CustomerInfo{PartnerTenant: "prod", State: "Attested", Conditions: []string{"ReattestationRequired"}})
	tr.Set(d, CustomerInfo{PartnerTenant: "prod", State: "Attested", StalledReason: "ReattestationRequired"})
	if tr.customers[a] != tr.customers[b] {
		t.Fatal("two customers with equal info hold two copies of it")
	}
	if tr.customers[a] == tr.customers[c] || tr.customers[c] == tr.customers[d] || len(tr.shared) != 3 {
		t.Fatalf("customers with different infos share one: %d distinct", len(tr.shared))
	}
}

func TestOutcomeFor(t *testing.T) {
	for status, want := range map[int]string{0: OutcomeTransportError, 200: OutcomeSuccess, 201: OutcomeSuccess, 400: OutcomeClientError, 404: OutcomeClientError, 429: OutcomeThrottled, 500: OutcomeServerError, 503: OutcomeServerError} {
		if got := OutcomeFor(status); got != want {
			t.Errorf("OutcomeFor(%d) = %s, want %s", status, got, want)
		}
	}
	Observer{PartnerTenant: "t"}.ObserveCall("ListCustomerAgreements", "", 429, 0)
	if got := testutil.ToFloat64(PartnerCenterRequests.WithLabelValues("t", "ListCustomerAgreements", OutcomeThrottled)); got != 1 {
		t.Fatalf("throttled counter = %v, want 1", got)
	}
}
