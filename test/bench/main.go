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

// Command bench measures the operator against a local control plane (envtest) and the Partner
// Center simulator. The headline is the enhanced onboarding (enhanced*.go): 2,000 customers
// needing an attestation, whose signatories (played by the simulator) accept early, late or
// never, with time scaled down (10-minute links, ~15 min). Then the legacy onboarding of N
// customers, the sequential loop a partner's script runs over the same customers, the steady
// state of M settled customers over one resync cycle, and the scale phase (scale*.go): 100,000
// settled customers created as a GitOps tool applies them (last-applied annotation,
// managedFields), through a first start, one resync cycle and a restart, at a higher rate than
// production's so that it runs in minutes; before it, fresh first starts at 10,000, 25,000 and
// 50,000 customers give the plot of peak RSS against customers. With --scale-shards=2 the
// customers are split over two PartnerTenants, each served by a manager of its own, and the API
// server's audit log shows which manager wrote what.
//
// The manager runs as a separate process (built from ./cmd/manager, exactly as shipped), so its
// peak RSS and CPU time are its own; the simulator and the control plane run under this process.
//
//	make bench                                                  # N=1000 onboarding + loop, M=10000 steady state (~11 min)
//	make bench BENCH_ARGS="--customers 10000 --skip-sequential"  # onboarding of 10,000
//	make bench BENCH_ARGS="--steady-customers 1000"              # a quick run (~4 min)
//	make bench BENCH_ARGS="--pprof"                              # also save CPU and heap profiles of the manager
//	make bench BENCH_ARGS="--skip-onboarding --skip-steady --skip-import --skip-scale"  # the enhanced onboarding only (~15 min)
//	make bench BENCH_ARGS="--enhanced-customers 200 --enhanced-link-lifetime 5m --skip-onboarding --skip-steady --skip-import --skip-scale"  # a quick one (~6 min)
//	make bench BENCH_ARGS="--skip-enhanced"                      # the other phases only
//	make bench BENCH_ARGS="--skip-scale"                         # all but the scale phase
//	make bench BENCH_ARGS="--scale-customers 10000 --skip-enhanced --skip-onboarding --skip-steady --skip-import"  # the scale phase at 10,000
//	make bench BENCH_ARGS="--scale-shards 2 --scale-series '' --skip-enhanced --skip-onboarding --skip-steady --skip-import"  # two shards of 50,000
//
// It runs from the repository root (make bench builds it from the test module and starts it
// there): it builds ./cmd/manager and ./cmd/kubectl-mca and reads the CRDs from config/crd/bases.
// It prints a table and writes bench-results.json, bench-convergence.png and bench-scale-rss.png
// under --out.
// What is timed: every object (Secret, PartnerTenant, CustomerAgreements) exists before the
// manager process starts; the onboarding clock runs from starting the manager until the last
// customer is Attested with Ready=True (seen through a watch). Status writes are the MODIFIED
// events of that watch; Partner Center calls come from the simulator's request log; all API
// writes from the API server's apiserver_request_total.
//
// The files: main.go (flags, the order of the phases), one file per phase (enhanced*.go,
// onboarding.go, sequential.go, steady.go, import.go, scale*.go, gitops.go), the setup they share (customers.go,
// stage.go, controlplane.go, manager.go, asmanager.go), what they measure with (tracker.go,
// requestlog.go, conncounter.go, deliveries.go, audit.go) and the report (report.go, plot.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

