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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/metrics"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

func coverageCustomer(i int) string { return fmt.Sprintf("cccccccc-0000-4000-8000-%012d", i) }

// coverageHarness: a simulator over TLS whose partner has 25 customers with a reseller
// relationship and 2 without, and a cluster with CustomerAgreements for some of them.
type coverageHarness struct {
	t     *testing.T
	sim   *pcsim.Server
	kube  client.Client
	r     *CoverageReconciler
	now   time.Time
	clock sync.Mutex
}

func newCoverageHarness(t *testing.T) *coverageHarness {
	t.Helper()
	const (
		ns, secretName = "mca-operator-system", "pc-contoso"
		tenantID       = "22222222-aaaa-4aaa-8aaa-222222222222"
		clientID       = "c0000000-0000-4000-8000-00000000000b"
		clientSecret   = "sim-secret-b"
		refreshToken   = "sim-refresh-b-initial"
	)
	no := false
	var custs []pcsim.SeedCustomer
	for i := 1; i <= 25; i++ {
		custs = append(custs, pcsim.SeedCustomer{TenantID: coverageCustomer(i), CompanyName: fmt.Sprint("Customer ", i)})
	}
	custs = append(custs, pcsim.SeedCustomer{TenantID: coverageCustomer(90), Relationship: &no}, pcsim.SeedCustomer{TenantID: coverageCustomer(91), Relationship: &no})
	sim := pcsim.New(&pcsim.Seed{Partners: []pcsim.SeedPartner{{
		TenantID: tenantID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken, Customers: custs,
	}}}, pcsim.Options{})
	url, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	ready := v1alpha1.PartnerTenantStatus{Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonConnected, LastTransitionTime: metav1.Now()}}}
	ptOf := func(name, tid string, an *v1alpha1.AllowedNamespaces) *v1alpha1.PartnerTenant {
		return &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1alpha1.PartnerTenantSpec{
			TenantID: tid, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: url, Authority: url,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: secretName}, AllowedNamespaces: an,
			RateLimit: &v1alpha1.RateLimit{QPS: 100, Burst: 20},
		}, Status: ready}
	}
	caOf := func(ns, name, pt, customer string) *v1alpha1.CustomerAgreement {
		return &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: v1alpha1.CustomerAgreementSpec{PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: pt}, CustomerTenantID: customer}}
	}
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName},
			Data: map[string][]byte{"clientId": []byte(clientID), "clientSecret": []byte(clientSecret), "refreshToken": []byte(refreshToken)}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"team": "a"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}},
		ptOf("pt", tenantID, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}),
		ptOf("pt-twin", tenantID, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}),
		ptOf("other", "33333333-aaaa-4aaa-8aaa-333333333333", &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}),
		caOf("team-a", "c1", "pt", coverageCustomer(1)),                  // managed
		caOf("team-b", "c2", "pt", coverageCustomer(2)),                  // a namespace pt does not allow: unmanaged
		caOf("team-b", "c3", "pt-twin", coverageCustomer(3)),             // the same partner tenant id, allowed: managed
		caOf("team-a", "c4", "other", coverageCustomer(4)),               // another partner tenant id: unmanaged
		caOf("team-a", "c5", "pt", strings.ToUpper(coverageCustomer(5))), // spelled in capitals: managed
		caOf("team-a", "c90", "pt", coverageCustomer(90)),                // no reseller relationship: not counted
	}
	kube := fake.NewClientBuilder().WithScheme(newScheme(t)).WithObjects(objs...).WithStatusSubresource(&v1alpha1.PartnerTenant{}).
		WithIndex(&v1alpha1.CustomerAgreement{}, customerTenantIDField, func(o client.Object) []string {
			return []string{norm(o.(*v1alpha1.CustomerAgreement).Spec.CustomerTenantID)}
		}).Build()
	h := &coverageHarness{t: t, sim: sim, kube: kube, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	h.r = &CoverageReconciler{
		Client: kube, Clients: &Clients{New: NewClientFactory(ClientOptions{Kube: kube, CredentialsNamespace: ns, HTTPClient: sim.HTTPClient()})},
		PageSize: 4, Slice: time.Nanosecond, Now: h.clockNow,
	}
	return h
}

func (h *coverageHarness) clockNow() time.Time {
	h.clock.Lock()
	defer h.clock.Unlock()
	return h.now
}

func (h *coverageHarness) advance(d time.Duration) {
	h.clock.Lock()
	h.now = h.now.Add(d)
	h.clock.Unlock()
}

