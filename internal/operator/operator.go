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

// Package operator wires the manager: scheme, cache, the two reconcilers and the Partner Center
// clients. cmd/manager, the envtest suites, the demo and the benchmark all run this same wiring.
package operator

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/controller"
	"github.com/mca-operator/mca-operator/internal/delivery"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// Options are the manager's settings; Flags binds them to command-line flags.
type Options struct {
	MetricsAddr   string
	SecureMetrics bool
	// MetricsCertPath is the directory holding the metrics server's certificate and key (a
	// cert-manager Certificate's Secret, mounted); empty: a self-signed certificate generated at
	// start. MetricsCertName and MetricsCertKey are the file names in it.
	MetricsCertPath  string
	MetricsCertName  string
	MetricsCertKey   string
	EnableHTTP2      bool
	ProbeAddr        string
	LeaderElection   bool
	LeaderElectionID string
	// LeaderElectionNamespace holds the leader-election Lease; empty: the credentials namespace.
	LeaderElectionNamespace string
	CredentialsNamespace    string
	ResyncInterval          time.Duration
	PollInterval            time.Duration
	PollMaxInterval         time.Duration
	TenantRetryInterval     time.Duration
	// CustomersListInterval is the least time between two reads of a PartnerTenant's customers
	// list (status.customers).
	CustomersListInterval time.Duration
	MinReadInterval       time.Duration
	ReconcileTimeout      time.Duration
	MaxConcurrent         int
	Policy                mca.Policy
	// CAFile is an extra PEM bundle to trust for Partner Center and the token endpoint (for the
	// simulator or a TLS-inspecting proxy), added to the system roots. Verification stays on.
	CAFile string
	// DeliveryCAFile is an extra PEM bundle to trust for the mail relay and the webhook receiver.
	DeliveryCAFile string
	// PartnerTenants are the PartnerTenants this manager serves (a shard); empty: all (shard.go).
	PartnerTenants []string

	// Set by tests, the demo and the benchmark (not flags).
	// SkipNameValidation lets one process start several managers in turn (tests, restarts).
	SkipNameValidation bool
	HTTPClient         *http.Client
	// DeliveryRootCAs verifies the mail relay and the webhook receiver (nil: system roots and
	// DeliveryCAFile).
	DeliveryRootCAs *x509.CertPool
	Now             func() time.Time
	Tune            func(*pc.Config)
	Logger          logr.Logger
}

// GracefulShutdownTimeout is how long the manager lets reconciles finish when it stops. It holds
// a reconcile's status write and the write-back of a rotated refresh token (at most
// partnercenter.MaxRotationWriteBack); the Deployment's terminationGracePeriodSeconds (45) is
// longer still, so that a shutdown cannot lose a rotated token.
const GracefulShutdownTimeout = 30 * time.Second

// DefaultCredentialsNamespace is POD_NAMESPACE, else mca-operator-system.
func DefaultCredentialsNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	return "mca-operator-system"
}

// Defaults returns the options as the flags default them.
func Defaults() Options {
	return Options{
		MetricsAddr:           "0",
		SecureMetrics:         true,
		MetricsCertName:       "tls.crt",
		MetricsCertKey:        "tls.key",
		ProbeAddr:             ":8081",
		LeaderElectionID:      "mca-operator.partnercenter.mca.dev",
		CredentialsNamespace:  DefaultCredentialsNamespace(),
		ResyncInterval:        6 * time.Hour,
		PollInterval:          time.Minute,
		PollMaxInterval:       30 * time.Minute,
		TenantRetryInterval:   2 * time.Minute,
		CustomersListInterval: controller.DefaultCoverageInterval,
		MinReadInterval:       10 * time.Second,
		ReconcileTimeout:      time.Minute,
		MaxConcurrent:         16,
		Policy:                mca.DefaultPolicy(),
	}
}

type dateFlag struct{ t *time.Time }

func (d dateFlag) String() string {
	if d.t == nil {
		return ""
	}
	return d.t.Format("2006-01-02")
}

func (d dateFlag) Set(s string) error {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return fmt.Errorf("want a date as YYYY-MM-DD: %w", err)
	}
	*d.t = t
	return nil
}

