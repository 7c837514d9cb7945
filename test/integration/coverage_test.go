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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

var _ = Describe("Customer coverage", func() {
	coverage := func(g Gomega) *v1alpha1.CustomerCoverage {
		pt := &v1alpha1.PartnerTenant{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: partnerR.name}, pt)).To(Succeed())
		g.Expect(pt.Status.Customers).NotTo(BeNil())
		return pt.Status.Customers
	}
	// relist moves the manager's clock past the next list and edits the PartnerTenant's spec, which
	// reconciles it: the list runs again, over HTTPS against the simulator.
	relist := func(ahead time.Duration) time.Time {
		GinkgoHelper()
		at := time.Now().Add(ahead).Truncate(time.Second)
		clock.Set(at)
		updatePartnerTenant(partnerR.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.RateLimit.Burst-- })
		return at
	}

	It("counts the customers in Partner Center that no CustomerAgreement manages, at most hourly", func() {
		DeferCleanup(clock.Reset)
		DeferCleanup(updatePartnerTenant, partnerR.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.RateLimit.Burst = 200 })
		By("the list made when the manager started")
		Eventually(func(g Gomega) { g.Expect(coverage(g).Total).To(BeNumerically(">=", 1)) }).Should(Succeed())

		By("a customer added in Partner Center is unmanaged at the next list")
		extra := newCustomer(partnerR)
		at := relist(2 * time.Hour)
		var before *v1alpha1.CustomerCoverage
		Eventually(func(g Gomega) {
			before = coverage(g)
			g.Expect(before.CheckedAt.Time).To(BeTemporally(">=", at))
			g.Expect(before.UnmanagedIDs).To(ContainElement(extra))
			g.Expect(before.Total).To(Equal(before.Managed + before.Unmanaged))
		}).Should(Succeed())
		Expect(metricSum("mca_partner_center_customers", map[string]string{"partner_tenant": partnerR.name, "managed": "false"})).To(BeNumerically("==", before.Unmanaged))

		By("not listed again within the hour, whatever reconciles the PartnerTenant")
		lists := len(customerListRequests())
		updatePartnerTenant(partnerR.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.RateLimit.Burst-- })
		Consistently(func() int { return len(customerListRequests()) }).Should(Equal(lists))

		By("its CustomerAgreement makes it managed at the list after")
		createAgreement(newNamespace(), extra, partnerR, observeOnly)
		at = relist(4 * time.Hour)
		Eventually(func(g Gomega) {
			got := coverage(g)
			g.Expect(got.CheckedAt.Time).To(BeTemporally(">=", at))
			g.Expect(got.UnmanagedIDs).NotTo(ContainElement(extra))
			g.Expect(got.Managed).To(Equal(before.Managed + 1))
			g.Expect(got.Unmanaged).To(Equal(before.Unmanaged - 1))
		}).Should(Succeed())
		Eventually(func() float64 {
			return metricSum("mca_partner_center_customers", map[string]string{"partner_tenant": partnerR.name, "managed": "true"})
		}).Should(BeNumerically("==", before.Managed+1))
	})
})

// customerListRequests are the simulator's answers to GET /v1/customers for partner R.
func customerListRequests() []string {
	var out []string
	for _, r := range sim.Requests() {
		if r.Path == "/v1/customers" && r.PartnerTenantID == partnerR.tenantID {
			out = append(out, r.Path)
		}
	}
	return out
}
