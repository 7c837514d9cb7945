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
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery"
	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// deliveryHarness runs the link delivery controller on a fake API server against a real SMTP
// server on 127.0.0.1 and a real HTTPS webhook receiver.
type deliveryHarness struct {
	t     *testing.T
	kube  client.Client
	r     *LinkDeliveryReconciler
	mb    *mailbox.Server
	rec   *events.FakeRecorder
	key   types.NamespacedName
	link  string
	hooks *hookLog
}

type hookLog struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hookLog) count() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.bodies) }

const deliveryTestLink = "https://accept.example/attestations/att-1?token=s3cr3t-t0ken-value"

// newDeliveryHarness builds a PartnerTenant delivering by email and webhook, and a
// CustomerAgreement whose attestation (for its current spec) is out with its link Secret.
func newDeliveryHarness(t *testing.T, mutate func(pt *v1alpha1.PartnerTenant, ca *v1alpha1.CustomerAgreement), extra ...client.Object) *deliveryHarness {
	t.Helper()
	mb, err := mailbox.Start("127.0.0.1:0", mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mb.Close() })
	hooks := &hookLog{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks.mu.Lock()
		hooks.bodies = append(hooks.bodies, string(b))
		hooks.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "pt"},
		Spec: v1alpha1.PartnerTenantSpec{TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", PartnerType: v1alpha1.PartnerTypeDirectBill,
			AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
			LinkDelivery: &v1alpha1.LinkDelivery{
				Email: &v1alpha1.EmailDelivery{SMTP: v1alpha1.SMTPServer{Host: mb.Host(), Port: int32(mb.Port()), TLS: v1alpha1.SMTPTLSNone},
					From: "Contoso Billing <mca@contoso.example>"},
				Webhook:      &v1alpha1.WebhookDelivery{URL: srv.URL + "/mca", SecretRef: v1alpha1.LocalObjectReference{Name: "hook"}},
				MaxPerMinute: 600,
				Reminders:    []metav1.Duration{},
			}},
	}
	now := time.Now()
	ca := &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", UID: "uid-1", Generation: 1, CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "pt"}, CustomerTenantID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CompanyName: "Fabrikam", Country: "US", Language: "en-US", Method: v1alpha1.MethodPartnerAttestation, ManagementPolicy: v1alpha1.ManagementPolicyManage,
			Signatory: &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example"},
		},
	}
	ca.Status.Attestation = &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-1"), Status: "LinkGenerated", Intent: attestationIntent(pt.Spec.TenantID, ca.Spec),
		StartedAt: statusTime(now.Add(-time.Minute)), ExpiresAt: statusTime(now.Add(24 * time.Hour)),
		LinkSecretRef: &v1alpha1.LocalObjectReference{Name: LinkSecretName(ca.UID)}}
	if mutate != nil {
		mutate(pt, ca)
	}
	objs := append([]client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}}, pt, ca,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: "hook"}, Data: map[string][]byte{"hmacKey": []byte("hmac-key-0123456789")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: LinkSecretName(ca.UID),
			Labels: map[string]string{v1alpha1.LabelLinkNamespace: ca.Namespace, v1alpha1.LabelLinkName: ca.Name, v1alpha1.LabelLinkUID: string(ca.UID)}},
			Data: map[string][]byte{v1alpha1.LinkSecretKeyLink: []byte(deliveryTestLink), v1alpha1.LinkSecretKeyAttestationID: []byte("att-1")}},
	}, extra...)
	kube := fake.NewClientBuilder().WithScheme(newScheme(t)).WithObjects(objs...).WithStatusSubresource(pt, ca).
		WithIndex(&v1alpha1.CustomerAgreement{}, customerTenantIDField, func(o client.Object) []string {
			return []string{norm(o.(*v1alpha1.CustomerAgreement).Spec.CustomerTenantID)}
		}).Build()
	h := &deliveryHarness{t: t, kube: kube, mb: mb, rec: events.NewFakeRecorder(100), key: client.ObjectKeyFromObject(ca), link: deliveryTestLink, hooks: hooks}
	h.r = &LinkDeliveryReconciler{Client: kube, APIReader: kube, Recorder: h.rec, CredentialsNamespace: credentialsNamespace, RootCAs: roots,
		Queue: delivery.NewQueue(nil)}
	return h
}

func (h *deliveryHarness) reconcile() reconcile.Result {
	h.t.Helper()
	res, err := h.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: h.key})
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// deliverAll reconciles until the send queue (600 a minute) refuses no more.
func (h *deliveryHarness) deliverAll() {
	h.t.Helper()
	for range 20 {
		if h.reconcile().RequeueAfter != time.Minute {
			return
		}
		time.Sleep(120 * time.Millisecond)
	}
	h.t.Fatal("the send queue keeps refusing")
}

func (h *deliveryHarness) get() *v1alpha1.CustomerAgreement {
	h.t.Helper()
	ca := &v1alpha1.CustomerAgreement{}
	if err := h.kube.Get(context.Background(), h.key, ca); err != nil {
		h.t.Fatal(err)
	}
	return ca
}

