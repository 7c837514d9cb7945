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
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// LinkDeliveryReconciler delivers acceptance links to the signatories (email) and to the
// partner's systems (webhook), with reminders before they expire. It owns the deliveries of
// status.attestation and the condition LinkDelivered, and writes both in one status write, so the
// condition is current as soon as a send is recorded. Each message is sent exactly once as far as
// a mail system allows: the intent is recorded in status before the send and the result after,
// and the message id is derived from the attestation and the kind, so a crash in between resends
// at most one message with the same id.
type LinkDeliveryReconciler struct {
	Client client.Client
	// APIReader reads from the API server, past the cache: what was sent is decided from it.
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	// CredentialsNamespace holds the link Secrets, the SMTP and webhook Secrets and the templates.
	CredentialsNamespace string
	// RootCAs verifies the relay and the receiver (nil: the system's roots).
	RootCAs *x509.CertPool
	Now     func() time.Time
	Queue   *delivery.Queue
	// Tenants admits the reconciles of the PartnerTenants whose Lease this manager holds (nil: all).
	Tenants *TenantLeases

	granted  chan event.GenericEvent
	tenants  sync.Map // PartnerTenants whose delivery metrics exist
	mu       sync.Mutex
	attempts map[string]int // webhook attempts by message id
	// keys finds customers by the cache's indexes (nil: by lists).
	keys *customerKeys
}

// +kubebuilder:rbac:groups="",namespace=mca-operator-system,resources=configmaps,verbs=get

// Reconcile implements reconcile.Reconciler.
func (r *LinkDeliveryReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ca := &v1alpha1.CustomerAgreement{}
	if err := r.Client.Get(ctx, req.NamespacedName, ca); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	leave, ok := r.Tenants.Enter(ca.Spec.PartnerTenantRef.Name)
	if !ok {
		return reconcile.Result{}, nil
	}
	defer leave()
	if err := r.settleCondition(ctx, ca); err != nil {
		return reconcile.Result{}, err
	}
	a := ca.Status.Attestation
	if a == nil || a.LinkSecretRef == nil || a.ExpiresAt == nil || ca.Annotations[v1alpha1.AnnotationPaused] == "true" {
		return reconcile.Result{}, nil
	}
	pt, err := r.entitled(ctx, ca)
	if err != nil || pt == nil {
		return reconcile.Result{}, err
	}
	ld := pt.Spec.LinkDelivery
	if ld == nil || ca.Spec.Signatory == nil {
		return reconcile.Result{}, nil
	}
	// The link goes only to the signatory the attestation was started for: after a spec change
	// the CustomerAgreement controller retires it and starts one for the new spec.
	if a.Intent != attestationIntent(pt.Spec.TenantID, ca.Spec) {
		return reconcile.Result{}, nil
	}
	// Once the signatory accepted (even if Partner Center then refused the create), or the link
	// expired, there is nothing to remind anyone of.
	if phase, _ := pc.AttestationPhaseOf(a.Status); phase != mca.PhaseAwaitingCustomer {
		return reconcile.Result{}, nil
	}
	r.Queue.SetRate(pt.Name, int(max(ld.MaxPerMinute, 1)))
	if _, seen := r.tenants.LoadOrStore(pt.Name, true); !seen {
		metrics.InitLinkDeliveries(pt.Name)
	}
	now := r.now()
	in := delivery.PlanInput{
		Channels: delivery.Channels(ld, ca.Spec.LinkDelivery), Reminders: delivery.Reminders(ld),
		AttestationHandle: a.Handle, ExpiresAt: a.ExpiresAt.Time, Renewed: a.Renewals > 0, Recorded: a.Deliveries, Now: now,
	}
	if a.StartedAt != nil {
		in.StartedAt = a.StartedAt.Time
	}
	dues, err := r.planFresh(ctx, ca, in)
	if err != nil {
		return reconcile.Result{}, err
	}
	for _, due := range dues {
		if !r.Queue.Acquire(delivery.Item{Tenant: pt.Name, Key: due.MessageID, Object: req.NamespacedName, ExpiresAt: a.ExpiresAt.Time}) {
			// Run grants the slot in order of expiry and brings this object back then.
			return reconcile.Result{RequeueAfter: time.Minute}, nil
		}
		after, err := r.deliver(ctx, ca, pt, due)
		if err != nil || after > 0 {
			return reconcile.Result{RequeueAfter: after}, err
		}
	}
	// The sends above were recorded into ca: plan the next one (a reminder) from them.
	if a := ca.Status.Attestation; a != nil && a.Handle == in.AttestationHandle {
		in.Recorded = a.Deliveries
	}
	if next, ok := delivery.Next(in); ok {
		return reconcile.Result{RequeueAfter: max(next.Sub(now), time.Second)}, nil
	}
	return reconcile.Result{}, nil
}