// Flags binds o to fs.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, "The address the metrics endpoint binds to: :8443 for HTTPS, :8080 for HTTP, 0 to disable.")
	fs.BoolVar(&o.SecureMetrics, "metrics-secure", o.SecureMetrics, "Serve metrics over HTTPS behind Kubernetes authentication and authorization.")
	fs.StringVar(&o.MetricsCertPath, "metrics-cert-path", o.MetricsCertPath, "The directory that holds the metrics server's certificate and key (empty: a self-signed certificate).")
	fs.StringVar(&o.MetricsCertName, "metrics-cert-name", o.MetricsCertName, "The file name of the metrics server's certificate in --metrics-cert-path.")
	fs.StringVar(&o.MetricsCertKey, "metrics-cert-key", o.MetricsCertKey, "The file name of the metrics server's private key in --metrics-cert-path.")
	fs.BoolVar(&o.EnableHTTP2, "enable-http2", o.EnableHTTP2, "Enable HTTP/2 for the metrics server (off by default: HTTP/2 Stream Cancellation and Rapid Reset CVEs).")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", o.ProbeAddr, "The address the probe endpoint binds to.")
	fs.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "Enable leader election, so that only one manager is active.")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "Name of the leader-election Lease: each shard (--partner-tenants) elects its own leader under its own name.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "Namespace of the leader-election Lease (default: the credentials namespace), so that leader election also works out of a cluster.")
	fs.StringVar(&o.CredentialsNamespace, "credentials-namespace", o.CredentialsNamespace, "Namespace of the PartnerTenant credentials Secrets (default: $POD_NAMESPACE, else mca-operator-system).")
	fs.DurationVar(&o.ResyncInterval, "resync-interval", o.ResyncInterval, "How often a settled customer is re-read from Partner Center, each at its own slot of the interval (spread evenly, across restarts too).")
	fs.DurationVar(&o.PollInterval, "attestation-poll-interval", o.PollInterval, "How often an attestation awaiting the customer is checked.")
	fs.DurationVar(&o.PollMaxInterval, "attestation-poll-max-interval", o.PollMaxInterval, "The longest interval between checks of an attestation awaiting the customer: the interval grows from --attestation-poll-interval with the link's age.")
	fs.DurationVar(&o.TenantRetryInterval, "partner-tenant-retry-interval", o.TenantRetryInterval, "How often a PartnerTenant whose credentials fail is re-checked.")
	fs.DurationVar(&o.CustomersListInterval, "customers-list-interval", o.CustomersListInterval, "The least time between two reads of a PartnerTenant's customers list in Partner Center, which status.customers and mca_partner_center_customers count (read in the background: it never delays a write).")
	fs.DurationVar(&o.MinReadInterval, "min-read-interval", o.MinReadInterval, "The least time between two Partner Center reads for one CustomerAgreement whose spec did not change (the reconcile-now annotation cannot bypass it; at most --attestation-poll-interval).")
	fs.DurationVar(&o.ReconcileTimeout, "reconcile-timeout", o.ReconcileTimeout, "The deadline of one reconcile, so that a slow partner tenant cannot hold the shared workers.")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent-reconciles", o.MaxConcurrent, "CustomerAgreements reconciled at once (Partner Center calls are paced by each PartnerTenant's rateLimit).")
	fs.Var(dateFlag{&o.Policy.ReattestationCutoff}, "reattestation-cutoff", "Partner attestations from this date on count as acceptance of the current MCA terms (YYYY-MM-DD).")
	fs.Var(dateFlag{&o.Policy.EnforcementDate}, "enforcement-date", "From this date customers with only older attestations are blocked (YYYY-MM-DD).")
	fs.StringVar(&o.DeliveryCAFile, "link-delivery-ca-file", o.DeliveryCAFile, "Extra PEM CA bundle to trust for the mail relay and the webhook receiver of link delivery (added to the system roots).")
	fs.Var(partnerTenantsFlag{&o.PartnerTenants}, "partner-tenants", "Serve only these PartnerTenants (names separated by commas, at most 63 characters each) and cache only their CustomerAgreements: a shard. Empty: every PartnerTenant. Each PartnerTenant is served by one manager at a time (a Lease per PartnerTenant).")
	fs.StringVar(&o.CAFile, "partner-center-ca-file", o.CAFile, "Extra PEM CA bundle to trust for Partner Center and the token endpoint (added to the system roots).")
}

