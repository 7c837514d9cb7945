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

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const (
	credentialsNamespace = "mca-operator-system"
	customerNamespace    = "customers"
	partnerName          = "bench-provider"
	partnerTenantID      = "99999999-aaaa-4aaa-8aaa-999999999999"
	partnerClientID      = "c0000000-0000-4000-8000-0000000000b0"
	partnerClientSecret  = "bench-client-secret"
	partnerRefreshToken  = "bench-refresh-token"
	partnerSecretName    = "pc-bench-provider"
)

func numCPU() int { return runtime.NumCPU() }

func goBuild(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/manager")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// controlPlane is one envtest control plane with an admin kubeconfig for the manager process.
type controlPlane struct {
	env        *envtest.Environment
	cfg        *rest.Config
	cl         client.WithWatch
	kubeconfig string
}

func startControlPlane(ctx context.Context, o options, dir string) (*controlPlane, error) {
	env := &envtest.Environment{CRDDirectoryPaths: []string{o.crdDir}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest: %w", err)
	}
	cp := &controlPlane{env: env}
	// The bench's own client is not throttled client-side: creating 10,000 objects at client-go's
	// default 5/s would take half an hour.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cp.cfg = cfg
	if cp.cl, err = client.NewWithWatch(cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		cp.stop()
		return nil, err
	}
	user, err := env.AddUser(envtest.User{Name: "bench", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		cp.stop()
		return nil, fmt.Errorf("adding the manager's user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		cp.stop()
		return nil, err
	}
	cp.kubeconfig = filepath.Join(dir, fmt.Sprintf("kubeconfig-%d", time.Now().UnixNano()))
	if err := os.WriteFile(cp.kubeconfig, kc, 0o600); err != nil {
		cp.stop()
		return nil, err
	}
	for _, ns := range []string{credentialsNamespace, customerNamespace} {
		if err := cp.cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			cp.stop()
			return nil, err
		}
	}
	return cp, nil
}

func (cp *controlPlane) stop() {
	if err := cp.env.Stop(); err != nil {
		logf("stopping envtest: %v", err)
	}
}

// createPartnerTenant creates the credentials Secret and the PartnerTenant with the rate limit,
// open to CustomerAgreements of every namespace.
func (cp *controlPlane) createPartnerTenant(ctx context.Context, simURL string, qps, burst int) error {
	if err := cp.cl.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: partnerSecretName},
		StringData: map[string]string{"clientId": partnerClientID, "clientSecret": partnerClientSecret, "refreshToken": partnerRefreshToken},
	}); err != nil {
		return err
	}
	return cp.cl.Create(ctx, &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: partnerName},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: partnerTenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
			Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: partnerSecretName},
			RateLimit:            &v1alpha1.RateLimit{QPS: int32(qps), Burst: int32(burst)},
			// The benchmark's one customers namespace may use it (absent, none may).
			AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
		},
	})
}

// createAll creates the CustomerAgreements with a few parallel writers.
func (cp *controlPlane) createAll(ctx context.Context, cas []*v1alpha1.CustomerAgreement) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cas) || ctx.Err() != nil {
					return
				}
				if err := cp.cl.Create(ctx, cas[i]); err != nil {
					errs <- fmt.Errorf("creating %s: %w", cas[i].Name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// ---- the manager process ------------------------------------------------

type managerProc struct {
	pprofAddr string
	cmd       *exec.Cmd
	started   time.Time
	done      chan struct{}
	logPath   string
	// After exit.
	peakRSSKiB int64
	cpu        time.Duration
}

func startManager(ctx context.Context, o options, bin string, args []string, logPath string) (*managerProc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	var pprofAddr string
	if o.pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append([]string{"--pprof-address=" + pprofAddr}, args...)
	}
	if o.idleConns > 0 {
		args = append([]string{"--pc-max-idle-conns-per-host=" + strconv.Itoa(o.idleConns)}, args...)
	}
	if o.pprof || o.idleConns > 0 {
		args = append([]string{managerMode}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.NumCPU()))
	cmd.Env = append(cmd.Env, o.managerEnv...)
	m := &managerProc{cmd: cmd, done: make(chan struct{}), logPath: logPath, pprofAddr: pprofAddr}
	m.started = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	go func() {
		_ = cmd.Wait()
		lf.Close()
		if ps := cmd.ProcessState; ps != nil {
			m.cpu = ps.UserTime() + ps.SystemTime()
			if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
				m.peakRSSKiB = ru.Maxrss
			}
		}
		close(m.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = m.cmd.Process.Kill()
		case <-m.done:
		}
	}()
	return m, nil
}

