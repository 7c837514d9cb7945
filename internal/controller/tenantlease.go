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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The CustomerAgreements created before the admission policies are labelled with their PartnerTenant.
// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=customeragreements,verbs=patch

// Timings of the PartnerTenant Leases. A holder renews every RetryPeriod (0.2 writes/s per
// PartnerTenant) and gives up after RenewDeadline without a renewal; another manager takes a Lease
// over LeaseDuration after its last renewal.
const (
	TenantLeaseDuration = 30 * time.Second
	TenantRenewDeadline = 20 * time.Second
	TenantRetryPeriod   = 5 * time.Second
)

// conflictReportEvery repeats the ShardConflict event while the conflict lasts, well within an
// event's lifetime (an hour by default).
const conflictReportEvery = 10 * time.Minute

// drainTimeout bounds how long a stopping manager waits for its reconciles of a PartnerTenant to
// end before it releases the PartnerTenant's Lease (the manager's graceful shutdown timeout).
const drainTimeout = 30 * time.Second

// partnerTenantRefSelectable is the CustomerAgreements' selectable field that names their
// PartnerTenant (a field selector the API server evaluates).
const partnerTenantRefSelectable = "spec.partnerTenantRef.name"

// TenantLeases gives each PartnerTenant one writer among all the managers of a cluster: a manager
// holds a coordination.k8s.io Lease per PartnerTenant it serves, and makes no Partner Center call
// and no write for a PartnerTenant whose Lease it does not hold. Two shards misconfigured to name
// the same PartnerTenant therefore never both write for it; the one refused says so in a
// ShardConflict event on the PartnerTenant. The Leases are client-go's leader election, one
// election per PartnerTenant. A nil *TenantLeases lets every reconcile through (unit tests).
type TenantLeases struct {
	// Leases reads and writes the Leases in Namespace.
	Leases    coordinationv1client.LeasesGetter
	Namespace string
	// Identity names this manager in the Leases it holds.
	Identity string
	// Serve names the PartnerTenants this manager serves (--partner-tenants); empty: all.
	Serve []string
	// Client reads PartnerTenants (the cache) and labels CustomerAgreements; APIReader finds, past
	// the cache, the CustomerAgreements whose label is missing or wrong.
	Client    client.Client
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	Log       logr.Logger
	// LeaseDuration, RenewDeadline and RetryPeriod default to the Tenant* constants.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration

	mu      sync.Mutex
	ctx     context.Context // set by Start: leases are taken from then on
	tenants map[string]*tenantLease
	subs    []chan event.GenericEvent
}

type tenantLease struct {
	cancel  context.CancelFunc
	done    chan struct{}
	held    bool
	renewed time.Time // when the last successful renewal was sent
	// inflight counts the reconciles that entered: the Lease is released after they end.
	inflight int
	// holder and holderRenewed are the Lease's holder and renew time as last read.
	holder        string
	holderRenewed time.Time
}

// LeaseName is the name of the Lease of the PartnerTenant named name: "mca-partnertenant-" and the
// name, or, when that would exceed an object name's 253 characters, a prefix of the name and the
// first 16 hex digits of its SHA-256.
func LeaseName(name string) string {
	const prefix, maxName = "mca-partnertenant-", 253
	if len(prefix)+len(name) <= maxName {
		return prefix + name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:8])
	return prefix + name[:maxName-len(prefix)-len(h)-1] + "-" + h
}

// Serves reports whether this manager serves the PartnerTenant named name.
func (t *TenantLeases) Serves(name string) bool {
	return t == nil || len(t.Serve) == 0 || slices.Contains(t.Serve, name)
}

// Sharded reports whether this manager serves named PartnerTenants only.
func (t *TenantLeases) Sharded() bool { return t != nil && len(t.Serve) > 0 }

// Subscribe returns a channel that carries each PartnerTenant whose Lease this manager acquires,
// so that its controllers reconcile what they left while another manager (or none) held it.
// Call it before the manager starts.
func (t *TenantLeases) Subscribe() <-chan event.GenericEvent {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan event.GenericEvent, 16)
	t.subs = append(t.subs, ch)
	return ch
}

