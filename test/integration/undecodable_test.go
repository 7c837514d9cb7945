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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// Objects stored before a validation rule existed (or while it was missing) may hold values the
// Go types cannot decode, such as a reminder of "3d". The operator must keep serving every other
// object and say which object is broken and why.
var _ = Describe("An object the operator cannot decode", func() {
	It("is reported, naming the field, and every other object is still served", func() {
		restore := withoutValidation("partnertenants.partnercenter.mca.dev", "customeragreements.partnercenter.mca.dev")
		badTenant := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "PartnerTenant",
			"metadata": map[string]any{"name": "broken-reminders"},
			"spec": map[string]any{
				"tenantId": "55555555-eeee-4eee-8eee-555555555555", "partnerType": "DirectBill",
				"endpoint": simURL, "authority": simURL, "credentialsSecretRef": map[string]any{"name": "pc-broken"},
				"linkDelivery": map[string]any{"reminders": []any{"3d"}},
			},
		}}
		Eventually(func() error { return k8sClient.Create(ctx, badTenant) }).Should(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, badTenant))).To(Succeed()) })
		ns := newNamespace()
		badAgreement := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "CustomerAgreement",
			"metadata": map[string]any{"name": "broken-lifetime", "namespace": ns},
			"spec": map[string]any{
				"partnerTenantRef": map[string]any{"name": partnerA.name}, "customerTenantId": custUnknown,
				"companyName": "Broken Ltd", "signatory": map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.example"},
				"attestation": map[string]any{"linkLifetime": "3d"},
			},
		}}
		Eventually(func() error { return k8sClient.Create(ctx, badAgreement) }).Should(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, badAgreement))).To(Succeed()) })
		restore()

		By("a PartnerTenant created afterwards becomes Ready")
		fresh := testPartner{name: "fresh-after-broken", tenantID: "44444444-dddd-4ddd-8ddd-444444444444", secret: "pc-fresh-after-broken", typ: v1alpha1.PartnerTypeDirectBill,
			clientID: "c0000000-0000-4000-8000-00000000000d", clientSecret: "sim-secret-d", refreshToken: "sim-refresh-d-initial"}
		const custFresh = "e0000000-0000-4000-8000-000000000001"
		sim.AddPartner(pcsim.SeedPartner{TenantID: fresh.tenantID, Type: string(fresh.typ), ClientID: fresh.clientID, ClientSecret: fresh.clientSecret,
			RefreshToken: fresh.refreshToken, Customers: []pcsim.SeedCustomer{{TenantID: custFresh, CompanyName: "Fresh Ltd",
				Agreements: []pcsim.SeedAgreement{{DateAgreed: "2024-01-10T00:00:00", PrimaryContact: ada}}}}})
		createPartnerTenant(fresh)
		DeferCleanup(func() {
			Expect(k8sClient.Delete(ctx, &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: fresh.name}})).To(Succeed())
			Expect(k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: fresh.secret}})).To(Succeed())
		})
		Eventually(func(g Gomega) {
			pt := &v1alpha1.PartnerTenant{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: fresh.name}, pt)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(pt.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue(), "%+v", pt.Status.Conditions)
		}).Should(Succeed())

		By("a CustomerAgreement created afterwards is served")
		eventually(createAgreement(ns, custFresh, fresh), hasState(v1alpha1.StateAttested, "True/Attested"))

		By("the broken objects say which field is wrong")
		expectInvalidSpec(badTenant, "spec.linkDelivery.reminders[0]")
		expectInvalidSpec(badAgreement, "spec.attestation.linkLifetime")
	})
})

// expectInvalidSpec waits for Ready=False and Stalled=True with reason InvalidSpec naming field.
func expectInvalidSpec(obj *unstructured.Unstructured, field string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(obj.GroupVersionKind())
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), got)).To(Succeed())
		raw, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		var conds struct {
			Items []metav1.Condition `json:"items"`
		}
		g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]any{"items": raw}, &conds)).To(Succeed())
		for typ, status := range map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse, v1alpha1.ConditionStalled: metav1.ConditionTrue} {
			c := meta.FindStatusCondition(conds.Items, typ)
			g.Expect(c).NotTo(BeNil(), "no %s condition on %s", typ, obj.GetName())
			g.Expect(c.Status).To(Equal(status))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			g.Expect(c.Message).To(ContainSubstring(field + " cannot be read"))
		}
	}).Should(Succeed())
}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// withoutValidation removes every CEL rule from the named CRDs, as a cluster whose CRDs predate a
// rule, and returns the function that puts the rules back.
func withoutValidation(names ...string) func() {
	GinkgoHelper()
	saved := map[string][]any{}
	for _, name := range names {
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(crdGVK)
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, crd)).To(Succeed())
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		saved[name] = runtime.DeepCopyJSONValue(versions).([]any)
		for _, v := range versions {
			dropRules(v)
		}
		Expect(unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")).To(Succeed())
		Expect(k8sClient.Update(ctx, crd)).To(Succeed())
	}
	return func() {
		GinkgoHelper()
		for _, name := range names {
			Eventually(func() error {
				crd := &unstructured.Unstructured{}
				crd.SetGroupVersionKind(crdGVK)
				if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
					return err
				}
				if err := unstructured.SetNestedSlice(crd.Object, saved[name], "spec", "versions"); err != nil {
					return err
				}
				return k8sClient.Update(ctx, crd)
			}).Should(Succeed())
		}
	}
}

func dropRules(node any) {
	switch n := node.(type) {
	case map[string]any:
		delete(n, "x-kubernetes-validations")
		for _, child := range n {
			dropRules(child)
		}
	case []any:
		for _, child := range n {
			dropRules(child)
		}
	}
}
