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

// CustomerCoverage counts a PartnerTenant's customers in Partner Center (those with a reseller
// relationship) by whether a CustomerAgreement manages them, as of the last complete list. It is
// not named mca_customers: that name counts the CustomerAgreements by state.
var CustomerCoverage = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "mca_partner_center_customers",
	Help: "Customers with a reseller relationship in Partner Center, by partner tenant and whether a CustomerAgreement manages them (managed true or false), as of the last complete customers list.",
}, []string{labelPartnerTenant, "managed"})

func init() {
	ctrlmetrics.Registry.MustRegister(CustomerCoverage)
}

// SetCoverage records a PartnerTenant's counts.
func SetCoverage(partnerTenant string, managed, unmanaged int32) {
	CustomerCoverage.WithLabelValues(partnerTenant, "true").Set(float64(managed))
	CustomerCoverage.WithLabelValues(partnerTenant, "false").Set(float64(unmanaged))
}

// ForgetCoverage drops the counts of a PartnerTenant deleted, or no longer served here.
func ForgetCoverage(partnerTenant string) {
	CustomerCoverage.DeletePartialMatch(prometheus.Labels{labelPartnerTenant: partnerTenant})
}
