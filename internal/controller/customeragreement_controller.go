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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
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
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// Fields the CustomerAgreements are indexed by.
const (
	partnerTenantRefField = ".spec.partnerTenantRef.name"
	// customerTenantIDField is also a selectable field of the CRD, so that a list from the API
	// server (uncached) selects one customer's CustomerAgreements by the same name.
	customerTenantIDField = "spec.customerTenantId"
)

// statusWriteTimeout bounds the status write that records what a reconcile did; it runs even
// when the reconcile's own deadline has passed, so that a write to Partner Center is not forgotten.
const statusWriteTimeout = 10 * time.Second

// CustomerAgreementReconciler converges one customer's MCA acceptance. The path of a reconcile:
// may it act at all (customeragreement_access.go), what Partner Center holds
// (customeragreement_observe.go), the decision (package mca), the write (customeragreement_act.go),
// and its projection onto status and conditions (customeragreement_status.go).
type CustomerAgreementReconciler struct {
	Client client.Client
	// APIReader reads the API server without the cache: just before each write to Partner Center
	// the namespace's admission is checked again through it (nil: Client).
	APIReader client.Reader
	Clients   *Clients
	Recorder  recorder.EventRecorder
	Policy    mca.Policy
	// CredentialsNamespace holds the acceptance-link Secrets.
	CredentialsNamespace string
	// ResyncInterval re-reads a settled customer, at its own slot of the interval (mca.NextResync):
	// a tenant's resyncs are spread evenly over it, across restarts too. PollInterval checks a
	// young attestation in flight; the interval grows with the link's age up to PollMaxInterval.
	ResyncInterval  time.Duration
	PollInterval    time.Duration
	PollMaxInterval time.Duration
	// MinReadInterval is the least time between two reconciles of one object that read Partner
	// Center, unless its spec changed: an annotation (reconcile-now) cannot spend the tenant's quota.
	MinReadInterval time.Duration
	// ReconcileTimeout bounds one reconcile, so that a slow tenant cannot hold the shared workers.
	ReconcileTimeout time.Duration
	Now              func() time.Time
	// PartnerTenantChecks asks the PartnerTenant controller to re-check a tenant whose
	// credentials failed during a customer's reconcile.
	PartnerTenantChecks chan event.GenericEvent
	Metrics             *metrics.CustomerTracker
	// MaxConcurrentReconciles bounds the reconciles in flight (Partner Center is rate limited per
	// tenant by the client; this bounds the goroutines waiting for it).
	MaxConcurrentReconciles int
	// Records writes the AttestationRecord of each write to Partner Center (nil: one built from
	// Client and APIReader at first use).
	Records *Records
	// Tenants admits the reconciles of the PartnerTenants whose Lease this manager holds (nil: all).
	Tenants *TenantLeases

	recordsOnce sync.Once
	reads       readBudget
	fullReads   readBudget
	refusals    refusalCounter
	ids         idBook
	// keys finds customers by the cache's indexes (nil: by lists).
	keys *customerKeys
}

// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=customeragreements,verbs=get;list;watch
// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=customeragreements/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// scope carries one reconcile.
type scope struct {
	r   *CustomerAgreementReconciler
	ca  *v1alpha1.CustomerAgreement
	now time.Time
	// pt and intent (attestationIntent of the spec) are set once the PartnerTenant was read; pc
	// and templateID once Partner Center was reached.
	pt         *v1alpha1.PartnerTenant
	intent     string
	pc         PartnerCenter
	templateID string
	// settled: the status read shows the customer settled under its current spec (mca.Settled);
	// its reads are a resync's. untilSlot (>0): the reconcile read nothing and waits that long
	// for the customer's resync slot.
	settled   bool
	untilSlot time.Duration
	// lastRead is the read on record before this reconcile took one (had: there was one): put
	// back when the tenant's rate had no room and nothing was sent, so that the read keeps its turn.
	lastRead    readMark
	hadLastRead bool
}