// updateStatus changes the stored CustomerAgreement's status.
func (h *deliveryHarness) updateStatus(change func(ca *v1alpha1.CustomerAgreement)) {
	h.t.Helper()
	ca := h.get()
	change(ca)
	if err := h.kube.Status().Update(context.Background(), ca); err != nil {
		h.t.Fatal(err)
	}
}

// sent counts the messages the signatory's mailbox and the receiver got.
func (h *deliveryHarness) sent() int { return len(h.mb.Messages()) + h.hooks.count() }

func (h *deliveryHarness) linkSecretExists() bool {
	h.t.Helper()
	err := h.kube.Get(context.Background(), types.NamespacedName{Namespace: credentialsNamespace, Name: LinkSecretName("uid-1")}, &corev1.Secret{})
	return err == nil
}

func TestLinkDeliveredIsSetWithTheDeliveryRecord(t *testing.T) {
	h := newDeliveryHarness(t, nil)
	h.deliverAll()
	if h.sent() != 2 {
		t.Fatalf("sent %d messages, want 2", h.sent())
	}
	// No CustomerAgreement reconcile ran: the delivery controller's own write carries it.
	c := meta.FindStatusCondition(h.get().Status.Conditions, v1alpha1.ConditionLinkDelivered)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonLinkDelivered {
		t.Fatalf("LinkDelivered = %+v, want True/%s", c, v1alpha1.ReasonLinkDelivered)
	}
}

func TestCustomerAgreementControllerLeavesLinkDelivered(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionLinkDelivered, Status: metav1.ConditionTrue,
			Reason: v1alpha1.ReasonLinkDelivered, Message: "2 message(s) about attestation att-1 sent.", LastTransitionTime: metav1.Now()}}
	})
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := h.cond(v1alpha1.ConditionReady); got != "True/"+v1alpha1.ReasonAttested {
		t.Fatalf("Ready = %s", got)
	}
	if got := h.cond(v1alpha1.ConditionLinkDelivered); got != "True/"+v1alpha1.ReasonLinkDelivered {
		t.Errorf("LinkDelivered = %q: the CustomerAgreement controller removed the delivery controller's condition", got)
	}
}

// checkWithdrawn: nothing was sent and the link Secret is gone. linkSecretRef is the
// CustomerAgreement controller's to clear (TestCustomerAgreementControllerDropsTheLinkOfADisallowedObject).
func (h *deliveryHarness) checkWithdrawn() {
	h.t.Helper()
	if h.sent() != 0 {
		h.t.Errorf("sent %d messages", h.sent())
	}
	if h.linkSecretExists() {
		h.t.Error("the link Secret is still there")
	}
}

func TestNoLinkForALostClaim(t *testing.T) {
	// An older CustomerAgreement for the same customer, in a namespace its PartnerTenant allows,
	// owns the customer.
	var older *v1alpha1.CustomerAgreement
	h := newDeliveryHarness(t, func(_ *v1alpha1.PartnerTenant, ca *v1alpha1.CustomerAgreement) {
		older = &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: "old", Name: "c", UID: "uid-0",
			CreationTimestamp: metav1.NewTime(ca.CreationTimestamp.Add(-time.Hour))}, Spec: ca.Spec}
	}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "old"}})
	if err := h.kube.Create(context.Background(), older); err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	h.checkWithdrawn()
}

func TestNoLinkForADisallowedNamespace(t *testing.T) {
	h := newDeliveryHarness(t, func(pt *v1alpha1.PartnerTenant, _ *v1alpha1.CustomerAgreement) {
		pt.Spec.AllowedNamespaces = &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"billing": "contoso"}}}
	})
	h.deliverAll()
	h.checkWithdrawn()
}

func TestNoLinkWithoutPartnerTenant(t *testing.T) {
	h := newDeliveryHarness(t, nil)
	if err := h.kube.Delete(context.Background(), &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "pt"}}); err != nil {
		t.Fatal(err)
	}
	h.deliverAll()
	h.checkWithdrawn()
}

func TestNoLinkToALaterSignatory(t *testing.T) {
	h := newDeliveryHarness(t, func(_ *v1alpha1.PartnerTenant, ca *v1alpha1.CustomerAgreement) {
		// The attestation was started for Ada; the spec now names someone else.
		ca.Spec.Signatory.Email = "mallory@fabrikam.example"
	})
	h.deliverAll()
	if h.sent() != 0 {
		t.Errorf("sent %d messages about an attestation started for another signatory", h.sent())
	}
}

func TestNoReminderOnceAccepted(t *testing.T) {
	h := newDeliveryHarness(t, func(pt *v1alpha1.PartnerTenant, _ *v1alpha1.CustomerAgreement) {
		pt.Spec.LinkDelivery.Reminders = []metav1.Duration{{Duration: 24*time.Hour - 2*time.Second}}
	})
	h.deliverAll()
	if h.sent() != 2 {
		t.Fatalf("sent %d initial messages, want 2", h.sent())
	}
	// The signatory accepted; Partner Center then refused the create, so the attestation stays.
	h.updateStatus(func(ca *v1alpha1.CustomerAgreement) { ca.Status.Attestation.Status = "CustomerAccepted" })
	time.Sleep(3 * time.Second)
	h.deliverAll()
	if h.sent() != 2 {
		t.Errorf("sent %d messages, want no reminder after the acceptance", h.sent())
	}
}