type options struct {
	out             string
	customers       int
	steadyCustomers int
	latency         time.Duration
	rate            int
	burst           int
	ptQPS, ptBurst  int
	maxConcurrent   int
	resync          time.Duration
	crdDir          string
	policiesDir     string
	managerBin      string
	skipOnboarding  bool
	skipSequential  bool
	skipSteady      bool
	timeout         time.Duration
	verbose         bool
	pprof           bool
	idleConns       int
	managerEnv      multiFlag
	importCustomers int
	skipImport      bool
	enhanced        enhancedOptions
	scale           scaleOptions
	// auditWrites is no flag: the control planes log writes to the API server's audit log
	// (auditPolicy), for the scale phase's run with several shards.
	auditWrites bool
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if len(os.Args) > 1 && os.Args[1] == managerMode {
		runAsManager(os.Args[2:])
		return
	}
	o := parseFlags()
	if o.verbose {
		ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
	} else {
		ctrl.SetLogger(logr.Discard()) // the control plane's own chatter is not the measurement
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.out, "out", "bin", "Directory for bench-results.json, bench-convergence.png, bench-scale-rss.png and the manager logs.")
	flag.IntVar(&o.customers, "customers", 1000, "Onboarding: number of CustomerAgreements (50% NoMCA, 30% attested, 20% legacy needing reattestation).")
	flag.IntVar(&o.steadyCustomers, "steady-customers", 10000, "Steady state: number of attested CustomerAgreements (shrink it for quick runs).")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "Simulator latency per request.")
	flag.IntVar(&o.rate, "rate", 100, "Requests per second per partner tenant, in the simulator and in the PartnerTenant's spec.rateLimit.")
	flag.IntVar(&o.burst, "burst", 100, "Burst, in the simulator and in spec.rateLimit.")
	flag.IntVar(&o.ptQPS, "client-qps", 0, "The PartnerTenant's spec.rateLimit.qps (and the sequential loop's client), default --rate.")
	flag.IntVar(&o.ptBurst, "client-burst", 0, "The PartnerTenant's spec.rateLimit.burst (and the sequential loop's client), default --burst.")
	flag.IntVar(&o.maxConcurrent, "max-concurrent-reconciles", 64, "The manager's --max-concurrent-reconciles.")
	flag.DurationVar(&o.resync, "resync-interval", 0, "The manager's --resync-interval in the steady state (0: max(1m, 1.8 × M / rate), 3m for 10,000 at 100/s).")
	flag.StringVar(&o.crdDir, "crd-dir", filepath.Join("config", "crd", "bases"), "CRD manifests.")
	flag.StringVar(&o.policiesDir, "policies-dir", filepath.Join("config", "policies"), "The shipped admission policies, installed in each control plane.")
	flag.StringVar(&o.managerBin, "manager-binary", "", "A prebuilt manager binary (default: go build ./cmd/manager).")
	flag.BoolVar(&o.skipOnboarding, "skip-onboarding", false, "Skip the onboarding phase (and the sequential loop).")
	flag.BoolVar(&o.skipSequential, "skip-sequential", false, "Skip the sequential loop.")
	flag.BoolVar(&o.skipSteady, "skip-steady", false, "Skip the steady-state phase.")
	flag.DurationVar(&o.timeout, "timeout", time.Hour, "Give up after this long.")
	flag.BoolVar(&o.pprof, "pprof", false, "Run the manager with a pprof endpoint (this binary in manager mode, same wiring as cmd/manager) and save CPU and heap profiles under --out.")
	flag.IntVar(&o.idleConns, "pc-max-idle-conns-per-host", 0, "Experiment: run the manager (this binary in manager mode) with a Partner Center HTTP client keeping this many idle connections per host.")
	flag.Var(&o.managerEnv, "manager-env", "KEY=VALUE added to the manager's environment (repeatable), e.g. GOMEMLIMIT=100MiB.")
	flag.IntVar(&o.importCustomers, "import-customers", 10000, "Import: customers imported by kubectl mca import.")
	flag.BoolVar(&o.skipImport, "skip-import", false, "Skip the kubectl mca import phase.")
	flag.BoolVar(&o.verbose, "v", false, "Log progress of the control plane.")
	o.enhanced.flags(flag.CommandLine)
	o.scale.flags(flag.CommandLine)
	flag.Parse()
	return o
}

// complete checks the options and fills in the defaults that depend on others.
func (o *options) complete() error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return fmt.Errorf("KUBEBUILDER_ASSETS is not set: run `make bench`")
	}
	if o.customers < 10 || o.steadyCustomers < 10 {
		return fmt.Errorf("--customers and --steady-customers must be at least 10")
	}
	if o.ptQPS == 0 {
		o.ptQPS = o.rate
	}
	if o.ptBurst == 0 {
		o.ptBurst = o.burst
	}
	if o.resync == 0 {
		o.resync = time.Duration(max(60, 1.8*float64(o.steadyCustomers)/float64(o.rate))) * time.Second
	}
	return o.scale.complete()
}

func run(o options) error {
	if err := o.complete(); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil { //nolint:gosec // G301: the output directory, bin/ by default, is as make creates it
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "mca-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := managerBinary(ctx, o, tmp)
	if err != nil {
		return err
	}
	res, err := runPhases(ctx, o, bin, tmp)
	if err != nil {
		return err
	}
	return writeResults(o, res)
}

// runPhases runs the phases the options leave in, in order: the enhanced onboarding, the
// onboarding and the sequential loop, the steady state, the import, the scale phase.
func runPhases(ctx context.Context, o options, bin, tmp string) (*Results, error) {
	res := newResults(o)
	if !o.enhanced.skip {
		e, err := runEnhanced(ctx, o, bin, tmp)
		if err != nil {
			return nil, fmt.Errorf("enhanced onboarding: %w", err)
		}
		res.Enhanced = e
	}
	if !o.skipOnboarding {
		if err := runOnboardingAndLoop(ctx, o, bin, tmp, res); err != nil {
			return nil, err
		}
	}
	if !o.skipSteady {
		ss, err := steadyState(ctx, o, bin, tmp)
		if err != nil {
			return nil, fmt.Errorf("steady state: %w", err)
		}
		res.SteadyState = ss
	}
	if !o.skipImport {
		imp, err := importBench(ctx, o, tmp)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		res.Import = imp
	}
	if !o.scale.skip {
		sc, err := scaleBench(ctx, o, bin, tmp)
		if err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
		res.Scale = sc
	}
	res.Targets = targets(res)
	return res, nil
}

// runOnboardingAndLoop runs the onboarding and, unless skipped, the sequential loop over the same
// customers.
func runOnboardingAndLoop(ctx context.Context, o options, bin, tmp string, res *Results) error {
	ob, curve, err := onboarding(ctx, o, bin, tmp)
	if err != nil {
		return fmt.Errorf("onboarding: %w", err)
	}
	res.Onboarding, res.onboardingCurve = ob, curve
	if o.skipSequential {
		return nil
	}
	sq, curve, err := sequential(ctx, o)
	if err != nil {
		return fmt.Errorf("sequential loop: %w", err)
	}
	sq.Ratio = round(sq.Seconds/ob.Seconds, 2)
	res.Sequential, res.sequentialCurve = sq, curve
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}