// run reconciles pt until it waits for the next list, following the short requeues of a list in
// progress; it returns how many pages were read and the last result. No reconcile may read more
// than one page (the harness's slice).
func (h *coverageHarness) run(pt string) (int, reconcile.Result) {
	h.t.Helper()
	start := len(h.listRequests())
	for range 500 {
		before := len(h.listRequests())
		res, err := h.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: pt}})
		if err != nil {
			h.t.Fatal(err)
		}
		if n := len(h.listRequests()) - before; n > 1 {
			h.t.Fatalf("one reconcile read %d pages; its slice allows one", n)
		}
		if res.RequeueAfter == 0 || res.RequeueAfter >= time.Minute {
			return len(h.listRequests()) - start, res
		}
		time.Sleep(res.RequeueAfter)
	}
	h.t.Fatal("the list did not end")
	return 0, reconcile.Result{}
}

func (h *coverageHarness) listRequests() []pcsim.RequestRecord {
	var out []pcsim.RequestRecord
	for _, r := range h.sim.Requests() {
		if r.Path == "/v1/customers" {
			out = append(out, r)
		}
	}
	return out
}

func (h *coverageHarness) coverage(name string) *v1alpha1.CustomerCoverage {
	h.t.Helper()
	pt := &v1alpha1.PartnerTenant{}
	if err := h.kube.Get(context.Background(), client.ObjectKey{Name: name}, pt); err != nil {
		h.t.Fatal(err)
	}
	return pt.Status.Customers
}

// The list counts the customers with a reseller relationship, managed only by a CustomerAgreement
// of the same partner tenant id in a namespace its PartnerTenant allows; it reads one page per
// reconcile (a short slice) and then no more until an hour has passed.
func TestCoverageCountsAndListsAtMostHourly(t *testing.T) {
	h := newCoverageHarness(t)
	pages, res := h.run("pt")
	if pages != 7 {
		t.Errorf("%d pages read, want 7 (27 customers, 4 a page)", pages)
	}
	if res.RequeueAfter != time.Hour {
		t.Errorf("after the list, back in %s, want 1h", res.RequeueAfter)
	}
	got := h.coverage("pt")
	if got == nil {
		t.Fatal("no status.customers")
	}
	wantIDs := make([]string, 0, v1alpha1.MaxUnmanagedIDs)
	for _, i := range []int{2, 4, 6, 7, 8, 9, 10, 11, 12, 13} {
		wantIDs = append(wantIDs, coverageCustomer(i))
	}
	if got.Total != 25 || got.Managed != 3 || got.Unmanaged != 22 || !slices.Equal(got.UnmanagedIDs, wantIDs) || !got.CheckedAt.Time.Equal(h.now) {
		t.Errorf("status.customers = %+v; want total 25, managed 3, unmanaged 22, ids %v, checked at %s", got, wantIDs, h.now)
	}
	if m, u := testutil.ToFloat64(metrics.CustomerCoverage.WithLabelValues("pt", "true")), testutil.ToFloat64(metrics.CustomerCoverage.WithLabelValues("pt", "false")); m != 3 || u != 22 {
		t.Errorf("mca_partner_center_customers managed %v unmanaged %v, want 3 and 22", m, u)
	}

	h.sim.ResetRequests()
	h.advance(59 * time.Minute)
	pages, res = h.run("pt")
	if pages != 0 || res.RequeueAfter != time.Minute {
		t.Errorf("59 minutes later: %d pages read, back in %s; want none, in 1m", pages, res.RequeueAfter)
	}
	h.advance(time.Minute)
	if pages, _ = h.run("pt"); pages != 7 {
		t.Errorf("an hour later: %d pages read, want the list again (7)", pages)
	}
}

// A deleted PartnerTenant's counts leave the metrics.
func TestCoverageForgetsADeletedPartnerTenant(t *testing.T) {
	h := newCoverageHarness(t)
	h.run("pt-twin")
	// pt-twin allows every namespace, and pt allows team-a: c1, c3 and c5 are managed.
	if c := h.coverage("pt-twin"); c == nil || c.Managed != 3 || c.Unmanaged != 22 {
		t.Fatalf("status.customers = %+v", c)
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := h.kube.Get(context.Background(), client.ObjectKey{Name: "pt-twin"}, pt); err != nil {
		t.Fatal(err)
	}
	if err := h.kube.Delete(context.Background(), pt); err != nil {
		t.Fatal(err)
	}
	h.run("pt-twin")
	if metrics.CustomerCoverage.DeleteLabelValues("pt-twin", "false") {
		t.Fatal("mca_partner_center_customers still has a series of the deleted PartnerTenant")
	}
}