// staleCache answers reads of the CustomerAgreement with an older copy, as an informer that has
// not seen the last status write yet does.
type staleCache struct {
	client.Client
	old *v1alpha1.CustomerAgreement
}

func (c staleCache) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if ca, ok := obj.(*v1alpha1.CustomerAgreement); ok && key == client.ObjectKeyFromObject(c.old) {
		c.old.DeepCopyInto(ca)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func TestNoResendFromAStaleCache(t *testing.T) {
	h := newDeliveryHarness(t, func(_ *v1alpha1.PartnerTenant, ca *v1alpha1.CustomerAgreement) {
		ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelWebhook}}
	})
	h.deliverAll()
	if h.hooks.count() != 1 {
		t.Fatalf("posted %d events, want 1", h.hooks.count())
	}
	// The cache still shows the intent without its result: the send is recorded, the cache lags.
	old := h.get()
	old.Status.Attestation.Deliveries[0].SentAt = nil
	meta.RemoveStatusCondition(&old.Status.Conditions, v1alpha1.ConditionLinkDelivered)
	h.r.Client = staleCache{Client: h.kube, old: old}
	h.deliverAll()
	if h.hooks.count() != 1 {
		t.Errorf("posted %d events: the message was sent again on the cache's word", h.hooks.count())
	}
}

func TestUnparsableFromFailsTheChannel(t *testing.T) {
	h := newDeliveryHarness(t, func(pt *v1alpha1.PartnerTenant, ca *v1alpha1.CustomerAgreement) {
		pt.Spec.LinkDelivery.Email.From = "Contoso, Inc. <mca@contoso.example>"
		ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}}
	})
	h.deliverAll()
	a := h.get().Status.Attestation
	if len(a.Deliveries) != 1 || a.Deliveries[0].Failure == "" {
		t.Fatalf("deliveries = %+v, want one with its failure", a.Deliveries)
	}
	c := meta.FindStatusCondition(h.get().Status.Conditions, v1alpha1.ConditionLinkDelivered)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonLinkDeliveryFailed {
		t.Errorf("LinkDelivered = %+v, want False/%s", c, v1alpha1.ReasonLinkDeliveryFailed)
	}
	if res := h.reconcile(); res.RequeueAfter != 0 || len(h.mb.Messages()) != 0 {
		t.Errorf("retried (%v) or sent %d", res, len(h.mb.Messages()))
	}
}

// The CustomerAgreement controller patches its conditions from its own copy: if that copy was
// older than the delivery controller's write, LinkDelivered is lost, and the delivery controller
// must hear of it.
func TestLinkDeliveredLostToAnotherWriterWakesTheDeliveryController(t *testing.T) {
	h := newDeliveryHarness(t, nil)
	h.deliverAll()
	withCond := h.get()
	without := withCond.DeepCopy()
	meta.RemoveStatusCondition(&without.Status.Conditions, v1alpha1.ConditionLinkDelivered)
	p := attestationChanged()
	if !p.Update(event.UpdateEvent{ObjectOld: withCond, ObjectNew: without}) {
		t.Error("a status write that dropped LinkDelivered does not wake the delivery controller")
	}
	if p.Update(event.UpdateEvent{ObjectOld: without, ObjectNew: withCond}) {
		t.Error("an update that changes nothing of the delivery wakes it")
	}
}

// The CustomerAgreement controller drops the link too when the object may not act: a reconcile
// of its that began before the claim moved may have stored the link again after the delivery
// controller withdrew it.
func TestCustomerAgreementControllerDropsTheLinkOfADisallowedObject(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Status.Attestation = &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-1"), Status: "LinkGenerated",
			LinkSecretRef: &v1alpha1.LocalObjectReference{Name: LinkSecretName(ca.UID)}}
	})
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: LinkSecretName("uid-1")},
		Data: map[string][]byte{v1alpha1.LinkSecretKeyLink: []byte(deliveryTestLink)}}
	if err := h.kube.Create(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := h.kube.Get(context.Background(), types.NamespacedName{Name: "pt"}, pt); err != nil {
		t.Fatal(err)
	}
	pt.Spec.AllowedNamespaces = &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"billing": "contoso"}}}
	if err := h.kube.Update(context.Background(), pt); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if got := h.cond(v1alpha1.ConditionStalled); got != "True/"+v1alpha1.ReasonNamespaceNotAllowed {
		t.Fatalf("Stalled = %s", got)
	}
	if err := h.kube.Get(context.Background(), client.ObjectKeyFromObject(sec), &corev1.Secret{}); err == nil {
		t.Error("the link Secret of an object whose namespace is not allowed is still there")
	}
	if a := h.get().Status.Attestation; a == nil || a.LinkSecretRef != nil {
		t.Errorf("status.attestation = %+v, want it kept without linkSecretRef", a)
	}
}
