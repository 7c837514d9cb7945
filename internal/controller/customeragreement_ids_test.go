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
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

const acceptTemplate = "https://accept.example/mca/{attestationId}?lang={language}"

// withTemplate makes the fake Partner Center answer without a link, as the modeled variant does,
// and has the PartnerTenant build it from a template: the link is then the id in the template.
func (h *harness) withTemplate() {
	h.t.Helper()
	pt := &v1alpha1.PartnerTenant{}
	if err := h.kube.Get(context.Background(), types.NamespacedName{Name: "pt"}, pt); err != nil {
		h.t.Fatal(err)
	}
	pt.Spec.Attestation = &v1alpha1.PartnerAttestationSettings{AcceptanceURLTemplate: acceptTemplate}
	if err := h.kube.Update(context.Background(), pt); err != nil {
		h.t.Fatal(err)
	}
	h.pc.noLink = true
}

func (h *harness) secret(name string) (*corev1.Secret, bool) {
	h.t.Helper()
	sec := &corev1.Secret{}
	err := h.kube.Get(context.Background(), types.NamespacedName{Namespace: "mca-operator-system", Name: name}, sec)
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return sec, true
}

// leaks fails the test when the attestation id appears anywhere a viewer of the
// CustomerAgreement reads: its status (conditions included) and its events.
func (h *harness) leaks(id, step string) {
	h.t.Helper()
	raw, err := json.Marshal(h.get())
	if err != nil {
		h.t.Fatal(err)
	}
	if strings.Contains(string(raw), id) {
		h.t.Errorf("%s: the attestation id %q is in the CustomerAgreement: %s", step, id, raw)
	}
	if ev := h.events(); strings.Contains(ev, id) {
		h.t.Errorf("%s: the attestation id %q is in an event: %s", step, id, ev)
	}
}

// With acceptanceURLTemplate the attestation id is all a viewer needs to rebuild the link and
// accept for the customer: it never reaches status or events, from the start to the agreement,
// and the operator still follows and relays the attestation by it.
func TestTheAttestationIDNeverReachesStatusOrEvents(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.withTemplate()
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	const id = "att-1"
	h.leaks(id, "started")
	a := h.get().Status
	if a.Attestation == nil || a.Attestation.Handle != v1alpha1.AttestationHandle(id) || a.AttestationIDsSecretRef == nil {
		t.Fatalf("status names no attestation handle and ids Secret: %+v", a)
	}
	ids, ok := h.secret(a.AttestationIDsSecretRef.Name)
	if !ok || string(ids.Data[v1alpha1.AttestationHandle(id)]) != id {
		t.Fatalf("the ids Secret does not hold the id under its handle: %+v", ids)
	}
	link, _ := h.secret(LinkSecretName("uid-1"))
	if got := string(link.Data[v1alpha1.LinkSecretKeyLink]); got != "https://accept.example/mca/att-1?lang=en-US" {
		t.Fatalf("link = %q", got)
	}

	// A restart forgets what it held in memory: the id comes from the Secret.
	h.r.ids = idBook{}
	h.r.fullReads, h.r.reads = readBudget{}, readBudget{}
	h.pc.attestation.Status = pc.StatusCustomerAccepted
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	h.leaks(id, "accepted and created")
	if h.pc.calls[pc.OpCreateAgreementFromAttestation] != 1 || !slices.Equal(slices.Compact(h.pc.usedIDs), []string{id}) {
		t.Fatalf("the agreement was not created from %s: calls %v, ids used %v", id, h.pc.calls, h.pc.usedIDs)
	}
	st := h.get().Status
	if st.CreatedAgreement == nil || st.CreatedAgreement.AttestationHandle != v1alpha1.AttestationHandle(id) || st.AttestationIDsSecretRef != nil {
		t.Fatalf("status after the create: %+v", st)
	}
	if _, ok := h.secret(IDsSecretName("uid-1")); ok {
		t.Error("the ids Secret is left once no attestation is followed")
	}
}

// The ids Secret survives the withdrawal of the link (the namespace lost its right): an
// acceptance the signatory gave on the link already sent is relayed once the object may act.
func TestAnAcceptanceGivenWhileTheObjectMayNotActIsRelayedLater(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	allow := func(selector *metav1.LabelSelector) {
		pt := &v1alpha1.PartnerTenant{}
		if err := h.kube.Get(context.Background(), types.NamespacedName{Name: "pt"}, pt); err != nil {
			t.Fatal(err)
		}
		pt.Spec.AllowedNamespaces = &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}
		if selector != nil {
			pt.Spec.AllowedNamespaces = &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector, Selector: selector}
		}
		if err := h.kube.Update(context.Background(), pt); err != nil {
			t.Fatal(err)
		}
	}
	allow(&metav1.LabelSelector{MatchLabels: map[string]string{"billing": "contoso"}})
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonNamespaceNotAllowed {
		t.Fatalf("Stalled = %s", got)
	}
	if _, ok := h.secret(LinkSecretName("uid-1")); ok {
		t.Fatal("the link Secret of a disallowed object is still there")
	}
	if _, ok := h.secret(IDsSecretName("uid-1")); !ok {
		t.Fatal("the ids Secret went with the link: an acceptance of the link already sent could never be relayed")
	}
	h.pc.attestation.Status = pc.StatusCustomerAccepted
	allow(nil)
	h.r.ids = idBook{} // as after a restart meanwhile
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpCreateAgreementFromAttestation] != 1 || h.pc.usedIDs[len(h.pc.usedIDs)-1] != "att-1" {
		t.Fatalf("the acceptance was not relayed: calls %v, ids used %v", h.pc.calls, h.pc.usedIDs)
	}
}

// A person deleting the ids Secret: the id is taken back from the link Secret (which holds the
// current attestation's); with both gone, the operator says so and stops following it.
func TestALostAttestationIDIsRestoredOrReported(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	h.events()
	del := func(name string) {
		sec, ok := h.secret(name)
		if !ok {
			t.Fatalf("Secret %s missing", name)
		}
		if err := h.kube.Delete(context.Background(), sec); err != nil {
			t.Fatal(err)
		}
		h.r.ids = idBook{}
		h.r.fullReads, h.r.reads = readBudget{}, readBudget{}
	}
	del(IDsSecretName("uid-1"))
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if ids, ok := h.secret(IDsSecretName("uid-1")); !ok || string(ids.Data[v1alpha1.AttestationHandle("att-1")]) != "att-1" {
		t.Fatalf("the ids Secret was not restored from the link Secret: %+v", ids)
	}
	if got := h.pc.usedIDs[len(h.pc.usedIDs)-1]; got != "att-1" {
		t.Fatalf("polled %q", got)
	}

	del(IDsSecretName("uid-1"))
	del(LinkSecretName("uid-1"))
	starts := h.pc.calls[pc.OpStartEnhancedAttestation]
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if ev := h.events(); !strings.Contains(ev, v1alpha1.ReasonAttestationIDLost) || !strings.Contains(ev, v1alpha1.AttestationHandle("att-1")) {
		t.Fatalf("no AttestationIDLost event naming the handle: %q", ev)
	}
	// The customer still needs an attestation: a new one is started for it.
	if a := h.get().Status.Attestation; a == nil || a.Handle != v1alpha1.AttestationHandle("att-2") || h.pc.calls[pc.OpStartEnhancedAttestation] != starts+1 {
		t.Fatalf("after the loss: %+v, calls %v", a, h.pc.calls)
	}
}