// planFresh lists the messages due. Whether one was already sent is the API server's word, not
// the cache's: a cache that has not yet seen the last recorded result would send it again. So
// when anything is due, ca is read again from the API server and the plan made from that.
func (r *LinkDeliveryReconciler) planFresh(ctx context.Context, ca *v1alpha1.CustomerAgreement, in delivery.PlanInput) ([]delivery.Due, error) {
	if len(delivery.Plan(in)) == 0 {
		return nil, nil
	}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(ca), ca); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	a := ca.Status.Attestation
	if a == nil || a.Handle != in.AttestationHandle || a.LinkSecretRef == nil {
		return nil, nil
	}
	in.Recorded = a.Deliveries
	return delivery.Plan(in), nil
}

// entitled returns the PartnerTenant in whose name ca's link may be delivered, or nil. An object
// that has lost its PartnerTenant, its namespace's permission or its claim on the customer gets
// nothing more, and its link Secret goes: only the owner of a customer may hold a link to it.
func (r *LinkDeliveryReconciler) entitled(ctx context.Context, ca *v1alpha1.CustomerAgreement) (*v1alpha1.PartnerTenant, error) {
	pt := &v1alpha1.PartnerTenant{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: ca.Spec.PartnerTenantRef.Name}, pt); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, r.withdraw(ctx, ca, "its PartnerTenant is gone")
		}
		return nil, err
	}
	nsLabels, err := namespaceLabels(ctx, r.Client, ca.Namespace)
	if err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	if !mca.NamespaceAllowed(pt.Spec.AllowedNamespaces, nsLabels) {
		return nil, r.withdraw(ctx, ca, "its PartnerTenant no longer allows its namespace")
	}
	owner, err := customerOwner(ctx, r.Client, ca, pt.Spec.TenantID)
	if err != nil {
		return nil, err
	}
	if owner.Namespace != ca.Namespace || owner.Name != ca.Name {
		return nil, r.withdraw(ctx, ca, "another CustomerAgreement owns the customer")
	}
	return pt, nil
}

// withdraw deletes the link Secret of an object that may no longer deliver it. The
// CustomerAgreement controller, woken by the same change, clears linkSecretRef (its field), and
// stores the link again if the object regains the right to act.
func (r *LinkDeliveryReconciler) withdraw(ctx context.Context, ca *v1alpha1.CustomerAgreement, why string) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.CredentialsNamespace, Name: ca.Status.Attestation.LinkSecretRef.Name}}
	if err := client.IgnoreNotFound(r.Client.Delete(ctx, sec)); err != nil {
		return err
	}
	logf.FromContext(ctx).Info("withdrew the acceptance link: "+why, "secret", sec.Name)
	return nil
}

// deliver sends one message: intent first, then the send, then the result.
func (r *LinkDeliveryReconciler) deliver(ctx context.Context, ca *v1alpha1.CustomerAgreement, pt *v1alpha1.PartnerTenant, due delivery.Due) (time.Duration, error) {
	if !due.Resend {
		if err := r.record(ctx, ca, func(a *v1alpha1.AttestationStatus) {
			a.Deliveries = append(a.Deliveries, v1alpha1.Delivery{Channel: due.Channel, Kind: due.Kind, MessageID: due.MessageID, AttemptedAt: statusTime(r.now())})
		}); err != nil {
			return 0, err
		}
	}
	msg, err := r.message(ctx, ca, pt, due)
	if err != nil {
		return 0, err
	}
	sendErr := r.send(ctx, pt, due, msg)
	metrics.ObserveLinkDelivery(pt.Name, string(due.Channel), string(due.Kind), delivery.Outcome(sendErr))
	switch {
	case sendErr == nil:
		r.forgetAttempts(due.MessageID)
		return 0, r.record(ctx, ca, func(a *v1alpha1.AttestationStatus) {
			if d := findDelivery(a, due.MessageID); d != nil {
				d.SentAt, d.Failure = statusTime(r.now()), ""
			}
		})
	case delivery.IsPermanent(sendErr):
		r.forgetAttempts(due.MessageID)
		r.Recorder.Eventf(ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonLinkDeliveryFailed, "DeliverLink", "%s %s message: %s", due.Channel, due.Kind, sendErr.Error())
		return 0, r.record(ctx, ca, func(a *v1alpha1.AttestationStatus) {
			if d := findDelivery(a, due.MessageID); d != nil {
				d.Failure = bounded(sendErr.Error(), 1024)
			}
		})
	default:
		n := r.attempt(due.MessageID)
		logf.FromContext(ctx).Info("link delivery failed; retrying", "channel", due.Channel, "kind", due.Kind, "messageId", due.MessageID, "error", sendErr.Error())
		return delivery.Backoff(n), nil
	}
}