// Enter admits a reconcile for the PartnerTenant named name when this manager holds its Lease;
// leave ends it. Without the Lease it returns false, and the reconcile makes no call and no write
// (acquiring the Lease brings the PartnerTenant's objects back through Subscribe).
func (t *TenantLeases) Enter(name string) (leave func(), ok bool) {
	if t == nil {
		return func() {}, true
	}
	if !t.Serves(name) {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.ensure(name)
	if l == nil || !t.heldNow(l) {
		return nil, false
	}
	l.inflight++
	return func() {
		t.mu.Lock()
		l.inflight--
		t.mu.Unlock()
	}, true
}

// Held reports whether this manager holds the PartnerTenant's Lease now: checked again just
// before each write to Partner Center and before each status write.
func (t *TenantLeases) Held(name string) bool {
	if t == nil {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.tenants[name]
	return l != nil && t.heldNow(l)
}

// heldNow: acquired, not lost, and renewed within the renew deadline (a holder whose renewals
// fail stops acting before another manager may take the Lease over). t.mu is held.
func (t *TenantLeases) heldNow(l *tenantLease) bool {
	return l.held && time.Since(l.renewed) < t.renewDeadline()
}

// Start takes the Leases of the PartnerTenants this manager serves (of every PartnerTenant when
// it is not sharded: the others as they appear) and, when ctx ends, releases each once the
// reconciles in flight for it have ended. It runs on the elected leader only.
func (t *TenantLeases) Start(ctx context.Context) error {
	names := t.Serve
	if len(names) == 0 {
		var list v1alpha1.PartnerTenantList
		if err := t.Client.List(ctx, &list); err != nil {
			return fmt.Errorf("listing the PartnerTenants: %w", err)
		}
		for i := range list.Items {
			names = append(names, list.Items[i].Name)
		}
	}
	t.mu.Lock()
	t.ctx = ctx
	for _, name := range names {
		t.ensure(name)
	}
	t.mu.Unlock()
	<-ctx.Done()
	t.mu.Lock()
	all := make([]string, 0, len(t.tenants))
	for name := range t.tenants {
		all = append(all, name)
	}
	t.mu.Unlock()
	for _, name := range all {
		t.stop(name)
	}
	return nil
}

// Forget stops serving a deleted PartnerTenant (when not sharded: a shard keeps the Leases of the
// PartnerTenants it names, existing or not).
func (t *TenantLeases) Forget(name string) {
	if t == nil || t.Sharded() {
		return
	}
	t.stop(name)
}

// stop drains and releases one Lease: no reconcile enters any more, those in flight end (up to
// drainTimeout), then the election's context ends and client-go releases the Lease.
func (t *TenantLeases) stop(name string) {
	t.mu.Lock()
	l := t.tenants[name]
	if l == nil {
		t.mu.Unlock()
		return
	}
	l.held = false
	delete(t.tenants, name)
	t.mu.Unlock()
	deadline := time.Now().Add(drainTimeout)
	for {
		t.mu.Lock()
		n := l.inflight
		t.mu.Unlock()
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	l.cancel()
	<-l.done
}

// ensure starts the election of name's Lease once Start ran (nil before). t.mu is held.
func (t *TenantLeases) ensure(name string) *tenantLease {
	if l := t.tenants[name]; l != nil || t.ctx == nil || t.ctx.Err() != nil {
		return l
	}
	// The election outlives the manager's context: it is released only after the drain (stop).
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.ctx))
	l := &tenantLease{cancel: cancel, done: make(chan struct{})}
	if t.tenants == nil {
		t.tenants = map[string]*tenantLease{}
	}
	t.tenants[name] = l
	go t.run(ctx, name, l)
	go t.watchConflict(ctx, name, l)
	return l
}

// run holds the election of one Lease until ctx ends, standing again after a loss.
func (t *TenantLeases) run(ctx context.Context, name string, l *tenantLease) {
	defer close(l.done)
	log := t.Log.WithValues("partnerTenant", name, "lease", LeaseName(name), "identity", t.Identity)
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            &renewClock{LeaseLock: t.lock(name), renewed: func(at time.Time) { t.renewed(l, at) }, read: func(r *resourcelock.LeaderElectionRecord) { t.read(l, r) }},
			LeaseDuration:   t.leaseDuration(),
			RenewDeadline:   t.renewDeadline(),
			RetryPeriod:     t.retryPeriod(),
			ReleaseOnCancel: true,
			Name:            LeaseName(name),
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					t.mu.Lock()
					l.held = t.tenants[name] == l
					t.mu.Unlock()
					log.Info("acquired the Lease of the PartnerTenant: serving it")
					t.acquired(ctx, name)
				},
				OnStoppedLeading: func() {
					t.mu.Lock()
					was := l.held
					l.held = false
					t.mu.Unlock()
					if was && ctx.Err() == nil {
						log.Info("lost the Lease of the PartnerTenant: no call and no write for it until it is acquired again")
					}
				},
			},
		})
		if err != nil {
			log.Error(err, "configuring the PartnerTenant's Lease")
			return
		}
		le.Run(ctx)
	}
}

