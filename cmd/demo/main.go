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

// Command demo runs mca-operator end to end on one machine, with nothing else installed:
//
//	make demo                                   # interactive: Ctrl-C stops everything
//	make demo DEMO_ARGS=--until-converged       # exits 0 once every sample settled as expected
//	make demo DEMO_ARGS="--until-converged --accept-links --timeout 3m"
//
// It starts a local control plane (envtest: kube-apiserver and etcd from KUBEBUILDER_ASSETS, with
// the CRDs of config/crd/bases), the Partner Center simulator over HTTPS seeded from
// config/samples/pcsim-seed.yaml, and the manager in-process with the same wiring as cmd/manager
// (internal/operator). It then applies the samples that config/samples/kustomization.yaml lists
// (among them the namespace "customers", labelled so that the sample PartnerTenants'
// spec.allowedNamespaces admits it), pointing each PartnerTenant's endpoint and authority at the
// simulator, and prints a table of the PartnerTenants and CustomerAgreements whenever it changes,
// the KUBECONFIG to use with kubectl, the simulator's URL and every acceptance link a signatory
// has to open.
//
// Every CustomerAgreement sample carries the annotations demo.mca.dev/expected-state and
// demo.mca.dev/expected-ready-reason; --until-converged waits until all of them match, and fails
// with the table printed when they do not by --timeout. --accept-links plays the signatory: it
// opens each acceptance link and submits the page's form, as a person pressing Accept would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// credentialsNamespace is where the operator reads the PartnerTenant credentials Secrets, as
// config/default installs it (the samples' Secrets live there).
const credentialsNamespace = "mca-operator-system" //nolint:gosec // G101: a namespace name, not a credential

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "demo:", err)
		stop()
		os.Exit(1)
	}
}

type options struct {
	untilConverged bool
	acceptLinks    bool
	verbose        bool
	timeout        time.Duration
	pollInterval   time.Duration
	refresh        time.Duration
	samplesDir     string
	crdDir         string
	seedPath       string
	simAddr        string
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "Usage: make demo [DEMO_ARGS=\"flags\"]   (or KUBEBUILDER_ASSETS=... go run ./cmd/demo [flags])")
		fmt.Fprintln(out, "Runs a local control plane, the Partner Center simulator and the operator, and applies config/samples.")
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.untilConverged, "until-converged", false, "Exit 0 once every CustomerAgreement sample reached its expected state and Ready reason; non-zero if not by --timeout.")
	fs.BoolVar(&o.acceptLinks, "accept-links", false, "Play the customer's signatory: open every acceptance link and submit its Accept form.")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "With --until-converged: how long to wait (0 = forever). Ignored otherwise.")
	fs.DurationVar(&o.pollInterval, "poll-interval", 2*time.Second, "How often the operator checks an attestation awaiting the customer.")
	fs.DurationVar(&o.refresh, "refresh", 500*time.Millisecond, "How often the table is re-read.")
	fs.BoolVar(&o.verbose, "verbose", false, "Write the manager's logs to stderr.")
	fs.StringVar(&o.samplesDir, "samples", "", "Directory of the samples (default: config/samples of the repository).")
	fs.StringVar(&o.crdDir, "crds", "", "Directory of the CRDs (default: config/crd/bases of the repository).")
	fs.StringVar(&o.seedPath, "seed", "", "Simulator seed (default: pcsim-seed.yaml in the samples directory).")
	fs.StringVar(&o.simAddr, "sim-addr", "127.0.0.1:0", "Address the simulator listens on (port 0: any free port).")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.pollInterval <= 0 || o.refresh <= 0 || o.timeout < 0 {
		return o, errors.New("--poll-interval and --refresh must be positive, --timeout not negative")
	}
	if o.samplesDir == "" || o.crdDir == "" {
		root, err := repoRoot()
		if err != nil {
			return o, err
		}
		if o.samplesDir == "" {
			o.samplesDir = filepath.Join(root, "config", "samples")
		}
		if o.crdDir == "" {
			o.crdDir = filepath.Join(root, "config", "crd", "bases")
		}
	}
	if o.seedPath == "" {
		o.seedPath = filepath.Join(o.samplesDir, seedFile)
	}
	return o, nil
}

