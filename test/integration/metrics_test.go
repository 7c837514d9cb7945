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

package integration

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	dto "github.com/prometheus/client_model/go"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// gauge sums the samples of a metric family whose labels include want.
func metricSum(name string, want map[string]string) float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !labelsMatch(m, want) {
				continue
			}
			switch {
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

var _ = Describe("Metrics", func() {
	It("exposes customers by state, Partner Center calls by outcome and tenant readiness, with no customer ids in labels", func() {
		ns := newNamespace()
		ca := createAgreement(ns, custAttested, partnerA)
		eventually(ca, hasState(v1alpha1.StateAttested, "True/"+v1alpha1.ReasonAttested))
		Eventually(func() float64 {
			return metricSum("mca_customers", map[string]string{"partner_tenant": partnerA.name, "state": "Attested"})
		}).Should(BeNumerically(">=", 1))
		Expect(metricSum("mca_partnercenter_requests_total", map[string]string{"partner_tenant": partnerA.name, "operation": "ListCustomerAgreements", "outcome": "success"})).To(BeNumerically(">=", 1))
		Expect(metricSum("mca_partner_tenant_ready", map[string]string{"partner_tenant": partnerA.name})).To(Equal(1.0))

		families, err := ctrlmetrics.Registry.Gather()
		Expect(err).NotTo(HaveOccurred())
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					Expect(l.GetValue()).NotTo(ContainSubstring(custAttested[:8]), "metric %s carries a customer id", f.GetName())
				}
			}
		}
	})
})