// Reconcile implements reconcile.Reconciler.
func (r *CustomerAgreementReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ca := &v1alpha1.CustomerAgreement{}
	if err := r.Client.Get(ctx, req.NamespacedName, ca); err != nil {
		if apierrors.IsNotFound(err) {
			// Deleting a CustomerAgreement never touches Partner Center: there is nothing to delete.
			// Its acceptance link goes with it.
			r.metrics().Delete(req.NamespacedName)
			return reconcile.Result{}, r.sweepLinks(ctx, req.NamespacedName)
		}
		return reconcile.Result{}, err
	}
	if !ca.DeletionTimestamp.IsZero() {
		r.reads.forget(ca.UID)
		r.fullReads.forget(ca.UID)
		r.ids.forget(ca.UID)
		return reconcile.Result{}, nil
	}
	leave, ok := r.Tenants.Enter(ca.Spec.PartnerTenantRef.Name)
	if !ok {
		// Another manager holds the PartnerTenant's Lease (or none yet): no call, no write here.
		// Acquiring the Lease brings the PartnerTenant's customers back.
		return reconcile.Result{}, nil
	}
	defer leave()
	before := ca.DeepCopy()
	s := &scope{r: r, ca: ca, now: r.now(), settled: mca.Settled(&ca.Status, ca.Generation)}
	rctx, cancel := context.WithTimeout(ctx, r.reconcileTimeout())
	ob, o := s.reconcile(rctx)
	cancel()
	if o.deferred {
		r.reads.restore(ca, s.lastRead, s.hadLastRead)
	}
	changed := r.project(s, &before.Status, ob, o)
	res, err := r.result(s, o)

	if changed && r.Tenants.Held(ca.Spec.PartnerTenantRef.Name) {
		wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
		perr := r.Client.Status().Patch(wctx, ca, client.MergeFrom(before))
		wcancel()
		if perr != nil {
			if apierrors.IsInvalid(perr) {
				// The API server refused the status: retrying at once would fail the same way. The
				// writes of this reconcile repeat their request ids, so a later retry acts no twice.
				logf.FromContext(ctx).Error(perr, "the API server refused the status; retrying later")
				return reconcile.Result{RequeueAfter: max(r.PollInterval, time.Minute)}, nil
			}
			return reconcile.Result{}, perr
		}
		r.recordTransitions(before, ca)
	}
	r.metrics().Set(req.NamespacedName, metricsInfo(ca))
	return res, err
}

// reconcile observes and acts; it returns what it observed and what it did, for project.
func (s *scope) reconcile(ctx context.Context) (observation, *outcome) {
	var ob observation
	if s.ca.Annotations[v1alpha1.AnnotationPaused] == "true" {
		return ob, &outcome{kind: kindPaused}
	}
	if o := s.partnerTenant(ctx); o != nil {
		return ob, s.withoutLink(ctx, o)
	}
	s.intent = attestationIntent(s.pt.Spec.TenantID, s.ca.Spec)
	owner, o := s.claim(ctx)
	if o != nil {
		return ob, o
	}
	if owner != "" {
		return ob, s.yield(ctx, owner)
	}
	// The budget and the slots count real time, not the rules' clock (which tests and flags may
	// move).
	if s.settled {
		if s.untilSlot = s.r.firstResync(s.ca, time.Now()); s.untilSlot > 0 {
			return ob, &outcome{kind: kindUnchanged}
		}
		ctx = pc.ResyncContext(ctx)
	}
	s.lastRead, s.hadLastRead = s.r.reads.last(s.ca)
	if wait := s.r.reads.take(s.ca, time.Now(), s.r.MinReadInterval); wait > 0 {
		return ob, &outcome{kind: kindUnchanged, retryAfter: wait}
	}
	cl, err := s.r.Clients.For(s.pt)
	if err != nil {
		return ob, s.failed(err)
	}
	s.pc = cl
	md, err := s.pc.GetAgreementMetadata(ctx)
	if err != nil {
		return ob, s.failed(err)
	}
	s.templateID = md.TemplateID
	ob, err = s.observe(ctx)
	if err != nil {
		return ob, s.failed(err)
	}
	return ob, s.act(ctx, s.r.Policy.Decide(s.situation(ob)), ob)
}

func (s *scope) situation(ob observation) mca.Situation {
	spec := s.ca.Spec
	sit := mca.Situation{
		Standing:             ob.standing,
		LinkMissing:          ob.linkMissing,
		CreatedUnseenSince:   ob.createdUnseenSince,
		ManagementPolicy:     spec.ManagementPolicy,
		Method:               spec.Method,
		PartnerType:          s.pt.Spec.PartnerType,
		HasSignatory:         spec.Signatory != nil,
		Attestation:          ob.current,
		AcceptedAttestation:  ob.accepted != nil,
		AttestationsInFlight: ob.inFlight,
		PollByCreate:         ob.pollByCreate,
		DuplicateRefused:     s.ca.Status.RefusedSignatory != "" && s.ca.Status.RefusedSignatory == refusedSignatoryKey(spec.Method, spec.Signatory),
		Now:                  s.now,
	}
	if spec.DateAgreed != nil {
		t := spec.DateAgreed.Time
		sit.DateAgreed = &t
	}
	return sit
}