func (m *managerProc) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stop ends the manager (SIGTERM, then SIGKILL) and waits for it.
func (m *managerProc) stop() {
	if m.exited() {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// procStats reads the running manager's memory (KiB) and CPU time from /proc.
type procStats struct {
	rssKiB, hwmKiB   int64
	anonKiB, fileKiB int64
	cpu              time.Duration
}

func (m *managerProc) stats() (procStats, error) {
	pid := m.cmd.Process.Pid
	var ps procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			ps.rssKiB = v
		case "VmHWM:":
			ps.hwmKiB = v
		case "RssAnon:":
			ps.anonKiB = v
		case "RssFile:":
			ps.fileKiB = v
		}
	}
	f.Close()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) < 13 {
		return ps, errors.New("short /proc/pid/stat")
	}
	ut, _ := strconv.ParseInt(rest[11], 10, 64)
	st, _ := strconv.ParseInt(rest[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	ps.cpu = time.Duration(ut+st) * time.Second / clkTck
	return ps, nil
}

func managerArgs(cp *controlPlane, caFile string, resync time.Duration, maxConcurrent int) []string {
	return []string{
		"--kubeconfig=" + cp.kubeconfig,
		"--partner-center-ca-file=" + caFile,
		"--credentials-namespace=" + credentialsNamespace,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=0",
		"--resync-interval=" + resync.String(),
		"--max-concurrent-reconciles=" + strconv.Itoa(maxConcurrent),
	}
}

// ---- watching the customers --------------------------------------------

// tracker follows every CustomerAgreement through a watch: it counts status writes (every
// MODIFIED event; the bench never changes a spec) and records when each reached its final state.
type tracker struct {
	mu        sync.Mutex
	start     time.Time
	total     int
	modified  map[string]int
	converged map[string]time.Duration
	times     []float64 // seconds since start, in order of convergence
	allDone   chan struct{}
}

func newTracker(total int) *tracker {
	return &tracker{total: total, modified: map[string]int{}, converged: map[string]time.Duration{}, allDone: make(chan struct{})}
}

func final(ca *v1alpha1.CustomerAgreement) bool {
	return ca.Status.ObservedGeneration == ca.Generation &&
		ca.Status.State == v1alpha1.StateAttested &&
		meta.IsStatusConditionTrue(ca.Status.Conditions, v1alpha1.ConditionReady)
}

func (t *tracker) setStart(at time.Time) { t.mu.Lock(); t.start = at; t.mu.Unlock() }

func (t *tracker) observe(ev watch.Event) {
	ca, ok := ev.Object.(*v1alpha1.CustomerAgreement)
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev.Type == watch.Modified {
		t.modified[ca.Name]++
	}
	if _, done := t.converged[ca.Name]; !done && final(ca) {
		d := now.Sub(t.start)
		t.converged[ca.Name] = d
		t.times = append(t.times, d.Seconds())
		if len(t.converged) == t.total {
			close(t.allDone)
		}
	}
}

func (t *tracker) counts() (converged, writes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.modified {
		writes += n
	}
	return len(t.converged), writes
}

func (t *tracker) snapshot() (times []float64, modified map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	modified = make(map[string]int, len(t.modified))
	for k, v := range t.modified {
		modified[k] = v
	}
	return append([]float64(nil), t.times...), modified
}

// watchCustomers lists the namespace, then watches it from that resourceVersion (re-watching
// when the server closes the watch) until ctx ends.
func (cp *controlPlane) watchCustomers(ctx context.Context, t *tracker) error {
	var list v1alpha1.CustomerAgreementList
	if err := cp.cl.List(ctx, &list, client.InNamespace(customerNamespace)); err != nil {
		return err
	}
	rv := list.ResourceVersion
	ready := make(chan error, 1)
	go func() {
		first := true
		for ctx.Err() == nil {
			w, err := cp.cl.Watch(ctx, &v1alpha1.CustomerAgreementList{}, client.InNamespace(customerNamespace),
				&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
			if first {
				ready <- err
				first = false
			}
			if err != nil {
				if ctx.Err() == nil {
					logf("watch failed, retrying: %v", err)
					time.Sleep(time.Second)
				}
				continue
			}
			for ev := range w.ResultChan() {
				if ev.Type == watch.Error {
					if ctx.Err() != nil {
						break
					}
					logf("watch error event: %v", ev.Object)
					break
				}
				if o, ok := ev.Object.(client.Object); ok {
					rv = o.GetResourceVersion()
				}
				if ev.Type != watch.Bookmark {
					t.observe(ev)
				}
			}
			w.Stop()
		}
	}()
	return <-ready
}

// ---- the API server's own request counters -----------------------------

var requestTotalRE = regexp.MustCompile(`^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$`)
var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// apiWrites returns the API server's count of mutating requests by resource[/subresource].
func (cp *controlPlane) apiWrites(ctx context.Context) (map[string]float64, error) {
	cs, err := kubernetes.NewForConfig(cp.cfg)
	if err != nil {
		return nil, err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := requestTotalRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[1], -1) {
			labels[l[1]] = l[2]
		}
		switch labels["verb"] {
		case "POST", "PUT", "PATCH", "DELETE", "APPLY", "DELETECOLLECTION":
		default:
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		k := labels["resource"]
		if s := labels["subresource"]; s != "" {
			k += "/" + s
		}
		out[k] += v
	}
	return out, nil
}

func diffWrites(before, after map[string]float64) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := int(v - before[k] + 0.5); d > 0 {
			out[k] = d
		}
	}
	return out
}

