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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// CustomerLister is the part of a Partner Center client that reads the partner's customers list
// page by page (*partnercenter.Client; a client without it reports no coverage).
type CustomerLister interface {
	ListCustomersPage(ctx context.Context, pageSize int, cur *pc.CustomersCursor, opts ...pc.CallOption) (pc.CustomersPage, *pc.CustomersCursor, error)
}

// Defaults of the CoverageReconciler.
const (
	DefaultCoverageInterval = time.Hour
	defaultCoveragePageSize = 100
	defaultCoverageSlice    = 2 * time.Second
	defaultCoverageRetry    = 5 * time.Minute
)

// coverageKey names the customers list among a tenant's background reads.
const coverageKey = "customers"

// CoverageReconciler reads each PartnerTenant's customers list in Partner Center at most once
// every Interval and writes status.customers (its only writer): how many customers with a
// reseller relationship Partner Center holds, how many a CustomerAgreement manages (mca.Coverage),
// and the first unmanaged ones; mca_customers carries the counts.
//
// The list is the lowest class of the tenant's rate (partnercenter.AsBackground): each page takes
// a token only when the tenant's bucket is full, so it never delays a first read, a write or a
// poll, and a deferred page holds no worker. A reconcile reads pages for at most Slice, then
// leaves the worker to others and comes back: at 100,000 customers (1,000 pages) the list runs
// in many short turns. Between turns the list keeps its cursor and counts in memory (no customer
// ids but the first few unmanaged), so that memory does not grow with the customers; whether a
// customer is managed is looked up in the cache's index of CustomerAgreements by customer.
type CoverageReconciler struct {
	Client  client.Client
	Clients *Clients
	// Tenants admits the PartnerTenants whose Lease this manager holds (nil: all): a shard counts
	// for those only.
	Tenants *TenantLeases
	// Interval is the least time between two complete lists of a tenant (default 1h).
	Interval time.Duration
	// PageSize is the customers per page (default 100).
	PageSize int
	// Slice is how long one reconcile reads pages (default 2s).
	Slice time.Duration
	// RetryInterval is the wait after a failed list, which starts over (default 5m).
	RetryInterval time.Duration
	Now           func() time.Time

	mu    sync.Mutex
	scans map[string]*coverageScan
}

// coverageScan is one PartnerTenant's list in progress.
type coverageScan struct {
	uid        types.UID
	generation int64
	cursor     *pc.CustomersCursor
	tally      mca.Coverage
}

