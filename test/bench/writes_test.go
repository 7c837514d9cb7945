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

package main

import "testing"

// The writes per customer count what grows with customers; a PartnerTenant's coverage count and
// the Leases come once per tenant or process, and are reported apart.
func TestCustomerWritesLeaveTenantWritesApart(t *testing.T) {
	cases := []struct {
		name   string
		writes map[string]int
		want   int
	}{
		{"a steady cycle: Lease renewals and the coverage count", map[string]int{"leases": 60, "partnertenants/status": 1}, 0},
		{"a customer's status and its link Secret", map[string]int{"customeragreements/status": 3, "secrets": 1, "leases": 4}, 4},
		{"a PartnerTenant's spec is not bookkeeping", map[string]int{"partnertenants": 1}, 1},
		{"events and records", map[string]int{"events": 2, "attestationrecords": 1, "attestationrecords/status": 1}, 4},
		{"none", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := customerWrites(c.writes); got != c.want {
				t.Fatalf("customerWrites(%v) = %d, want %d", c.writes, got, c.want)
			}
			apart := 0
			for _, v := range tenantOnly(c.writes) {
				apart += v
			}
			total := 0
			for _, v := range c.writes {
				total += v
			}
			if apart+c.want != total {
				t.Fatalf("per customer %d and per tenant %d do not add up to the %d writes", c.want, apart, total)
			}
		})
	}
}