func (t *TenantLeases) renewed(l *tenantLease, at time.Time) {
	t.mu.Lock()
	l.renewed = at
	t.mu.Unlock()
}

func (t *TenantLeases) read(l *tenantLease, r *resourcelock.LeaderElectionRecord) {
	t.mu.Lock()
	l.holder, l.holderRenewed = r.HolderIdentity, r.RenewTime.Time
	t.mu.Unlock()
}

func (t *TenantLeases) lock(name string) *resourcelock.LeaseLock {
	return &resourcelock.LeaseLock{
		LeaseMeta: metav1.ObjectMeta{Namespace: t.Namespace, Name: LeaseName(name)},
		Client:    t.Leases,
		LockConfig: resourcelock.ResourceLockConfig{
			Identity: t.Identity,
		},
		Labels: map[string]string{v1alpha1.LabelPartnerTenant: labelOrEmpty(name)},
	}
}

func labelOrEmpty(name string) string {
	v, _ := v1alpha1.PartnerTenantLabelValue(name)
	return v
}

// acquired labels the PartnerTenant's CustomerAgreements created before the admission policies
// (so that a shard's cache holds them), then hands the PartnerTenant to the controllers.
func (t *TenantLeases) acquired(ctx context.Context, name string) {
	if n, err := t.relabel(ctx, name); err != nil {
		t.Log.Error(err, "labelling the PartnerTenant's CustomerAgreements", "partnerTenant", name)
	} else if n > 0 {
		t.Log.Info("labelled CustomerAgreements with their PartnerTenant", "partnerTenant", name, "count", n, "label", v1alpha1.LabelPartnerTenant)
	}
	t.mu.Lock()
	subs := slices.Clone(t.subs)
	t.mu.Unlock()
	ev := event.GenericEvent{Object: &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: name}}}
	for _, ch := range subs {
		select {
		case ch <- ev:
		case <-ctx.Done():
			return
		}
	}
}

// relabel sets LabelPartnerTenant on the PartnerTenant's CustomerAgreements that lack it or carry
// another value (removes it where the name does not fit a label), one patch each: the API server
// selects them by field and label, so that a shard finds its unlabelled objects it cannot cache.
func (t *TenantLeases) relabel(ctx context.Context, name string) (int, error) {
	want, fits := v1alpha1.PartnerTenantLabelValue(name)
	req, err := labels.NewRequirement(v1alpha1.LabelPartnerTenant, selection.NotEquals, []string{want})
	if !fits {
		req, err = labels.NewRequirement(v1alpha1.LabelPartnerTenant, selection.Exists, nil)
	}
	if err != nil {
		return 0, err
	}
	opts := &client.ListOptions{
		LabelSelector: labels.NewSelector().Add(*req),
		FieldSelector: fields.OneTermEqualSelector(partnerTenantRefSelectable, name),
		Limit:         500,
	}
	patched := 0
	for {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("CustomerAgreementList"))
		if err := t.APIReader.List(ctx, list, opts); err != nil {
			return patched, err
		}
		for i := range list.Items {
			if err := t.label(ctx, &list.Items[i], name, want, fits); err != nil {
				return patched, err
			}
			patched++
		}
		if list.Continue == "" {
			return patched, nil
		}
		opts.Continue = list.Continue
	}
}