func (r *LinkDeliveryReconciler) send(ctx context.Context, pt *v1alpha1.PartnerTenant, due delivery.Due, msg delivery.Message) error {
	ld := pt.Spec.LinkDelivery
	switch due.Channel {
	case v1alpha1.ChannelEmail:
		if ld.Email == nil {
			return nil
		}
		m, err := r.mailer(ctx, ld)
		if err != nil {
			return err
		}
		return m.Send(ctx, msg)
	case v1alpha1.ChannelWebhook:
		if ld.Webhook == nil {
			return nil
		}
		key, err := r.secretKey(ctx, ld.Webhook.SecretRef.Name, "hmacKey")
		if err != nil {
			return err
		}
		w, err := delivery.NewWebhook(delivery.WebhookConfig{URL: ld.Webhook.URL, HMACKey: []byte(key), RootCAs: r.RootCAs}, r.Now)
		if err != nil {
			return &delivery.Error{Channel: v1alpha1.ChannelWebhook, Permanent: true}
		}
		return w.Send(ctx, msg, r.peekAttempts(due.MessageID)+1)
	}
	return nil
}

// mailer builds the tenant's mailer from its spec, the SMTP credentials and the templates.
func (r *LinkDeliveryReconciler) mailer(ctx context.Context, ld *v1alpha1.LinkDelivery) (*delivery.Mailer, error) {
	tpl, err := r.templates(ctx, ld)
	if err != nil {
		return nil, err
	}
	s := ld.Email.SMTP
	cfg := delivery.SMTPConfig{Host: s.Host, Port: int(s.Port), TLS: s.TLS, RootCAs: r.RootCAs, From: ld.Email.From, ReplyTo: ld.Email.ReplyTo}
	if ref := s.CredentialsSecretRef; ref != nil {
		if cfg.Username, err = r.secretKey(ctx, ref.Name, "username"); err != nil {
			return nil, err
		}
		if cfg.Password, err = r.secretKey(ctx, ref.Name, "password"); err != nil {
			return nil, err
		}
	}
	return delivery.NewMailer(cfg, tpl, r.Now)
}

// templates loads the tenant's templates; a broken ConfigMap sends nothing (the PartnerTenant
// reports it).
func (r *LinkDeliveryReconciler) templates(ctx context.Context, ld *v1alpha1.LinkDelivery) (*delivery.Templates, error) {
	if ld.TemplatesConfigMapRef == nil {
		return delivery.BuiltinTemplates(), nil
	}
	return LoadTemplates(ctx, r.Client, r.CredentialsNamespace, ld.TemplatesConfigMapRef.Name)
}

// LoadTemplates reads and checks a templates ConfigMap of the credentials namespace.
func LoadTemplates(ctx context.Context, c client.Client, namespace, name string) (*delivery.Templates, error) {
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, cm); err != nil {
		return nil, fmt.Errorf("templates ConfigMap %s/%s: %w", namespace, name, err)
	}
	t, err := delivery.LoadTemplates(cm.Data)
	if err != nil {
		return nil, fmt.Errorf("templates ConfigMap %s/%s: %w", namespace, name, err)
	}
	return t, nil
}

func (r *LinkDeliveryReconciler) secretKey(ctx context.Context, name, key string) (string, error) {
	vals, err := r.secretKeys(ctx, name, key)
	if err != nil {
		return "", err
	}
	return vals[0], nil
}

// secretKeys reads the values of keys from the Secret name of the credentials namespace; each
// must be there.
func (r *LinkDeliveryReconciler) secretKeys(ctx context.Context, name string, keys ...string) ([]string, error) {
	sec := &corev1.Secret{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.CredentialsNamespace, Name: name}, sec); err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", r.CredentialsNamespace, name, err) //nolint:staticcheck // ST1005: Secret is the kind
	}
	vals := make([]string, len(keys))
	for i, key := range keys {
		v, ok := sec.Data[key]
		if !ok || len(v) == 0 {
			return nil, fmt.Errorf("Secret %s/%s has no key %q", r.CredentialsNamespace, name, key) //nolint:staticcheck // ST1005: Secret is the kind
		}
		vals[i] = string(v)
	}
	return vals, nil
}