// repoRoot is the nearest directory at or above the working directory holding config/samples and
// config/crd/bases (the repository root, for `make demo` and for `go test ./cmd/demo`).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isDir(filepath.Join(dir, "config", "samples")) && isDir(filepath.Join(dir, "config", "crd", "bases")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find config/samples and config/crd/bases above the working directory: run the demo from the repository (make demo), or pass --samples and --crds")
		}
		dir = parent
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// run is the demo; main only adds the signal handling. It returns when ctx ends (nil), when
// --until-converged is met (nil) or not met by --timeout (an error), or on a failure. Everything it
// started is stopped and every temporary file removed before it returns: each step's cleanup is
// deferred here, right after the step, so they run in the reverse order of the starts.
func run(ctx context.Context, args []string, out io.Writer) (err error) {
	o, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: run `make demo`, which builds kube-apiserver and etcd into bin/k8s and sets it")
	}
	samples, seed, err := loadInputs(o)
	if err != nil {
		return err
	}
	logger := setUpLogging(o.verbose)

	tmp, err := os.MkdirTemp("", "mca-operator-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	cp, err := startControlPlane(out, assets, o.crdDir, tmp)
	defer func() { err = cp.stop(out, err) }()
	if err != nil {
		return err
	}
	sim, err := startSimulator(seed, o.simAddr, filepath.Join(tmp, "pcsim-ca.pem"))
	if err != nil {
		return err
	}
	defer func() { _ = sim.Close() }()
	if err := os.WriteFile(sim.caFile, sim.CACertPEM(), 0o600); err != nil {
		return err
	}
	mgr, err := startManager(cp.cfg, o, sim.HTTPClient(), logger)
	if err != nil {
		return err
	}
	defer mgr.stop()
	// A local mailbox stands in for the partner's mail relay: the links the operator emails land here.
	mb, err := mailbox.Start("127.0.0.1:0", mailbox.Options{})
	if err != nil {
		return fmt.Errorf("starting the mailbox: %w", err)
	}
	defer func() { _ = mb.Close() }()

	counts, err := apply(ctx, cp.kube, samples, sim.url, mb)
	if ctx.Err() != nil {
		return stopping(out, o.untilConverged)
	}
	if err != nil {
		return fmt.Errorf("applying the samples: %w", err)
	}
	printBanner(out, o, cp, sim, mb, counts)
	return newWatcher(out, o, cp.kube, sim, mb, samples).watch(ctx, mgr)
}

// loadInputs reads the samples and the simulator's seed.
func loadInputs(o options) ([]sample, *pcsim.Seed, error) {
	samples, err := loadSamples(o.samplesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the samples: %w", err)
	}
	seed, err := pcsim.LoadSeed(o.seedPath)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the simulator seed: %w", err)
	}
	return samples, seed, nil
}

// setUpLogging returns the manager's logger, which writes to stderr with --verbose and nowhere
// otherwise, and makes it controller-runtime's.
func setUpLogging(verbose bool) logr.Logger {
	logger := logr.Discard()
	if verbose {
		logger = zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true))
	}
	logf.SetLogger(logger)
	return logger
}

// stopping is what an interrupt returns: nothing went wrong, unless the caller waited for
// convergence.
func stopping(out io.Writer, untilConverged bool) error {
	fmt.Fprintln(out, "\nStopping the manager, the simulator and the control plane ...")
	if untilConverged {
		return errors.New("interrupted before every sample reached its expected state")
	}
	return nil
}

// controlPlane is the local kube-apiserver and etcd, with the demo user's kubeconfig (in the
// temporary directory) and a client.
type controlPlane struct {
	env        *envtest.Environment
	cfg        *rest.Config
	kubeconfig string
	kube       client.Client
}