// Scheme returns the scheme with the built-in types and this API.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// New builds the manager with both controllers registered.
func New(ctx context.Context, cfg *rest.Config, o Options) (manager.Manager, error) {
	if o.ResyncInterval <= 0 || o.PollInterval <= 0 || o.TenantRetryInterval <= 0 || o.ReconcileTimeout <= 0 || o.CustomersListInterval <= 0 {
		return nil, errors.New("--resync-interval, --attestation-poll-interval, --partner-tenant-retry-interval, --customers-list-interval and --reconcile-timeout must be positive")
	}
	if o.MinReadInterval < 0 {
		return nil, errors.New("--min-read-interval must not be negative")
	}
	// A poll is never held back by the read budget: the budget is at most the poll interval.
	o.MinReadInterval = min(o.MinReadInterval, o.PollInterval)
	if !o.Policy.ReattestationCutoff.Before(o.Policy.EnforcementDate) {
		return nil, errors.New("--reattestation-cutoff must lie before --enforcement-date")
	}
	httpClient := o.HTTPClient
	if httpClient == nil && o.CAFile != "" {
		var err error
		if httpClient, err = httpClientTrusting(o.CAFile); err != nil {
			return nil, err
		}
	}

	var tlsOpts []func(*tls.Config)
	if !o.EnableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts, metricsCertWatcher, err := metricsServerOptions(o, tlsOpts)
	if err != nil {
		return nil, err
	}
	scheme := Scheme()
	cacheHTTPClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the cache's HTTP client: %w", err)
	}
	broken := newUndecodable(scheme)
	cacheOpts, err := cacheOptions(broken, cfg, cacheHTTPClient, o.PartnerTenants)
	if err != nil {
		return nil, err
	}
	leaseNamespace := cmp.Or(o.LeaderElectionNamespace, o.CredentialsNamespace)
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOpts,
		WebhookServer:                 webhook.NewServer(webhook.Options{TLSOpts: tlsOpts}),
		HealthProbeBindAddress:        o.ProbeAddr,
		LeaderElection:                o.LeaderElection,
		LeaderElectionID:              o.LeaderElectionID,
		LeaderElectionNamespace:       leaseNamespace,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       ptr.To(GracefulShutdownTimeout),
		Logger:                        o.Logger,
		Client: client.Options{Cache: &client.CacheOptions{
			// Secrets and ConfigMaps (link delivery templates) are read directly: the operator may
			// not list or watch them, and may read them in the credentials namespace only.
			DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}},
		}},
		Cache:      cacheOpts,
		Controller: config.Controller{SkipNameValidation: &o.SkipNameValidation},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if metricsCertWatcher != nil {
		if err := mgr.Add(metricsCertWatcher); err != nil {
			return nil, fmt.Errorf("adding the metrics certificate watcher: %w", err)
		}
	}
	broken.client, broken.recorder, broken.log = mgr.GetClient(), mgr.GetEventRecorder("mca-operator"), mgr.GetLogger().WithName("undecodable")
	if err := mgr.Add(broken); err != nil {
		return nil, fmt.Errorf("adding the report of undecodable objects: %w", err)
	}
	leases, err := tenantLeases(mgr, o, leaseNamespace)
	if err != nil {
		return nil, err
	}
	clients := &controller.Clients{New: controller.NewClientFactory(controller.ClientOptions{
		Kube:                 mgr.GetClient(),
		CredentialsNamespace: o.CredentialsNamespace,
		HTTPClient:           httpClient,
		Logger:               mgr.GetLogger().WithName("partnercenter"),
		Tune:                 o.Tune,
	})}
	checks := make(chan event.GenericEvent, 64)
	if err := (&controller.PartnerTenantReconciler{
		Client:               mgr.GetClient(),
		CredentialsNamespace: o.CredentialsNamespace,
		Clients:              clients,
		Recorder:             mgr.GetEventRecorder("mca-operator"),
		ResyncInterval:       o.ResyncInterval,
		RetryInterval:        o.TenantRetryInterval,
		Now:                  o.Now,
		Tenants:              leases,
	}).SetupWithManager(mgr, checks); err != nil {
		return nil, fmt.Errorf("setting up the PartnerTenant controller: %w", err)
	}
	cas := &controller.CustomerAgreementReconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		CredentialsNamespace:    o.CredentialsNamespace,
		PollMaxInterval:         max(o.PollMaxInterval, o.PollInterval),
		Clients:                 clients,
		Recorder:                mgr.GetEventRecorder("mca-operator"),
		Policy:                  o.Policy,
		ResyncInterval:          o.ResyncInterval,
		PollInterval:            o.PollInterval,
		MinReadInterval:         o.MinReadInterval,
		ReconcileTimeout:        o.ReconcileTimeout,
		Now:                     o.Now,
		PartnerTenantChecks:     checks,
		MaxConcurrentReconciles: o.MaxConcurrent,
		Tenants:                 leases,
	}
	if err := cas.SetupWithManager(ctx, mgr); err != nil {
		return nil, fmt.Errorf("setting up the CustomerAgreement controller: %w", err)
	}
	// After the CustomerAgreement controller, whose index of CustomerAgreements by customer it uses.
	if err := (&controller.CoverageReconciler{
		Client:        mgr.GetClient(),
		Clients:       clients,
		Tenants:       leases,
		Interval:      o.CustomersListInterval,
		RetryInterval: o.TenantRetryInterval,
		Now:           o.Now,
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the customer coverage controller: %w", err)
	}
	roots, err := deliveryRoots(o)
	if err != nil {
		return nil, err
	}
	if err := (&controller.LinkDeliveryReconciler{
		Client:               mgr.GetClient(),
		APIReader:            mgr.GetAPIReader(),
		Recorder:             mgr.GetEventRecorder("mca-operator"),
		CredentialsNamespace: o.CredentialsNamespace,
		RootCAs:              roots,
		Now:                  o.Now,
		Queue:                delivery.NewQueue(nil),
		Tenants:              leases,
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the link delivery controller: %w", err)
	}
	// The leader deletes the acceptance-link Secrets of CustomerAgreements deleted while no
	// manager ran.
	if err := mgr.Add(manager.RunnableFunc(cas.SweepLinksAtStart)); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

// cacheOptions are the informer cache's: each object trimmed to what the operator reads
// (cachetransform.go), and an object of this API that does not decode left out and reported,
// instead of failing every list and watch of its kind (undecodable.go). The AttestationRecords are
// read from the API server; the cache holds those awaiting approval only. A shard's cache holds
// only the CustomerAgreements of its PartnerTenants (shardSelector).
func cacheOptions(broken *undecodable, cfg *rest.Config, httpClient *http.Client, partnerTenants []string) (cache.Options, error) {
	// Of the AttestationRecords (100,000s), only those awaiting approval: their decision wakes the
	// act up.
	byObject := map[client.Object]cache.ByObject{&v1alpha1.AttestationRecord{}: {
		Label: labels.SelectorFromSet(labels.Set{v1alpha1.LabelRecordApproval: v1alpha1.ApprovalPending})}}
	shard, err := shardSelector(partnerTenants)
	if err != nil {
		return cache.Options{}, err
	}
	if shard != nil {
		byObject[&v1alpha1.CustomerAgreement{}] = cache.ByObject{Label: shard}
		// The tolerant list and watch replace controller-runtime's, which apply the selector.
		broken.selectors = map[string]labels.Selector{"CustomerAgreement": shard}
	}
	return cache.Options{
		DefaultTransform: trimForCache,
		NewInformer:      broken.newInformer(cfg, httpClient),
		ByObject:         byObject,
	}, nil
}

// metricsServerOptions are the metrics server's settings: HTTPS behind Kubernetes authentication
// and authorization when SecureMetrics, with the certificate of MetricsCertPath when set (and the
// watcher that reloads it, for the manager to run) or else a self-signed one.
func metricsServerOptions(o Options, tlsOpts []func(*tls.Config)) (metricsserver.Options, *certwatcher.CertWatcher, error) {
	metricsOpts := metricsserver.Options{BindAddress: o.MetricsAddr, SecureServing: o.SecureMetrics, TLSOpts: tlsOpts}
	if o.SecureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	if o.MetricsCertPath == "" {
		return metricsOpts, nil, nil
	}
	// A provided certificate (cert-manager's), reloaded when the Secret's files change, so that
	// scrapers can verify the endpoint instead of skipping verification.
	watcher, err := certwatcher.New(
		filepath.Join(o.MetricsCertPath, o.MetricsCertName),
		filepath.Join(o.MetricsCertPath, o.MetricsCertKey),
	)
	if err != nil {
		return metricsserver.Options{}, nil, fmt.Errorf("loading the metrics certificate from --metrics-cert-path: %w", err)
	}
	// Clipped: tlsOpts is shared with the webhook server.
	metricsOpts.TLSOpts = append(slices.Clip(tlsOpts), func(c *tls.Config) { c.GetCertificate = watcher.GetCertificate })
	return metricsOpts, watcher, nil
}

// deliveryRoots is the trust for link delivery: the test's pool, or the system roots plus
// --link-delivery-ca-file.
func deliveryRoots(o Options) (*x509.CertPool, error) {
	if o.DeliveryRootCAs != nil {
		return o.DeliveryRootCAs, nil
	}
	if o.DeliveryCAFile == "" {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(o.DeliveryCAFile)
	if err != nil {
		return nil, fmt.Errorf("reading --link-delivery-ca-file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--link-delivery-ca-file %s holds no PEM certificate", o.DeliveryCAFile)
	}
	return pool, nil
}

// httpClientTrusting returns an HTTP client that trusts the system roots plus the PEM bundle.
func httpClientTrusting(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading --partner-center-ca-file: %w", err)
	}
	hc, err := pc.HTTPClientWithCA(pem)
	if err != nil {
		return nil, fmt.Errorf("--partner-center-ca-file %s: %w", caFile, err)
	}
	return hc, nil
}