// message assembles what is sent; the link comes from its Secret.
func (r *LinkDeliveryReconciler) message(ctx context.Context, ca *v1alpha1.CustomerAgreement, pt *v1alpha1.PartnerTenant, due delivery.Due) (delivery.Message, error) {
	a := ca.Status.Attestation
	vals, err := r.secretKeys(ctx, a.LinkSecretRef.Name, v1alpha1.LinkSecretKeyLink, v1alpha1.LinkSecretKeyAttestationID)
	if err != nil {
		return delivery.Message{}, err
	}
	if v1alpha1.AttestationHandle(vals[1]) != a.Handle {
		return delivery.Message{}, fmt.Errorf("Secret %s/%s holds the link of another attestation than %s", r.CredentialsNamespace, a.LinkSecretRef.Name, a.Handle) //nolint:staticcheck // ST1005: Secret is the kind
	}
	return delivery.Message{
		ID: due.MessageID, Kind: due.Kind, AttestationID: vals[1], AcceptanceLink: vals[0], ExpiresAt: a.ExpiresAt.Time,
		Partner: pt.Name, PartnerTenant: pt.Name, Customer: client.ObjectKeyFromObject(ca),
		CustomerTenantID: ca.Spec.CustomerTenantID, CompanyName: ca.Spec.CompanyName, Language: ca.Spec.Language,
		Signatory: *ca.Spec.Signatory,
	}, nil
}

// record changes the deliveries of the attestation and writes them at once, on the newest copy
// of the object (read again from the API server after a conflict) (the CustomerAgreement controller writes the same status), with optimistic
// locking; a result is never lost to a conflict, which would resend the message.
func (r *LinkDeliveryReconciler) record(ctx context.Context, ca *v1alpha1.CustomerAgreement, change func(*v1alpha1.AttestationStatus)) error {
	handle := ca.Status.Attestation.Handle
	first := true
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !first {
			if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(ca), ca); err != nil {
				return err
			}
		}
		first = false
		if ca.Status.Attestation == nil || ca.Status.Attestation.Handle != handle {
			return nil // the attestation was replaced meanwhile: its deliveries went with it
		}
		before := ca.DeepCopy()
		change(ca.Status.Attestation)
		if a := ca.Status.Attestation; len(a.Deliveries) > 64 {
			a.Deliveries = a.Deliveries[len(a.Deliveries)-64:]
		}
		setLinkDelivered(ca)
		return r.Client.Status().Patch(ctx, ca, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
}

// settleCondition brings LinkDelivered in line with the attestation in flight when it is not (the
// attestation was replaced or is gone), so that it never describes another attestation.
func (r *LinkDeliveryReconciler) settleCondition(ctx context.Context, ca *v1alpha1.CustomerAgreement) error {
	before := ca.DeepCopy()
	if !setLinkDelivered(ca) {
		return nil
	}
	return r.Client.Status().Patch(ctx, ca, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// setLinkDelivered sets LinkDelivered from the deliveries of the attestation in flight, and
// reports whether it changed.
func setLinkDelivered(ca *v1alpha1.CustomerAgreement) bool {
	st := &ca.Status
	status, reason, msg := linkDelivered(st.Attestation)
	if reason == "" {
		return meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionLinkDelivered)
	}
	return meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: v1alpha1.ConditionLinkDelivered, Status: status,
		Reason: reason, Message: msg, ObservedGeneration: ca.Generation})
}

// linkDeliveredStale reports whether ca's LinkDelivered differs from what its deliveries say.
func linkDeliveredStale(ca *v1alpha1.CustomerAgreement) bool {
	status, reason, msg := linkDelivered(ca.Status.Attestation)
	c := meta.FindStatusCondition(ca.Status.Conditions, v1alpha1.ConditionLinkDelivered)
	if c == nil {
		return reason != ""
	}
	return c.Status != status || c.Reason != reason || c.Message != msg
}

// linkDelivered summarizes the deliveries of the attestation in flight: a channel that gave up
// makes it False, sent messages True; no deliveries, no condition.
func linkDelivered(a *v1alpha1.AttestationStatus) (metav1.ConditionStatus, string, string) {
	if a == nil || len(a.Deliveries) == 0 {
		return "", "", ""
	}
	sent := 0
	for _, d := range a.Deliveries {
		if d.Failure != "" {
			return metav1.ConditionFalse, v1alpha1.ReasonLinkDeliveryFailed, fmt.Sprintf(
				"The %s channel gave up on the %s message of attestation %s: %s", d.Channel, d.Kind, a.Handle, d.Failure)
		}
		if d.SentAt != nil {
			sent++
		}
	}
	if sent == 0 {
		return "", "", ""
	}
	return metav1.ConditionTrue, v1alpha1.ReasonLinkDelivered, fmt.Sprintf("%d message(s) about attestation %s sent.", sent, a.Handle)
}

