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
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

func TestNamespaceAllowed(t *testing.T) {
	team := map[string]string{"team": "billing"}
	sel := func(ls metav1.LabelSelector) *v1alpha1.AllowedNamespaces {
		return &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector, Selector: &ls}
	}
	cases := []struct {
		name   string
		an     *v1alpha1.AllowedNamespaces
		labels map[string]string
		want   bool
	}{
		{"absent allows none", nil, team, false},
		{"All allows any", &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}, nil, true},
		{"matching labels", sel(metav1.LabelSelector{MatchLabels: team}), team, true},
		{"other labels", sel(metav1.LabelSelector{MatchLabels: team}), map[string]string{"team": "sales"}, false},
		{"no labels", sel(metav1.LabelSelector{MatchLabels: team}), nil, false},
		{"expression In", sel(metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn, Values: []string{"billing", "sales"}}}}), team, true},
		{"invalid selector allows none", sel(metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "Bogus"}}}), team, false},
		{"Selector without a selector allows none", &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector}, team, false},
		{"unknown from allows none", &v1alpha1.AllowedNamespaces{From: "Everyone"}, team, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mca.NamespaceAllowed(c.an, c.labels); got != c.want {
				t.Fatalf("NamespaceAllowed = %v, want %v", got, c.want)
			}
		})
	}
}

func TestReadBudget(t *testing.T) {
	var b readBudget
	ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{UID: "u", Generation: 1}}
	t0 := time.Now()
	if w := b.take(ca, t0, 10*time.Second); w != 0 {
		t.Fatalf("first read waits %s", w)
	}
	if w := b.take(ca, t0.Add(time.Second), 10*time.Second); w != 9*time.Second {
		t.Fatalf("second read within the interval waits %s, want 9s", w)
	}
	ca.Generation = 2
	if w := b.take(ca, t0.Add(2*time.Second), 10*time.Second); w != 0 {
		t.Fatalf("a spec change waits %s", w)
	}
	if w := b.take(ca, t0.Add(12*time.Second), 10*time.Second); w != 0 {
		t.Fatalf("a read after the interval waits %s", w)
	}
}

// blockingPC answers nothing until the caller gives up.
type blockingPC struct{ *fakePC }

func (blockingPC) ListCustomerAgreements(ctx context.Context, _ string) ([]pc.Agreement, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestReconcileHasADeadline(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.r.Clients = &Clients{New: func(*v1alpha1.PartnerTenant) (PartnerCenter, error) { return blockingPC{h.pc}, nil }}
	h.r.ReconcileTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := h.reconcile()
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a reconcile against a tenant that never answers took %s", took)
	}
	if err == nil {
		t.Fatal("a reconcile that ran out of time reports no error for the backoff")
	}
	if got := h.cond(v1alpha1.ConditionReconciling); got == "" {
		t.Fatal("the timed-out reconcile left no Reconciling condition")
	}
}

func TestCreatedAgreementIsTrustedButReportedAfterTheBound(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	ca := h.get()
	now := time.Now()
	ca.Status.CreatedAgreement = &v1alpha1.CreatedAgreement{RequestID: "rid", DateAgreed: metav1.NewTime(now.Add(-25 * time.Hour)),
		CreatedAt: metav1.NewTime(now.Add(-25 * time.Hour)), Method: v1alpha1.MethodPartnerAttestation}
	if err := h.kube.Status().Update(context.Background(), ca); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonAgreementNotVisible {
		t.Fatalf("Stalled = %q", got)
	}
	if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 0 {
		t.Fatalf("%d attestations started for a customer whose agreement the operator created", n)
	}
}