// startControlPlane starts the control plane with the CRDs of crdDir. It returns the control
// plane even on an error, for stop: a start that failed half-way may have left processes behind.
func startControlPlane(out io.Writer, assets, crdDir, tmp string) (*controlPlane, error) {
	fmt.Fprintf(out, "Starting a local control plane (kube-apiserver and etcd from %s) ...\n", assets)
	cp := &controlPlane{env: &envtest.Environment{
		CRDDirectoryPaths:     []string{crdDir},
		ErrorIfCRDPathMissing: true,
		UseExistingCluster:    ptr.To(false),
	}}
	var err error
	if cp.cfg, err = cp.env.Start(); err != nil {
		return cp, fmt.Errorf("starting the control plane: %w", err)
	}
	user, err := cp.env.AddUser(envtest.User{Name: "demo", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return cp, fmt.Errorf("adding the demo user: %w", err)
	}
	kubeconfigData, err := user.KubeConfig()
	if err != nil {
		return cp, err
	}
	cp.kubeconfig = filepath.Join(tmp, "kubeconfig")
	if err := os.WriteFile(cp.kubeconfig, kubeconfigData, 0o600); err != nil {
		return cp, err
	}
	cp.kube, err = client.New(cp.cfg, client.Options{Scheme: scheme})
	return cp, err
}

// stop stops the control plane. runErr is what run returns so far; a failure to stop is reported,
// and returned in its place when it is nil.
func (cp *controlPlane) stop(out io.Writer, runErr error) error {
	if err := cp.env.Stop(); err != nil {
		fmt.Fprintf(out, "Stopping the control plane: %v\n", err)
		if runErr == nil {
			return err
		}
	}
	return runErr
}

// simulator is the Partner Center simulator, serving HTTPS at url with a certificate of the CA
// written to caFile.
type simulator struct {
	*pcsim.Server
	url    string
	caFile string
}

// startSimulator starts the simulator seeded with seed, listening on addr; caFile is where run
// writes its CA certificate.
func startSimulator(seed *pcsim.Seed, addr, caFile string) (*simulator, error) {
	sim := &simulator{Server: pcsim.New(seed, pcsim.Options{RotateRefreshTokens: true})}
	var err error
	if sim.url, err = sim.StartTLS(addr); err != nil {
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	sim.caFile = caFile
	return sim, nil
}

// runningManager is the manager started in-process.
type runningManager struct {
	cancel context.CancelFunc
	done   chan error // what Start returned; nil once read
}

// startManager starts the manager exactly as cmd/manager wires it, with short intervals, talking to
// the simulator through hc.
func startManager(cfg *rest.Config, o options, hc *http.Client, logger logr.Logger) (*runningManager, error) {
	mo := operator.Defaults()
	mo.MetricsAddr, mo.ProbeAddr = "0", "0"
	mo.CredentialsNamespace = credentialsNamespace
	mo.PollInterval = o.pollInterval
	mo.TenantRetryInterval = 5 * time.Second
	mo.ResyncInterval = time.Minute
	mo.SkipNameValidation = true
	mo.HTTPClient = hc
	mo.Logger = logger
	mctx, cancel := context.WithCancel(context.Background())
	mgr, err := operator.New(mctx, cfg, mo)
	if err != nil {
		cancel()
		return nil, err
	}
	m := &runningManager{cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- mgr.Start(mctx) }()
	return m, nil
}

// stop stops the manager and waits until it has, unless it already stopped by itself.
func (m *runningManager) stop() {
	m.cancel()
	if m.done != nil {
		<-m.done //nolint:errcheck // stopped on purpose: its error changes nothing now
	}
}

// printBanner tells where everything runs and what the demo waits for.
func printBanner(out io.Writer, o options, cp *controlPlane, sim *simulator, mb *mailbox.Server, counts string) {
	fmt.Fprintf(out, `
mca-operator demo
  Kubernetes API   %s
  kubectl          export KUBECONFIG=%s
                   kubectl get partnertenants,customeragreements -A -o wide
  Partner Center   %s  (simulator; its CA certificate: %s)
  Mailbox          smtp://%s:%d  (the samples' link delivery is pointed here)
  Samples          %s from %s
                   (PartnerTenant endpoint and authority pointed at the simulator)
`, cp.cfg.Host, cp.kubeconfig, sim.url, sim.caFile, mb.Host(), mb.Port(), counts, o.samplesDir)
	switch {
	case o.untilConverged && o.timeout > 0:
		fmt.Fprintf(out, "Waiting up to %s for every CustomerAgreement to reach its expected state.\n", o.timeout)
	case o.untilConverged:
		fmt.Fprintln(out, "Waiting for every CustomerAgreement to reach its expected state.")
	default:
		fmt.Fprintln(out, "Press Ctrl-C to stop everything.")
	}
}

// apply creates the samples, their namespaces first, with every PartnerTenant pointed at the
// simulator. It returns a summary such as "1 Namespace, 2 Secrets, ...". A Namespace sample is
// created with its labels, which decide whether a PartnerTenant's spec.allowedNamespaces admits
// it; a namespace no sample declares (the credentials namespace) is created without labels.
func apply(ctx context.Context, kube client.Client, samples []sample, simURL string, mb *mailbox.Server) (string, error) {
	count := map[string]int{}
	var kinds []string
	ensured := map[string]bool{}
	for _, s := range samples {
		obj := s.Object.DeepCopyObject().(client.Object)
		if ns := obj.GetNamespace(); ns != "" && !ensured[ns] {
			err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				return "", fmt.Errorf("creating namespace %s: %w", ns, err)
			}
			ensured[ns] = true
		}
		if pt, ok := obj.(*v1alpha1.PartnerTenant); ok {
			pt.Spec.Endpoint, pt.Spec.Authority = simURL, simURL
			if ld := pt.Spec.LinkDelivery; ld != nil && ld.Email != nil {
				ld.Email.SMTP = v1alpha1.SMTPServer{Host: mb.Host(), Port: int32(mb.Port()), TLS: v1alpha1.SMTPTLSNone} //nolint:gosec // G115: a TCP port fits in int32
			}
		}
		err := kube.Create(ctx, obj)
		if _, isNS := obj.(*corev1.Namespace); isNS && apierrors.IsAlreadyExists(err) {
			err = nil
		}
		if err != nil {
			return "", fmt.Errorf("%s: creating %s %s: %w", s.File, kindOf(obj), client.ObjectKeyFromObject(obj), err)
		}
		if _, isNS := obj.(*corev1.Namespace); isNS {
			ensured[obj.GetName()] = true
		}
		k := kindOf(obj)
		if count[k] == 0 {
			kinds = append(kinds, k)
		}
		count[k]++
	}
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		n := count[k]
		if n == 1 {
			parts = append(parts, fmt.Sprintf("1 %s", k))
		} else {
			parts = append(parts, fmt.Sprintf("%d %ss", n, k))
		}
	}
	return strings.Join(parts, ", "), nil
}