// result turns an outcome into the controller's requeue. A settled customer comes back at its
// resync slot, with the workqueue's low priority (and so does any retry of a resync); a customer
// with work in flight (a poll, a customer awaited) with the default priority, ahead of the
// resyncs; other retries keep the priority they had.
func (r *CustomerAgreementReconciler) result(s *scope, o *outcome) (reconcile.Result, error) {
	res, err := r.requeue(s, o)
	if s.settled && res.Priority == nil {
		res.Priority = ptr.To(handler.LowPriority)
	}
	return res, err
}

func (r *CustomerAgreementReconciler) requeue(s *scope, o *outcome) (reconcile.Result, error) {
	switch {
	case s.untilSlot > 0:
		return resyncAfter(s.untilSlot), nil
	case o.retryAfter > 0:
		return reconcile.Result{RequeueAfter: jitter(o.retryAfter)}, nil
	case o.kind == kindTransient && o.err != nil:
		return reconcile.Result{}, o.err
	case o.kind == kindTransient:
		return reconcile.Result{RequeueAfter: r.PollInterval}, nil
	case o.poll:
		return reconcile.Result{RequeueAfter: s.pollAfter(), Priority: ptr.To(0)}, nil
	case o.kind == kindStalled:
		if o.credentials {
			r.checkPartnerTenant(s.pt)
		}
		if o.notPermitted != "" || o.reason == v1alpha1.ReasonAgreementNotVisible {
			// Keep observing: the indirect provider may attest, the record may show up.
			return resyncAfter(r.untilSlot(s.ca, time.Now())), nil
		}
		return reconcile.Result{}, nil
	case o.awaiting:
		return reconcile.Result{RequeueAfter: r.PollInterval, Priority: ptr.To(0)}, nil
	case o.kind == kindReady || o.kind == kindNotReady || o.reason == v1alpha1.ReasonAwaitingApproval:
		// An act awaiting approval comes back when its record is decided (approvalDecided), else
		// at its resync slot.
		return resyncAfter(r.untilSlot(s.ca, time.Now())), nil
	}
	return reconcile.Result{}, nil
}

func resyncAfter(d time.Duration) reconcile.Result {
	return reconcile.Result{RequeueAfter: d, Priority: ptr.To(handler.LowPriority)}
}

// untilSlot is the time from now to the customer's next resync slot, at least MinReadInterval
// away (a reconcile that runs a moment before its slot does not read twice).
func (r *CustomerAgreementReconciler) untilSlot(ca *v1alpha1.CustomerAgreement, now time.Time) time.Duration {
	from := now.Add(r.MinReadInterval)
	return mca.NextResync(mca.ResyncOffset(string(ca.UID), r.ResyncInterval), r.ResyncInterval, from).Sub(now)
}

// firstResync keeps a customer settled under its current spec to its resync slot: its first
// reconcile in this process (a restart, an upgrade, a failover) counts it as read at its previous
// slot, and any reconcile before its next slot (an event that changes no spec: a label, the
// Lease of its PartnerTenant acquired) reads nothing; a customer read off its slot (onboarded in a
// burst) is read again at its slot, so that the burst is not repeated every interval, and a
// resync that could not be made near its slot waits for the next (mca.ResyncWait). A person's
// reconcile-now annotation reads at once, if given since the last read. It returns the time to
// wait (0: read now).
func (r *CustomerAgreementReconciler) firstResync(ca *v1alpha1.CustomerAgreement, now time.Time) time.Duration {
	if r.ResyncInterval <= 0 {
		return 0
	}
	m, ok := r.reads.last(ca)
	if !ok {
		wait := r.untilSlot(ca, now)
		r.reads.mark(ca, now.Add(wait-r.ResyncInterval))
		return wait
	}
	if m.asked != ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt] {
		return 0
	}
	return mca.ResyncWait(mca.ResyncOffset(string(ca.UID), r.ResyncInterval), r.ResyncInterval, r.MinReadInterval, m.at, now)
}