// managerWrites sums the writes the manager makes (the API server renews its own leases).
func managerWrites(d map[string]int) int {
	n := 0
	for k, v := range d {
		if k == "leases" {
			continue
		}
		n += v
	}
	return n
}

// ---- the simulator's request log ---------------------------------------

// opOf names the Partner Center operation of a simulator request.
func opOf(r pcsim.RequestRecord) string {
	p := r.Path
	switch {
	case strings.HasSuffix(p, "/oauth2/token"):
		return "Token"
	case p == "/v1/agreements":
		return "GetAgreementMetadata"
	case strings.HasPrefix(p, "/v1/customers/") && strings.HasSuffix(p, "/agreements"):
		if r.Method == "POST" {
			return "CreateAgreement"
		}
		return "ListCustomerAgreements"
	case strings.HasSuffix(p, "/directSignedMicrosoftCustomerAgreementStatus"):
		return "GetDirectSignedStatus"
	case p == "/v1/attestations/enhanced":
		return "StartEnhancedAttestation"
	case strings.HasPrefix(p, "/v1/attestations/enhanced/"):
		return "GetEnhancedAttestation"
	case strings.HasPrefix(p, "/v1/agreementtemplates/"):
		return "GetAgreementDocument"
	}
	return "Other"
}

func customerOf(path string) string {
	const pre = "/v1/customers/"
	if !strings.HasPrefix(path, pre) {
		return ""
	}
	rest := path[len(pre):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}

// CallStats summarise a request log.
type CallStats struct {
	// Total counts every Partner Center API request (token requests excluded), 429s included.
	Total     int                `json:"total"`
	Token     int                `json:"tokenRequests"`
	Throttled int                `json:"throttled"`
	ByOp      map[string]int     `json:"byOperation"`
	PerCust   float64            `json:"perCustomer"`
	PerCustOp map[string]float64 `json:"perCustomerByOperation"`
	FirstCall time.Time          `json:"-"`
	// ThrottledAt: when the 429s came, in seconds after the first call.
	ThrottledAt []float64 `json:"throttledAt,omitempty"`
}

func callStats(reqs []pcsim.RequestRecord, customers int) CallStats {
	cs := CallStats{ByOp: map[string]int{}, PerCustOp: map[string]float64{}}
	for _, r := range reqs {
		op := opOf(r)
		if op == "Token" {
			cs.Token++
			continue
		}
		if cs.FirstCall.IsZero() || r.Time.Before(cs.FirstCall) {
			cs.FirstCall = r.Time
		}
		cs.Total++
		if r.Status == 429 || r.RateLimited {
			cs.Throttled++
			op += " (429)"
		}
		cs.ByOp[op]++
	}
	for _, r := range reqs {
		if opOf(r) != "Token" && (r.Status == 429 || r.RateLimited) {
			cs.ThrottledAt = append(cs.ThrottledAt, round(r.Time.Sub(cs.FirstCall).Seconds(), 2))
		}
	}
	for op, n := range cs.ByOp {
		cs.PerCustOp[op] = round(float64(n)/float64(customers), 3)
	}
	cs.PerCust = round(float64(cs.Total)/float64(customers), 3)
	return cs
}

// ---- TCP connections to the simulator ----------------------------------

// connCounter samples /proc/net/tcp{,6} and collects the client ports of every connection to the
// simulator's port it sees (open or in TIME_WAIT): the number of TCP (and so TLS) connections the
// manager opened. TIME_WAIT lasts 60s, so sampling every second misses none.
type connCounter struct {
	port  int
	mu    sync.Mutex
	ports map[int]bool
	open  int
}

func newConnCounter(ctx context.Context, simURL string) *connCounter {
	c := &connCounter{ports: map[int]bool{}}
	if i := strings.LastIndexByte(simURL, ':'); i >= 0 {
		c.port, _ = strconv.Atoi(simURL[i+1:])
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			c.sample()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return c
}

func (c *connCounter) sample() {
	open := 0
	seen := map[int]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 4 {
				continue
			}
			lp, rp := hexPort(fs[1]), hexPort(fs[2])
			var client int
			switch {
			case rp == c.port:
				client = lp
			case lp == c.port && rp != 0:
				client = rp
			default:
				continue
			}
			seen[client] = true
			if fs[3] == "01" && rp == c.port { // ESTABLISHED, client side
				open++
			}
		}
	}
	c.mu.Lock()
	for p := range seen {
		c.ports[p] = true
	}
	c.open = open
	c.mu.Unlock()
}

// counts returns the connections seen so far and those open now.
func (c *connCounter) counts() (total, open int) {
	c.sample()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ports), c.open
}

func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	v, err := strconv.ParseInt(addr[i+1:], 16, 32)
	if err != nil {
		return -1
	}
	return int(v)
}

// profile saves a profile of the manager under dir, when it runs with pprof.
func (m *managerProc) profile(what, path string) {
	if m.pprofAddr == "" {
		return
	}
	if err := fetchProfile(m.pprofAddr, what, path); err != nil {
		logf("profile %s: %v", what, err)
		return
	}
	logf("saved %s", path)
}