// Reconcile implements reconcile.Reconciler.
func (r *CoverageReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	pt := &v1alpha1.PartnerTenant{}
	if err := r.Client.Get(ctx, req.NamespacedName, pt); err != nil {
		if apierrors.IsNotFound(err) {
			r.drop(req.Name)
			metrics.ForgetCoverage(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	leave, ok := r.Tenants.Enter(pt.Name)
	if !ok {
		// Another manager counts for it; acquiring the Lease brings the PartnerTenant back.
		r.drop(pt.Name)
		metrics.ForgetCoverage(pt.Name)
		return reconcile.Result{}, nil
	}
	defer leave()
	if last := pt.Status.Customers; last != nil {
		metrics.SetCoverage(pt.Name, last.Managed, last.Unmanaged)
	}
	cl, err := r.Clients.For(pt)
	if err != nil || !meta.IsStatusConditionTrue(pt.Status.Conditions, v1alpha1.ConditionReady) {
		// The PartnerTenant controller reports why; the list waits until the tenant is Ready
		// (a change of readiness brings it back).
		return reconcile.Result{}, nil
	}
	lister, ok := cl.(CustomerLister)
	if !ok {
		return reconcile.Result{}, nil
	}
	scan, wait := r.scanOf(pt)
	if scan == nil {
		return reconcile.Result{RequeueAfter: wait}, nil
	}
	return r.list(ctx, pt, lister, scan)
}

// scanOf is the PartnerTenant's list in progress, or a new one when a list is due; nil and the
// time until one is due otherwise. A change of the PartnerTenant's spec starts the list over.
func (r *CoverageReconciler) scanOf(pt *v1alpha1.PartnerTenant) (*coverageScan, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.scans[pt.Name]; s != nil && s.uid == pt.UID && s.generation == pt.Generation {
		return s, 0
	}
	delete(r.scans, pt.Name)
	due, wait := mca.CoverageDue(pt.Status.Customers, r.now(), r.interval())
	if !due {
		return nil, wait
	}
	s := &coverageScan{uid: pt.UID, generation: pt.Generation}
	if r.scans == nil {
		r.scans = map[string]*coverageScan{}
	}
	r.scans[pt.Name] = s
	return s, 0
}

func (r *CoverageReconciler) drop(name string) {
	r.mu.Lock()
	delete(r.scans, name)
	r.mu.Unlock()
}

// list reads pages of the customers list for one slice, counting each page's customers, and
// writes status.customers when the last page is read.
func (r *CoverageReconciler) list(ctx context.Context, pt *v1alpha1.PartnerTenant, lister CustomerLister, scan *coverageScan) (reconcile.Result, error) {
	until := time.Now().Add(r.slice())
	for {
		page, next, err := lister.ListCustomersPage(ctx, r.pageSize(), scan.cursor, pc.AsBackground(coverageKey))
		if err != nil {
			return r.failed(ctx, pt, scan, err), nil
		}
		if err := r.count(ctx, pt, page, &scan.tally); err != nil {
			return reconcile.Result{}, err
		}
		if next == nil {
			return r.complete(ctx, pt, scan)
		}
		scan.cursor = next
		if !time.Now().Before(until) {
			// The worker goes to others; the list goes on at its next turn.
			return reconcile.Result{RequeueAfter: time.Millisecond}, nil
		}
	}
}

// failed handles a page not read: deferred (the tenant's rate had no token to spare) or
// throttled, the list goes on later from where it stands; any other failure (a continuation
// token Partner Center no longer honours, say) starts it over after RetryInterval.
func (r *CoverageReconciler) failed(ctx context.Context, pt *v1alpha1.PartnerTenant, scan *coverageScan, err error) reconcile.Result {
	if after, ok := pc.RetryAfter(err); ok && (pc.KindOf(err) == pc.KindResyncDeferred || pc.KindOf(err) == pc.KindThrottled) {
		return reconcile.Result{RequeueAfter: max(after, time.Millisecond)}
	}
	logf.FromContext(ctx).Info("the customers list failed; it starts over later", "pages", pageOf(scan.cursor), "retryAfter", r.retryInterval(), "error", err.Error())
	r.drop(pt.Name)
	return reconcile.Result{RequeueAfter: r.retryInterval()}
}

func pageOf(c *pc.CustomersCursor) int {
	if c == nil {
		return 0
	}
	return c.Pages()
}

// count adds a page's customers to the tally.
func (r *CoverageReconciler) count(ctx context.Context, pt *v1alpha1.PartnerTenant, page pc.CustomersPage, tally *mca.Coverage) error {
	var lookupErr error
	for _, c := range page.Customers {
		id := norm(c.TenantID)
		tally.Count(id, c.IsReseller(), func() bool {
			managed, err := r.managed(ctx, pt, id)
			if err != nil && lookupErr == nil {
				lookupErr = err
			}
			return managed
		})
	}
	return lookupErr
}

// managed reports whether a CustomerAgreement in the cache manages the customer for pt's partner
// tenant id: one that could claim it (claims), in any namespace that its PartnerTenant allows.
func (r *CoverageReconciler) managed(ctx context.Context, pt *v1alpha1.PartnerTenant, customerID string) (bool, error) {
	var list v1alpha1.CustomerAgreementList
	if err := r.Client.List(ctx, &list, client.MatchingFields{customerTenantIDField: customerID}, client.UnsafeDisableDeepCopy); err != nil {
		return false, err
	}
	for i := range list.Items {
		ok, err := claims(ctx, r.Client, &list.Items[i], pt.Spec.TenantID)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// complete writes the counts of a list read to its end, and waits for the next.
func (r *CoverageReconciler) complete(ctx context.Context, pt *v1alpha1.PartnerTenant, scan *coverageScan) (reconcile.Result, error) {
	if !r.Tenants.Held(pt.Name) {
		r.drop(pt.Name)
		return reconcile.Result{}, nil
	}
	before := pt.DeepCopy()
	pt.Status.Customers = scan.tally.Status(r.now())
	if err := r.Client.Status().Patch(ctx, pt, client.MergeFrom(before)); err != nil {
		return reconcile.Result{}, err // the counts are kept: the retry writes them
	}
	r.drop(pt.Name)
	metrics.SetCoverage(pt.Name, scan.tally.Managed, scan.tally.Unmanaged)
	return reconcile.Result{RequeueAfter: r.interval()}, nil
}

func (r *CoverageReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *CoverageReconciler) interval() time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	return DefaultCoverageInterval
}

func (r *CoverageReconciler) pageSize() int {
	if r.PageSize > 0 {
		return r.PageSize
	}
	return defaultCoveragePageSize
}

func (r *CoverageReconciler) slice() time.Duration {
	if r.Slice > 0 {
		return r.Slice
	}
	return defaultCoverageSlice
}

func (r *CoverageReconciler) retryInterval() time.Duration {
	if r.RetryInterval > 0 {
		return r.RetryInterval
	}
	return defaultCoverageRetry
}

// SetupWithManager registers the controller: a PartnerTenant is reconciled when it is created,
// when its spec (the list starts over) or readiness changes and when this manager acquires its
// Lease; the
// reconcile itself brings it back when the next list is due. It relies on the index of
// CustomerAgreements by customer that the CustomerAgreement controller registers.
func (r *CoverageReconciler) SetupWithManager(mgr manager.Manager) error {
	b := builder.ControllerManagedBy(mgr).
		For(&v1alpha1.PartnerTenant{}, builder.WithPredicates(partnerTenantChanged()))
	if acquired := r.Tenants.Subscribe(); acquired != nil {
		b = b.WatchesRawSource(source.Channel(acquired, &handler.EnqueueRequestForObject{}))
	}
	return b.
		WithOptions(controller.Options{MaxConcurrentReconciles: 1}).
		Named("customercoverage").
		Complete(r)
}