// watcher reads the table, prints it when it changes, publishes the links and checks convergence.
type watcher struct {
	out     io.Writer
	kube    client.Client
	hc      *http.Client
	simURL  string
	caFile  string
	opts    options
	samples []sample

	mailbox *mailbox.Server
	mailed  int // messages of the mailbox already shown

	last     *snapshot
	lastKey  string
	linked   map[string]bool // attestation ids whose link was printed
	accepted map[string]bool // attestation ids accepted with --accept-links
	invited  map[string]bool // CustomerAgreements whose invitation was printed
	waiting  []string        // CustomerAgreements settled short of their final state, waiting for a person

	reported        bool   // without --until-converged: the convergence was reported
	reportedWaiting string // the samples waiting for a person when it was
}

func newWatcher(out io.Writer, o options, kube client.Client, sim *simulator, mb *mailbox.Server, samples []sample) *watcher {
	return &watcher{out: out, kube: kube, hc: sim.HTTPClient(), simURL: sim.url, caFile: sim.caFile, opts: o, mailbox: mb,
		samples: samples, linked: map[string]bool{}, accepted: map[string]bool{}, invited: map[string]bool{}}
}

// watch steps every --refresh until ctx ends (stopping), the manager stops (an error), or, with
// --until-converged, every sample is as expected (nil) or --timeout passes first (an error).
func (w *watcher) watch(ctx context.Context, mgr *runningManager) error {
	var deadline <-chan time.Time
	if w.opts.untilConverged && w.opts.timeout > 0 {
		t := time.NewTimer(w.opts.timeout)
		defer t.Stop()
		deadline = t.C
	}
	start := time.Now()
	tick := time.NewTicker(w.opts.refresh)
	defer tick.Stop()
	for {
		pending, err := w.step(ctx)
		if err == nil && len(pending) == 0 && w.converged(start) {
			return nil
		}
		select {
		case <-ctx.Done():
			return stopping(w.out, w.opts.untilConverged)
		case mErr := <-mgr.done:
			mgr.done = nil
			return fmt.Errorf("the manager stopped: %w", mErr)
		case <-deadline:
			return w.timedOut(pending, err)
		case <-tick.C:
		}
	}
}

