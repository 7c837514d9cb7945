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

package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The index by customer answers a list across namespaces from the manager's cache (the key names
// are controller-runtime's) and keeps one key per customer: IndexField kept one per namespace as
// well. Finding a PartnerTenant's customers, and a customer's rivals, by the keys of the index
// copies none of them.
func TestCustomerIndexListsAcrossNamespaces(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: no kube-apiserver to test against")
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kube, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	const shared, other = "b0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000b"
	for i, c := range []struct{ ns, name, customer string }{
		{"team-a", "contoso", shared}, {"team-b", "contoso-too", shared}, {"team-b", "fabrikam", other},
	} {
		if i != 2 {
			if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}); err != nil {
				t.Fatal(err)
			}
		}
		ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: c.name}, Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "provider"}, CustomerTenantID: c.customer, CompanyName: "Contoso",
			ManagementPolicy: v1alpha1.ManagementPolicyObserve}}
		if err := kube.Create(ctx, ca); err != nil {
			t.Fatal(err)
		}
	}
	// The customers of another PartnerTenant, many: a list of all of them must not copy them.
	const many = 300
	for i := range many {
		ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: fmt.Sprintf("customer-%03d", i)}, Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "big"}, CustomerTenantID: fmt.Sprintf("c0000000-0000-4000-8000-%012d", i), CompanyName: "Contoso",
			ManagementPolicy: v1alpha1.ManagementPolicyObserve}}
		if err := kube.Create(ctx, ca); err != nil {
			t.Fatal(err)
		}
	}
	c, err := cache.New(cfg, cache.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := indexCustomerAgreements(ctx, c); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("the cache did not sync")
	}
	var list v1alpha1.CustomerAgreementList
	if err := c.List(ctx, &list, client.MatchingFields{customerTenantIDField: shared}); err != nil {
		t.Fatalf("a list by customer across namespaces: %v", err)
	}
	got := make([]string, 0, len(list.Items))
	for _, ca := range list.Items {
		got = append(got, ca.Namespace+"/"+ca.Name)
	}
	slices.Sort(got)
	if want := []string{"team-a/contoso", "team-b/contoso-too"}; !slices.Equal(got, want) {
		t.Fatalf("CustomerAgreements of %s: %v, want %v", shared, got, want)
	}
	// A PartnerTenant's event finds its customers by the index's keys: no copy of each.
	keys, err := newCustomerKeys(ctx, c)
	if err != nil || keys == nil {
		t.Fatalf("newCustomerKeys = %v, %v", keys, err)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	reqs := keys.requests(ctx, c, partnerTenantRefField, "big", client.ObjectKey{})
	goruntime.ReadMemStats(&after)
	if len(reqs) != many {
		t.Fatalf("%d requests for the PartnerTenant's %d customers", len(reqs), many)
	}
	if perObject := (after.TotalAlloc - before.TotalAlloc) / many; perObject > 256 {
		t.Errorf("finding a PartnerTenant's customers allocated %d bytes per customer, want no copy of each (under 256 bytes)", perObject)
	}
	rivals := keys.requests(ctx, c, customerTenantIDField, shared, client.ObjectKey{Namespace: "team-a", Name: "contoso"})
	if len(rivals) != 1 || rivals[0].Namespace != "team-b" || rivals[0].Name != "contoso-too" {
		t.Fatalf("the rivals of team-a/contoso: %v, want team-b/contoso-too", rivals)
	}
	inf, err := c.GetInformer(ctx, &v1alpha1.CustomerAgreement{})
	if err != nil {
		t.Fatal(err)
	}
	values := inf.(toolscache.SharedIndexInformer).GetIndexer().ListIndexFuncValues(customerIndexName)
	slices.Sort(values)
	if len(values) != many+2 || !slices.Contains(values, customerIndexKeyPrefix+shared) || !slices.Contains(values, customerIndexKeyPrefix+other) {
		t.Fatalf("%d index keys (%v...), want one per customer (%d)", len(values), values[:3], many+2)
	}
}