// pollAfter checks an attestation in flight again: after the poll interval while the link is
// young, less often as it ages (most signatories accept early or not at all), up to the maximum
// interval, and soon after its expiry if that comes first.
func (s *scope) pollAfter() time.Duration {
	a := s.ca.Status.Attestation
	if a == nil {
		return s.r.PollInterval
	}
	return pollInterval(s.r.PollInterval, s.r.PollMaxInterval, s.now, a)
}

// pollInterval grows by a tenth of the link's age: a link an hour old is checked every six
// minutes more than a new one.
func pollInterval(first, maxInterval time.Duration, now time.Time, a *v1alpha1.AttestationStatus) time.Duration {
	after := first
	if a.StartedAt != nil {
		after += now.Sub(a.StartedAt.Time) / 10
	}
	after = max(first, min(after, max(first, maxInterval)))
	if a.ExpiresAt != nil {
		switch until := a.ExpiresAt.Sub(now); {
		case mca.LinkExpired(a.ExpiresAt.Time, 0, now):
			// Expired by our clock: learn Partner Center's word soon, to renew.
			after = first
		case until < after:
			after = until + time.Second
		}
	}
	return after
}

// readBudget remembers when each object last read Partner Center, and for which generation.
type readBudget struct {
	mu    sync.Mutex
	marks map[types.UID]readMark
}

type readMark struct {
	at         time.Time
	generation int64
	// asked is the reconcile-now annotation's value when the mark was made.
	asked string
}

// take spends a read for ca, or returns how long to wait: reads of one generation are at least
// min apart. A new generation (a spec change) reads at once.
func (b *readBudget) take(ca *v1alpha1.CustomerAgreement, now time.Time, min time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m, ok := b.marks[ca.UID]; ok && m.generation == ca.Generation {
		if wait := m.at.Add(min).Sub(now); wait > 0 {
			return wait
		}
	}
	if b.marks == nil {
		b.marks = map[types.UID]readMark{}
	}
	b.marks[ca.UID] = readMark{at: now, generation: ca.Generation, asked: ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt]}
	return 0
}

// last returns the read of ca's generation on record, if any.
func (b *readBudget) last(ca *v1alpha1.CustomerAgreement) (readMark, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.marks[ca.UID]
	return m, ok && m.generation == ca.Generation
}

// mark records a read of ca at now.
func (b *readBudget) mark(ca *v1alpha1.CustomerAgreement, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.marks == nil {
		b.marks = map[types.UID]readMark{}
	}
	b.marks[ca.UID] = readMark{at: now, generation: ca.Generation, asked: ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt]}
}

// restore puts back the read on record before a read that was not made (m, had: as last gave).
func (b *readBudget) restore(ca *v1alpha1.CustomerAgreement, m readMark, had bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if had {
		b.marks[ca.UID] = m
		return
	}
	delete(b.marks, ca.UID)
}

func (b *readBudget) forget(uid types.UID) {
	b.mu.Lock()
	delete(b.marks, uid)
	b.mu.Unlock()
}

func (r *CustomerAgreementReconciler) metrics() *metrics.CustomerTracker {
	if r.Metrics != nil {
		return r.Metrics
	}
	return metrics.Customers
}

func (r *CustomerAgreementReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *CustomerAgreementReconciler) reconcileTimeout() time.Duration {
	if r.ReconcileTimeout > 0 {
		return r.ReconcileTimeout
	}
	return time.Minute
}