func findDelivery(a *v1alpha1.AttestationStatus, id string) *v1alpha1.Delivery {
	for i := range a.Deliveries {
		if a.Deliveries[i].MessageID == id {
			return &a.Deliveries[i]
		}
	}
	return nil
}

func (r *LinkDeliveryReconciler) attempt(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attempts == nil {
		r.attempts = map[string]int{}
	}
	r.attempts[id]++
	return r.attempts[id]
}

func (r *LinkDeliveryReconciler) peekAttempts(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[id]
}

func (r *LinkDeliveryReconciler) forgetAttempts(id string) {
	r.mu.Lock()
	delete(r.attempts, id)
	r.mu.Unlock()
}

func (r *LinkDeliveryReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the controller: a CustomerAgreement is reconciled when its
// attestation or its delivery settings change, when its PartnerTenant's spec changes, when the
// labels of its namespace or of a rival's namespace change (it may lose the namespace's
// permission or its claim), and when the tenant's send queue grants one of its messages.
func (r *LinkDeliveryReconciler) SetupWithManager(mgr manager.Manager) error {
	r.granted = make(chan event.GenericEvent, 1024)
	keys, err := newCustomerKeys(context.Background(), mgr.GetCache())
	if err != nil {
		return err
	}
	r.keys = keys
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		r.Queue.Run(ctx, func(it delivery.Item) {
			ca := &v1alpha1.CustomerAgreement{}
			ca.Namespace, ca.Name = it.Object.Namespace, it.Object.Name
			select {
			case r.granted <- event.GenericEvent{Object: ca}:
			case <-ctx.Done():
			}
		})
		return nil
	})); err != nil {
		return err
	}
	b := builder.ControllerManagedBy(mgr)
	if acquired := r.Tenants.Subscribe(); acquired != nil {
		b = b.WatchesRawSource(source.Channel(acquired, handler.EnqueueRequestsFromMapFunc(r.customersOf)))
	}
	return b.
		For(&v1alpha1.CustomerAgreement{}, builder.WithPredicates(attestationChanged())).
		Watches(&v1alpha1.PartnerTenant{}, handler.EnqueueRequestsFromMapFunc(r.customersOf), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.customersIn), builder.OnlyMetadata, builder.WithPredicates(namespaceLabelsChanged())).
		WatchesRawSource(source.Channel(r.granted, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Named("linkdelivery").
		Complete(r)
}

func (r *LinkDeliveryReconciler) customersOf(ctx context.Context, o client.Object) []reconcile.Request {
	return r.keys.requests(ctx, r.Client, partnerTenantRefField, o.GetName(), client.ObjectKey{})
}

// customersIn lists the CustomerAgreements of a namespace whose labels changed, with every other
// CustomerAgreement of their customers.
func (r *LinkDeliveryReconciler) customersIn(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CustomerAgreementList
	if err := r.Client.List(ctx, &list, client.InNamespace(o.GetName()), client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "listing the CustomerAgreements of a namespace", "namespace", o.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		reqs = append(reqs, r.keys.requests(ctx, r.Client, customerTenantIDField, norm(list.Items[i].Spec.CustomerTenantID), client.ObjectKey{})...)
	}
	return reqs
}

// attestationChanged passes creations and the updates that change what is to be delivered (the
// attestation's link Secret or expiry, or the spec), and those whose LinkDelivered does not match
// their deliveries.
func attestationChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*v1alpha1.CustomerAgreement)
			n, ok2 := e.ObjectNew.(*v1alpha1.CustomerAgreement)
			if !ok1 || !ok2 {
				return true
			}
			if o.Generation != n.Generation || o.Annotations[v1alpha1.AnnotationPaused] != n.Annotations[v1alpha1.AnnotationPaused] {
				return true
			}
			if linkDeliveredStale(n) {
				// Another writer's status patch replaced the conditions without it: set it again.
				return true
			}
			oa, na := o.Status.Attestation, n.Status.Attestation
			switch {
			case na == nil:
				// LinkDelivered goes with the attestation.
				return oa != nil
			case oa == nil:
				return true
			}
			return oa.Handle != na.Handle || (oa.LinkSecretRef == nil) != (na.LinkSecretRef == nil) || !oa.ExpiresAt.Equal(na.ExpiresAt)
		},
		DeleteFunc: func(event.DeleteEvent) bool { return false },
	}
}