// A namespace label removed after the reconcile's first check stops the write: removed while the
// reconcile reads Partner Center, or while the write waits its turn in the tenant's rate limiter
// (the last check runs just before the send).
func TestAdmissionIsCheckedAgainJustBeforeAWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   func(f *fakePC, removal func())
	}{
		{"during the reads", func(f *fakePC, removal func()) { f.onRead = removal }},
		{"while the write waits its turn", func(f *fakePC, removal func()) { f.onWrite = removal }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
			ctx := context.Background()
			pt := &v1alpha1.PartnerTenant{}
			if err := h.kube.Get(ctx, types.NamespacedName{Name: "pt"}, pt); err != nil {
				t.Fatal(err)
			}
			pt.Spec.AllowedNamespaces = &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}
			if err := h.kube.Update(ctx, pt); err != nil {
				t.Fatal(err)
			}
			ns := &corev1.Namespace{}
			if err := h.kube.Get(ctx, types.NamespacedName{Name: "ns"}, ns); err != nil {
				t.Fatal(err)
			}
			ns.Labels = map[string]string{"team": "a"}
			if err := h.kube.Update(ctx, ns); err != nil {
				t.Fatal(err)
			}
			tc.at(h.pc, func() {
				ns.Labels = nil
				if err := h.kube.Update(ctx, ns); err != nil {
					t.Error(err)
				}
				h.pc.onRead, h.pc.onWrite = nil, nil
			})
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 0 {
				t.Fatalf("started %d attestation(s) for a namespace no longer allowed", n)
			}
			if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonNamespaceNotAllowed {
				t.Fatalf("Stalled = %q", got)
			}
		})
	}
}

// rival creates another CustomerAgreement for the harness's customer, created a second before
// it (so that it owns the customer), or in the same second with sameSecond; its name sorts first.
func (h *harness) rival(sameSecond ...bool) types.NamespacedName {
	h.t.Helper()
	ca := h.get()
	created := metav1.NewTime(ca.CreationTimestamp.Add(-time.Second))
	if len(sameSecond) > 0 && sameSecond[0] {
		created = ca.CreationTimestamp
	}
	r := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: ca.Namespace, Name: "a", UID: "uid-rival", CreationTimestamp: created},
		Spec: *ca.Spec.DeepCopy()}
	if err := h.kube.Create(context.Background(), r); err != nil {
		h.t.Fatal(err)
	}
	if got := (&v1alpha1.CustomerAgreement{}); h.kube.Get(context.Background(), client.ObjectKeyFromObject(r), got) != nil || !got.CreationTimestamp.Equal(&created) {
		h.t.Fatalf("the rival's creation time was not kept: %v", got.CreationTimestamp)
	}
	return client.ObjectKeyFromObject(r)
}

// Two objects for one customer created in the same second, the second after the first's write
// completed: the first acted, so it keeps the customer whatever the names, and the second writes
// nothing (before, the name decided and both started an attestation).
func TestAnObjectCreatedInTheSameSecondAfterAWriteDoesNotWriteAgain(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) { ca.CreationTimestamp = metav1.Now() })
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpStartEnhancedAttestation] != 1 {
		t.Fatalf("calls: %v", h.pc.calls)
	}
	rival := h.rival(true)
	if _, err := h.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: rival}); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 1 {
		t.Fatalf("%d attestations started for one customer", n)
	}
	got := &v1alpha1.CustomerAgreement{}
	if err := h.kube.Get(context.Background(), rival, got); err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled); c == nil || c.Reason != v1alpha1.ReasonCustomerClaimed {
		t.Fatalf("the rival's Stalled = %+v", c)
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if a := h.get().Status.Attestation; a == nil || a.LinkSecretRef == nil {
		t.Fatalf("the first object lost its link: %+v", a)
	}
}