// SetupWithManager registers the controller. A CustomerAgreement is reconciled when its spec or
// annotations change; when its PartnerTenant's spec or readiness changes; when the labels of its
// namespace change (watched as metadata only); and when another CustomerAgreement for the same
// customer is created or deleted (the claim may move).
func (r *CustomerAgreementReconciler) SetupWithManager(ctx context.Context, mgr manager.Manager) error {
	if err := indexCustomerAgreements(ctx, mgr.GetCache()); err != nil {
		return err
	}
	keys, err := newCustomerKeys(ctx, mgr.GetCache())
	if err != nil {
		return err
	}
	r.keys = keys
	// The leader ends the retention of the AttestationRecords whose time has passed.
	if err := mgr.Add(&RecordRetention{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Now: r.Now}); err != nil {
		return err
	}
	createOrDelete := predicate.Funcs{
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
	b := builder.ControllerManagedBy(mgr)
	if acquired := r.Tenants.Subscribe(); acquired != nil {
		b = b.WatchesRawSource(source.Channel(acquired, handler.EnqueueRequestsFromMapFunc(r.customersOf)))
	}
	return b.
		For(&v1alpha1.CustomerAgreement{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.CustomerAgreement{}, handler.EnqueueRequestsFromMapFunc(r.rivalsOf), builder.WithPredicates(createOrDelete)).
		Watches(&v1alpha1.PartnerTenant{}, handler.EnqueueRequestsFromMapFunc(r.customersOf), builder.WithPredicates(partnerTenantChanged())).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.customersIn), builder.OnlyMetadata, builder.WithPredicates(namespaceLabelsChanged())).
		Watches(&v1alpha1.AttestationRecord{}, handler.EnqueueRequestsFromMapFunc(recordCustomer), builder.WithPredicates(approvalDecided())).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("customeragreement").
		Complete(r)
}

// namespaceLabelsChanged passes the label changes and deletions of a namespace, not its
// creation: a new namespace holds no CustomerAgreement yet, and when the manager starts, every
// CustomerAgreement is reconciled by its own event. (Listing each namespace's CustomerAgreements
// at the start held a deep copy of all of them at once, at 100,000 customers hundreds of MiB.)
func namespaceLabelsChanged() predicate.Predicate {
	return predicate.And(predicate.LabelChangedPredicate{}, predicate.Predicate(predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}))
}

// rivalsOf lists the other CustomerAgreements naming the same customer.
func (r *CustomerAgreementReconciler) rivalsOf(ctx context.Context, o client.Object) []reconcile.Request {
	ca, ok := o.(*v1alpha1.CustomerAgreement)
	if !ok {
		return nil
	}
	return r.keys.requests(ctx, r.Client, customerTenantIDField, norm(ca.Spec.CustomerTenantID), client.ObjectKeyFromObject(ca))
}

func (r *CustomerAgreementReconciler) customersOf(ctx context.Context, o client.Object) []reconcile.Request {
	return r.keys.requests(ctx, r.Client, partnerTenantRefField, o.GetName(), client.ObjectKey{})
}

// customersIn lists the CustomerAgreements of a namespace whose labels changed, and their rivals
// elsewhere (whether this namespace's claims count changed too).
func (r *CustomerAgreementReconciler) customersIn(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CustomerAgreementList
	if err := r.Client.List(ctx, &list, client.InNamespace(o.GetName()), client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "listing the CustomerAgreements of a namespace", "namespace", o.GetName())
		return nil
	}
	seen := map[types.NamespacedName]bool{}
	var reqs []reconcile.Request
	for i := range list.Items {
		for _, req := range append([]reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}}, r.rivalsOf(ctx, &list.Items[i])...) {
			if !seen[req.NamespacedName] {
				seen[req.NamespacedName] = true
				reqs = append(reqs, req)
			}
		}
	}
	return reqs
}

// customerRequests lists the CustomerAgreements an index selects, but except.
func customerRequests(ctx context.Context, c client.Reader, sel client.MatchingFields, except client.ObjectKey) []reconcile.Request {
	var list v1alpha1.CustomerAgreementList
	// Only the keys are read: no deep copy of what may be every customer of a PartnerTenant
	// (100,000 copies at each of its events).
	if err := c.List(ctx, &list, sel, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "listing CustomerAgreements", "selector", sel)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		key := client.ObjectKeyFromObject(&list.Items[i])
		if key != except {
			reqs = append(reqs, reconcile.Request{NamespacedName: key})
		}
	}
	return reqs
}

// partnerTenantChanged passes PartnerTenant creations, deletions, spec changes and changes of
// readiness; status writes that do not change readiness pass nothing on to the customers.
func partnerTenantChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*v1alpha1.PartnerTenant)
			n, ok2 := e.ObjectNew.(*v1alpha1.PartnerTenant)
			if !ok1 || !ok2 {
				return true
			}
			return o.Generation != n.Generation ||
				meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionReady) != meta.IsStatusConditionTrue(n.Status.Conditions, v1alpha1.ConditionReady)
		},
	}
}

// statusTime is t as the API server stores it (whole seconds), so that comparing a freshly
// computed status with the stored one finds no difference where there is none.
func statusTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}