// label patches one object's LabelPartnerTenant on the resourceVersion it was read at, so that
// the label follows the spec.partnerTenantRef that was read. An object changed meanwhile (its
// status written by a reconcile, most often) is read again and patched again while it still
// names the PartnerTenant and lacks the label: leaving it would make every later acquisition
// (a restart) label it then.
func (t *TenantLeases) label(ctx context.Context, o *metav1.PartialObjectMetadata, name, want string, fits bool) error {
	var value any
	if fits {
		value = want
	}
	rv := o.ResourceVersion
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		body, err := json.Marshal(map[string]any{"metadata": map[string]any{
			"resourceVersion": rv,
			"labels":          map[string]any{v1alpha1.LabelPartnerTenant: value},
		}})
		if err != nil {
			return err
		}
		o.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("CustomerAgreement"))
		err = t.Client.Patch(ctx, o, client.RawPatch(types.MergePatchType, body))
		if apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsConflict(err) {
			return err
		}
		cur := &v1alpha1.CustomerAgreement{}
		if gerr := t.APIReader.Get(ctx, client.ObjectKeyFromObject(o), cur); gerr != nil {
			return client.IgnoreNotFound(gerr)
		}
		got, has := cur.Labels[v1alpha1.LabelPartnerTenant]
		if cur.Spec.PartnerTenantRef.Name != name || (fits && got == want) || (!fits && !has) {
			return nil
		}
		rv = cur.ResourceVersion
		return err
	})
}

// watchConflict reports, in a ShardConflict event on the PartnerTenant, that another live manager
// holds its Lease: one seen renewing it (unlike the previous leader of this shard after a
// failover, whose Lease merely runs out).
func (t *TenantLeases) watchConflict(ctx context.Context, name string, l *tenantLease) {
	tick := time.NewTicker(t.retryPeriod())
	defer tick.Stop()
	var seen, reported string
	var seenRenewed, reportedAt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		holder, renewed, held := l.holder, l.holderRenewed, t.heldNow(l)
		t.mu.Unlock()
		if held {
			holder = ""
		}
		alive := holder == seen && renewed.After(seenRenewed)
		seen, seenRenewed = holder, renewed
		if holder == "" || holder == t.Identity || !alive {
			continue
		}
		if holder == reported && time.Since(reportedAt) < conflictReportEvery {
			continue
		}
		reported, reportedAt = holder, time.Now()
		t.reportConflict(ctx, name, holder)
	}
}

func (t *TenantLeases) reportConflict(ctx context.Context, name, holder string) {
	msg := fmt.Sprintf("Lease %s/%s of this PartnerTenant is held by %s, so manager %s makes no Partner Center call and no write for it. "+
		"Two managers serve this PartnerTenant: name it in the --partner-tenants of one shard only (and run no unsharded manager beside the shards).",
		t.Namespace, LeaseName(name), holder, t.Identity)
	t.Log.Info("another manager holds the PartnerTenant's Lease", "partnerTenant", name, "holder", holder, "identity", t.Identity)
	pt := &v1alpha1.PartnerTenant{}
	if err := t.Client.Get(ctx, types.NamespacedName{Name: name}, pt); err != nil {
		return
	}
	t.Recorder.Eventf(pt, nil, corev1.EventTypeWarning, v1alpha1.ReasonShardConflict, "Serve", "%s", msg)
}

func (t *TenantLeases) leaseDuration() time.Duration {
	if t.LeaseDuration > 0 {
		return t.LeaseDuration
	}
	return TenantLeaseDuration
}

func (t *TenantLeases) renewDeadline() time.Duration {
	if t.RenewDeadline > 0 {
		return t.RenewDeadline
	}
	return TenantRenewDeadline
}

func (t *TenantLeases) retryPeriod() time.Duration {
	if t.RetryPeriod > 0 {
		return t.RetryPeriod
	}
	return TenantRetryPeriod
}

// renewClock is the Lease lock that notes when each of this manager's writes of the Lease that
// keep it the holder was sent: client-go tells whether the election was won, not how fresh the
// hold is, and a hold is trusted only within the renew deadline of its last renewal.
type renewClock struct {
	*resourcelock.LeaseLock
	renewed func(time.Time)
	// read hears each record read (who holds the Lease, renewed when), for watchConflict.
	read func(*resourcelock.LeaderElectionRecord)
}

func (r *renewClock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := r.LeaseLock.Get(ctx)
	if err == nil {
		r.read(rec)
	}
	return rec, raw, err
}

func (r *renewClock) Create(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	sent := time.Now()
	err := r.LeaseLock.Create(ctx, ler)
	if err == nil && ler.HolderIdentity == r.Identity() {
		r.renewed(sent)
	}
	return err
}

func (r *renewClock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	sent := time.Now()
	err := r.LeaseLock.Update(ctx, ler)
	if err == nil && ler.HolderIdentity == r.Identity() {
		r.renewed(sent)
	}
	return err
}