// converged reports that every sample is as expected, start being when the watch began. With
// --until-converged it returns true: the demo is over. Otherwise the demo keeps running, and the
// report is printed again only when the samples waiting for a person change.
func (w *watcher) converged(start time.Time) (done bool) {
	waiting := ""
	if len(w.waiting) > 0 {
		waiting = fmt.Sprintf("\n%s still wait(s) for a person: open the acceptance link above.", strings.Join(w.waiting, ", "))
	}
	if w.opts.untilConverged {
		fmt.Fprintf(w.out, "\nAll %d CustomerAgreements reached their expected state and Ready reason in %s.%s\n",
			w.agreementSamples(), time.Since(start).Round(time.Second), waiting)
		return true
	}
	if msg := strings.Join(w.waiting, ","); !w.reported || msg != w.reportedWaiting {
		w.reported, w.reportedWaiting = true, msg
		fmt.Fprintf(w.out, "\nAll %d CustomerAgreements reached their expected state (%s).%s\nThe demo keeps running: try kubectl, or press Ctrl-C to stop.\n",
			w.agreementSamples(), time.Since(start).Round(time.Second), waiting)
	}
	return false
}

// timedOut prints the table and the samples not as expected (pending, from the last step, whose
// reading failed with err if not nil) when --timeout passed, and returns the demo's error.
func (w *watcher) timedOut(pending []string, err error) error {
	fmt.Fprintf(w.out, "\nTimed out after %s. The table now:\n\n", w.opts.timeout)
	if w.last != nil {
		w.last.print(w.out, time.Now())
	}
	fmt.Fprintln(w.out, "\nNot as expected:")
	for _, p := range pending {
		fmt.Fprintln(w.out, "  "+p)
	}
	if err != nil {
		fmt.Fprintf(w.out, "  (reading the table failed: %v)\n", err)
	}
	return fmt.Errorf("%d CustomerAgreement sample(s) did not reach their expected state within %s", max(len(pending), 1), w.opts.timeout)
}

func (w *watcher) agreementSamples() int {
	n := 0
	for _, s := range w.samples {
		if _, ok := s.Object.(*v1alpha1.CustomerAgreement); ok {
			n++
		}
	}
	return n
}