// Two CustomerAgreements for one customer created in the same second: the rival the cache did not
// show when the reconcile began still stops the write, as the API server holds it.
func TestOwnershipIsCheckedAgainJustBeforeAWrite(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) { ca.CreationTimestamp = metav1.Now() })
	h.pc.onRead = func() {
		h.rival()
		h.pc.onRead = nil
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 0 {
		t.Fatalf("started %d attestation(s) for a customer another object owns", n)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonCustomerClaimed {
		t.Fatalf("Stalled = %q", got)
	}
}

// The object that loses its customer to another takes back the link it held: its link Secret is
// deleted and status names none, so that only the owner's link reaches the signatory.
func TestTheLoserOfAClaimDropsItsLinkSecret(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	a := h.get().Status.Attestation
	if a == nil || a.LinkSecretRef == nil {
		t.Fatalf("no link stored: %+v", a)
	}
	h.rival()
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonCustomerClaimed {
		t.Fatalf("Stalled = %q", got)
	}
	err := h.kube.Get(context.Background(), types.NamespacedName{Namespace: h.r.CredentialsNamespace, Name: a.LinkSecretRef.Name}, &corev1.Secret{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("the loser's link Secret is still there: %v", err)
	}
	if got := h.get().Status.Attestation; got == nil || got.LinkSecretRef != nil {
		t.Fatalf("status still names a link Secret: %+v", got)
	}
}

// listCounter counts the lists of CustomerAgreements an uncached reader serves.
type listCounter struct {
	client.Reader
	lists int
}

func (l *listCounter) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if _, ok := list.(*v1alpha1.CustomerAgreementList); ok {
		l.lists++
	}
	return l.Reader.List(ctx, list, opts...)
}

// An object older than the cache's lag asks the API server nothing about rivals before its write:
// any rival that could own the customer is in the cache.
func TestAnOldObjectDoesNotListItsRivalsUncached(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.CreationTimestamp = metav1.NewTime(time.Now().Add(-2 * cacheLagBound))
	})
	reader := &listCounter{Reader: h.kube}
	h.r.APIReader = reader
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpStartEnhancedAttestation] != 1 || reader.lists != 0 {
		t.Fatalf("starts = %d, uncached lists = %d; want 1 and 0", h.pc.calls[pc.OpStartEnhancedAttestation], reader.lists)
	}
}

// CustomerClaimed names the owner only to those who may see it: an owner in the same namespace.
// (The rival namespace sorts before the harness's, so that the rival owns the customer.)
func TestCustomerClaimedNamesOnlyAnOwnerOfTheSameNamespace(t *testing.T) {
	for _, ns := range []string{"ns", "a-team"} {
		t.Run(ns, func(t *testing.T) {
			h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
			ctx := context.Background()
			if ns != "ns" {
				if err := h.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
					t.Fatal(err)
				}
			}
			r := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a"}, Spec: *h.get().Spec.DeepCopy()}
			if err := h.kube.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(h.get().Status.Conditions, v1alpha1.ConditionStalled)
			if c == nil || c.Reason != v1alpha1.ReasonCustomerClaimed {
				t.Fatalf("Stalled = %+v", c)
			}
			named := strings.Contains(c.Message, "CustomerAgreement a ")
			if named != (ns == "ns") || strings.Contains(c.Message, "a-team") {
				t.Fatalf("owner in namespace %s: message %q", ns, c.Message)
			}
		})
	}
}

// TestNamespaceLabelsChanged: a namespace's creation (every namespace's, as the manager starts)
// reconciles nothing; a change of its labels, and its deletion, reconcile its CustomerAgreements.
func TestNamespaceLabelsChanged(t *testing.T) {
	p := namespaceLabelsChanged()
	ns := func(labels map[string]string) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "customers", Labels: labels}}
	}
	if p.Create(event.CreateEvent{Object: ns(map[string]string{"a": "1"})}) {
		t.Error("a namespace's creation should reconcile nothing")
	}
	if !p.Update(event.UpdateEvent{ObjectOld: ns(nil), ObjectNew: ns(map[string]string{"a": "1"})}) {
		t.Error("a change of a namespace's labels should reconcile its CustomerAgreements")
	}
	if p.Update(event.UpdateEvent{ObjectOld: ns(map[string]string{"a": "1"}), ObjectNew: ns(map[string]string{"a": "1"})}) {
		t.Error("an update that leaves the labels alone should reconcile nothing")
	}
	if !p.Delete(event.DeleteEvent{Object: ns(nil)}) {
		t.Error("a namespace's deletion should reconcile its CustomerAgreements")
	}
}