// step reads the table once and returns the samples not (yet) as expected, one line each.
func (w *watcher) step(ctx context.Context) ([]string, error) {
	if w.mailbox != nil {
		w.showMail()
	}
	var pts v1alpha1.PartnerTenantList
	var cas v1alpha1.CustomerAgreementList
	if err := w.kube.List(ctx, &pts); err != nil {
		return []string{"(PartnerTenants unreadable)"}, err
	}
	if err := w.kube.List(ctx, &cas); err != nil {
		return []string{"(CustomerAgreements unreadable)"}, err
	}
	sort.Slice(pts.Items, func(i, j int) bool { return pts.Items[i].Name < pts.Items[j].Name })
	sort.Slice(cas.Items, func(i, j int) bool {
		a, b := cas.Items[i], cas.Items[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	snap := &snapshot{Tenants: pts.Items, Agreements: cas.Items}
	w.last = snap
	if k := snap.key(); k != w.lastKey {
		w.lastKey = k
		fmt.Fprintf(w.out, "\n[%s]\n", time.Now().Format("15:04:05"))
		snap.print(w.out, time.Now())
	}

	tenantIDs := map[string]string{}
	for _, pt := range pts.Items {
		tenantIDs[pt.Name] = pt.Spec.TenantID
	}
	live := map[client.ObjectKey]*v1alpha1.CustomerAgreement{}
	for i := range cas.Items {
		ca := &cas.Items[i]
		live[client.ObjectKeyFromObject(ca)] = ca
		w.publish(ca, tenantIDs[ca.Spec.PartnerTenantRef.Name])
	}

	// Without --accept-links a sample waiting for a person counts as settled while it waits.
	awaitingCounts := !w.opts.acceptLinks
	w.waiting = nil
	var pending []string
	for _, s := range w.samples {
		want, ok := s.Object.(*v1alpha1.CustomerAgreement)
		if !ok {
			continue
		}
		exp, _ := expectationOf(want) // checked when loading
		key := client.ObjectKeyFromObject(want)
		got := live[key]
		switch {
		case got == nil:
			pending = append(pending, fmt.Sprintf("%s: missing (want %s)", key, exp))
		case exp.met(got, false):
		case exp.met(got, awaitingCounts):
			w.waiting = append(w.waiting, key.String())
		default:
			_, reason := readyOf(got.Status.Conditions)
			have := outcome{State: got.Status.State, Reason: reason}.String()
			if got.Status.ObservedGeneration != got.Generation {
				have += fmt.Sprintf(" for generation %d of %d", got.Status.ObservedGeneration, got.Generation)
			}
			pending = append(pending, fmt.Sprintf("%s: want %s, have %s", key, exp, have))
		}
	}
	return pending, nil
}

// showMail prints the messages the mailbox received since the last step: recipient, subject and
// the link, so that a person sees the delivery happen.
func (w *watcher) showMail() {
	msgs := w.mailbox.Messages()
	for _, m := range msgs[w.mailed:] {
		p, err := m.Parse()
		if err != nil {
			fmt.Fprintf(w.out, "\nMailbox: a message to %s that does not parse: %v\n", strings.Join(m.To, ", "), err)
			continue
		}
		link := ""
		for _, f := range strings.Fields(p.Text) {
			if strings.Contains(f, "/attest/") {
				link = f
				break
			}
		}
		fmt.Fprintf(w.out, "\nMailbox: to %s, %q\n    %s\n", strings.Join(m.To, ", "), p.Header.Get("Subject"), link)
	}
	w.mailed = len(msgs)
}

// readLink reads an acceptance link from its Secret, as an administrator of the operator's
// namespace would: the link is a credential and is in no CustomerAgreement.
func (w *watcher) readLink(name string) (string, error) {
	sec := &corev1.Secret{}
	if err := w.kube.Get(context.Background(), client.ObjectKey{Namespace: credentialsNamespace, Name: name}, sec); err != nil {
		return "", err
	}
	return string(sec.Data[v1alpha1.LinkSecretKeyLink]), nil
}

// publish prints an acceptance link or an invitation the first time it appears and, with
// --accept-links, accepts the link as the signatory would.
func (w *watcher) publish(ca *v1alpha1.CustomerAgreement, partnerTenantID string) {
	key := client.ObjectKeyFromObject(ca)
	if a := ca.Status.Attestation; a != nil && a.LinkSecretRef != nil && a.Handle != "" {
		link, err := w.readLink(a.LinkSecretRef.Name)
		if err != nil || link == "" {
			return
		}
		if !w.linked[a.Handle] {
			w.linked[a.Handle] = true
			who := "the customer's signatory"
			if sg := ca.Spec.Signatory; sg != nil {
				who = sg.FirstName + " " + sg.LastName
			}
			fmt.Fprintf(w.out, "\nAcceptance link for %s (%s, %s), from Secret %s/%s (key %s):\n    %s\n",
				key, who, ca.Spec.CompanyName, credentialsNamespace, a.LinkSecretRef.Name, v1alpha1.LinkSecretKeyLink, link)
			if !w.opts.acceptLinks {
				fmt.Fprintf(w.out, "  Open it in a browser (the simulator's certificate is self-signed: proceed, or trust %s),\n"+
					"  tick the box and press Accept: %s turns Attested within a few seconds.\n", w.caFile, key.Name)
			}
		}
		if w.opts.acceptLinks && !w.accepted[a.Handle] && a.Status == pcsim.StatusLinkGenerated {
			if err := pcsim.AcceptThroughPage(w.hc, link); err != nil {
				fmt.Fprintf(w.out, "  --accept-links: accepting as %s failed (retrying): %v\n", key.Name, err)
			} else {
				w.accepted[a.Handle] = true
				fmt.Fprintf(w.out, "  --accept-links: opened the link and pressed Accept as the signatory of %s.\n", ca.Spec.CompanyName)
			}
		}
	}
	if ca.Status.InvitationURL != "" && !w.invited[key.String()] {
		w.invited[key.String()] = true
		fmt.Fprintf(w.out, "\nInvitation for %s (%s): status.invitationURL\n    %s\n"+
			"  The customer accepts in the Microsoft 365 admin center. To play the customer in the simulator:\n"+
			"    curl --cacert %s -X POST '%s/_sim/directsigned?partner=%s&customer=%s'\n",
			key, ca.Spec.CompanyName, ca.Status.InvitationURL, w.caFile, w.simURL, partnerTenantID, ca.Spec.CustomerTenantID)
	}
}
