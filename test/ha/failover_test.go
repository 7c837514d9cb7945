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

// Package ha proves that a legal act stays single under leader failover: two manager processes,
// built from cmd/manager, run with leader election against one kube-apiserver (envtest) and the
// Partner Center simulator; the leader is killed with SIGKILL while 200 customers onboard, the
// other takes over, and every customer ends with exactly one agreement. It also proves that a
// restart costs nothing extra (restart_test.go): settled customers are read at their resync slots.
package ha

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const (
	customers = 200
	// operatorNamespace holds the credentials Secret and the leader-election Lease.
	operatorNamespace = "mca-operator-system"
	customerNamespace = "customers"

	partnerName     = "contoso-direct"
	partnerTenantID = "11111111-aaaa-4aaa-8aaa-111111111111"
	partnerSecret   = "pc-contoso-direct"
	clientID        = "c0000000-0000-4000-8000-00000000000a"
	clientSecret    = "sim-secret-a"
	refreshToken    = "sim-refresh-a-initial"

	// signatorySeed fixes the order and delays in which the signatories accept.
	signatorySeed = 20260101
	// maxAcceptDelay bounds how long a signatory takes to accept a new link.
	maxAcceptDelay = 3 * time.Second
	// onboardInterval paces the creation of the CustomerAgreements (200 in about 8 s).
	onboardInterval = 40 * time.Millisecond
	// takeoverTimeout covers the lease duration (15 s by default, not released by a killed
	// process) plus the retry period and a loaded machine.
	takeoverTimeout = 90 * time.Second
	// convergeTimeout is how long the survivor has, after taking over, to settle every customer.
	convergeTimeout = 120 * time.Second
)

func customerID(i int) string   { return fmt.Sprintf("e0000000-0000-4000-8000-%012d", i) }
func customerName(i int) string { return fmt.Sprintf("customer-%03d", i) }
func signatoryEmail(i int) string {
	return fmt.Sprintf("signatory-%03d@customer-%03d.example", i, i)
}

func TestLeaderFailoverKeepsAttestationsSingle(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run with `make test`, which builds kube-apiserver and etcd into bin/k8s")
	}
	begin := time.Now()
	ctrllog.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()

	// The manager binary, built from cmd/manager while envtest starts.
	managerBin := filepath.Join(dir, "manager")
	built := make(chan struct{})
	var buildErr error
	go func() {
		defer close(built)
		buildErr = buildManager(managerBin)
	}()
	t.Cleanup(func() { <-built })

	// The control plane and a kubeconfig for the manager processes.
	testEnv := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := testEnv.Stop(); err != nil {
			t.Logf("stopping envtest: %v", err)
		}
	})
	admin, err := testEnv.AddUser(envtest.User{Name: "mca-operator-ha", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		t.Fatalf("adding the manager's user: %v", err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatalf("writing the kubeconfig: %v", err)
	}
	kubeconfigFile := filepath.Join(dir, "kubeconfig")
	mustWrite(t, kubeconfigFile, kubeconfig)
	k8s, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}

	// The Partner Center simulator over TLS: no rate limit of its own, links valid for a day.
	strike := &postWatch{answered: make(chan string, 1)}
	sim := pcsim.New(seed(), pcsim.Options{Logf: strike.logf})
	simURL, err := sim.StartTLS("")
	if err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	caFile := filepath.Join(dir, "pcsim-ca.pem")
	mustWrite(t, caFile, sim.CACertPEM())

	for _, ns := range []string{operatorNamespace, customerNamespace} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	createPartnerTenant(ctx, t, k8s, simURL)

	<-built
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	launch := launcherFor(managerBin)
	args := []string{
		"--kubeconfig=" + kubeconfigFile,
		"--leader-elect",
		"--metrics-bind-address=0",
		"--credentials-namespace=" + operatorNamespace,
		"--partner-center-ca-file=" + caFile,
		"--attestation-poll-interval=500ms",
		"--resync-interval=1h",
		"--partner-tenant-retry-interval=2s",
	}
	managers := make([]*managerProc, 0, 2)
	for i := range 2 {
		m := launch.start(t, i, dir, args)
		managers = append(managers, m)
	}
	t.Cleanup(func() {
		for _, m := range managers {
			m.stop()
		}
		if t.Failed() {
			for _, m := range managers {
				t.Logf("---- last lines of %s (%s) ----\n%s", m.name, m.logFile, m.tail(60))
			}
		}
	})
	for _, m := range managers {
		if err := m.waitHealthy(ctx, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	first, firstID := waitForLeader(ctx, t, k8s, managers, nil, 60*time.Second)
	t.Logf("%s (pid %d) holds the Lease as %q after %s; %s (pid %d) stands by",
		first.name, first.pid(), firstID, time.Since(begin).Round(time.Millisecond), other(managers, first).name, other(managers, first).pid())

	// The signatories: each accepts a new link after a random short delay.
	sigCtx, stopSignatories := context.WithCancel(ctx)
	var sigWG sync.WaitGroup
	defer func() { stopSignatories(); sigWG.Wait() }()
	sigWG.Add(1)
	go func() {
		defer sigWG.Done()
		playSignatories(sigCtx, t, sim)
	}()

	// Customers arrive at a steady pace, so that when the leader dies some attestations are being
	// started, some await their signatory and some are being turned into agreements.
	onboardStart := time.Now()
	onboardCtx, stopOnboarding := context.WithCancel(ctx)
	onboarded := make(chan struct{})
	var onboardErr error
	go func() {
		defer close(onboarded)
		onboardErr = onboard(onboardCtx, k8s)
	}()
	t.Cleanup(func() { stopOnboarding(); <-onboarded })

	// Kill the leader once about a third of the customers are Attested.
	killAt := customers / 3
	var attestedAtKill int
	deadline := time.Now().Add(takeoverTimeout)
	for {
		attestedAtKill = countAttested(ctx, t, k8s)
		if attestedAtKill >= killAt {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d customers Attested after %s, before any failover", attestedAtKill, customers, takeoverTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	leader, leaderID := waitForLeader(ctx, t, k8s, managers, nil, 5*time.Second)
	// Strike right after Partner Center answered one of the leader's writes: its status update
	// (the only record of the answer on the cluster side) is most likely still to come.
	strike.arm()
	var answered string
	select {
	case answered = <-strike.answered:
	case <-time.After(5 * time.Second):
		answered = "(none within 5s)"
	}
	if err := leader.kill(); err != nil {
		t.Fatalf("killing %s: %v", leader.name, err)
	}
	killed := time.Now()
	startedAtKill := len(sim.Attestations())
	inFlight := awaitingCreate(sim)
	agreementsAtKill := countAgreements(sim)
	t.Logf("SIGKILL to leader %s (pid %d, %q) %s after onboarding began, just after Partner Center answered %s",
		leader.name, leader.pid(), leaderID, killed.Sub(onboardStart).Round(time.Millisecond), answered)
	t.Logf("at the kill: %d Attested, %d CustomerAgreements created, %d attestations started, %d accepted and awaiting their agreement, %d agreements created",
		attestedAtKill, countCreated(ctx, t, k8s), startedAtKill, inFlight, agreementsAtKill)

	survivor, survivorID := waitForLeader(ctx, t, k8s, managers, leader, takeoverTimeout)
	takeover := time.Since(killed)
	t.Logf("%s (pid %d) took over as %q %s after the kill", survivor.name, survivor.pid(), survivorID, takeover.Round(time.Millisecond))
	<-onboarded
	if onboardErr != nil {
		t.Fatal(onboardErr)
	}

	// Every customer settles Attested, with exactly one agreement.
	var states map[v1alpha1.AgreementState]int
	convergeDeadline := time.Now().Add(convergeTimeout)
	for {
		states = stateCounts(ctx, t, k8s)
		if states[v1alpha1.StateAttested] == customers {
			break
		}
		if time.Now().After(convergeDeadline) {
			t.Fatalf("%s after the takeover not every customer is Attested: %v", convergeTimeout, states)
		}
		time.Sleep(200 * time.Millisecond)
	}
	converged := time.Since(killed)
	stopSignatories()
	sigWG.Wait()

	// The simulator's record: agreements and attestations per customer.
	attestations := map[string][]pcsim.Attestation{}
	for _, a := range sim.Attestations() {
		attestations[strings.ToLower(a.SignatoryEmail)] = append(attestations[strings.ToLower(a.SignatoryEmail)], a)
	}
	perCustomer := map[int]int{} // attestations started → customers
	totalAgreements, totalAttestations, expired := 0, 0, 0
	for i := range customers {
		recs := sim.CustomerAgreements(partnerTenantID, customerID(i))
		totalAgreements += len(recs)
		if len(recs) != 1 {
			t.Errorf("%s (%s) has %d agreement records, want exactly 1: %+v", customerName(i), customerID(i), len(recs), recs)
		}
		atts := attestations[signatoryEmail(i)]
		totalAttestations += len(atts)
		perCustomer[len(atts)]++
		exp := 0
		for _, a := range atts {
			if a.Status == pcsim.StatusExpired {
				exp++
			}
		}
		expired += exp
		if len(atts) > exp+1 {
			var ids []string
			for _, a := range atts {
				ids = append(ids, a.ID+"="+a.Status)
			}
			t.Errorf("%s had %d attestations started (%d expired links), want at most %d: %v", customerName(i), len(atts), exp, exp+1, ids)
		}
	}

	var replayed, posts, errors5xx int
	replayedBy := map[string]int{}
	for _, r := range sim.Requests() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/v1/") {
			posts++
		}
		if r.Replayed {
			replayed++
			replayedBy[r.Method+" "+routeOf(r.Path)]++
		}
		if r.Status >= 500 {
			errors5xx++
		}
	}
	t.Logf("takeover %s after SIGKILL; all %d Attested %s after the kill (%s after onboarding began; test ran %s)",
		takeover.Round(time.Millisecond), customers, converged.Round(time.Millisecond), time.Since(onboardStart).Round(time.Millisecond), time.Since(begin).Round(time.Second))
	t.Logf("at the end: %d agreements for %d customers, %d attestations started (%d expired links); customers × attestations started: %s",
		totalAgreements, customers, totalAttestations, expired, histogram(perCustomer))
	t.Logf("simulator: %d API POSTs, %d answers replayed for a repeated MS-RequestId %v, %d 5xx answers",
		posts, replayed, replayedBy, errors5xx)
}

// postWatch hears, once armed, of the first write (a POST answered 201, not replayed) the
// simulator answers.
type postWatch struct {
	armed    atomic.Bool
	answered chan string
}

func (w *postWatch) arm() { w.armed.Store(true) }

// logf is the simulator's request log hook: it runs right after the answer was written.
func (w *postWatch) logf(format string, args ...any) {
	if !w.armed.Load() {
		return
	}
	line := fmt.Sprintf(format, args...)
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != http.MethodPost || !strings.HasPrefix(f[1], "/v1/") || f[2] != "201" || strings.HasSuffix(line, "(replayed)") {
		return
	}
	select {
	case w.answered <- f[0] + " " + routeOf(f[1]):
		w.armed.Store(false)
	default:
	}
}

// routeOf folds ids out of a simulator path, for counting requests per endpoint.
func routeOf(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) >= 32 && strings.Count(p, "-") == 4 {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func histogram(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%d×%d", m[k], k))
	}
	return strings.Join(out, ", ")
}

func seed() *pcsim.Seed {
	p := pcsim.SeedPartner{TenantID: partnerTenantID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken}
	for i := range customers {
		p.Customers = append(p.Customers, pcsim.SeedCustomer{TenantID: customerID(i), CompanyName: fmt.Sprintf("Customer %03d Ltd", i)})
	}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{p}}
}

func createPartnerTenant(ctx context.Context, t *testing.T, k8s client.Client, simURL string) {
	t.Helper()
	if err := k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: partnerSecret},
		StringData: map[string]string{"clientId": clientID, "clientSecret": clientSecret, "refreshToken": refreshToken},
	}); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: partnerName},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: partnerTenantID, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: partnerSecret},
			RateLimit:            &v1alpha1.RateLimit{QPS: 200, Burst: 200},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
		},
	}); err != nil {
		t.Fatal(err)
	}
}

// playSignatories accepts every new acceptance link after a random delay below maxAcceptDelay,
// as the customers' signatories would.
func playSignatories(ctx context.Context, t *testing.T, sim *pcsim.Server) {
	rng := rand.New(rand.NewPCG(signatorySeed, signatorySeed))
	seen := map[string]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		atts := sim.Attestations()
		sort.Slice(atts, func(i, j int) bool { return atts[i].Created.Before(atts[j].Created) })
		for _, a := range atts {
			if seen[a.ID] || a.Status != pcsim.StatusLinkGenerated {
				continue
			}
			seen[a.ID] = true
			delay := time.Duration(rng.Int64N(int64(maxAcceptDelay)))
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				select {
				case <-ctx.Done():
					return
				case <-time.After(delay):
				}
				if err := sim.Accept(id); err != nil {
					t.Errorf("accepting attestation %s: %v", id, err)
				}
			}(a.ID)
		}
	}
}

// onboard creates the CustomerAgreements, one every onboardInterval.
func onboard(ctx context.Context, k8s client.Client) error {
	tick := time.NewTicker(onboardInterval)
	defer tick.Stop()
	for i := range customers {
		ca := &v1alpha1.CustomerAgreement{
			ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: customerName(i)},
			Spec: v1alpha1.CustomerAgreementSpec{
				PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: partnerName},
				CustomerTenantID: customerID(i),
				CompanyName:      fmt.Sprintf("Customer %03d Ltd", i),
				Method:           v1alpha1.MethodPartnerAttestation,
				ManagementPolicy: v1alpha1.ManagementPolicyManage,
				Signatory: &v1alpha1.Signatory{
					FirstName: "Signatory", LastName: fmt.Sprintf("Number%03d", i),
					Email: signatoryEmail(i), PhoneNumber: fmt.Sprintf("+1 425 555 %04d", i),
				},
			},
		}
		if err := k8s.Create(ctx, ca); err != nil {
			return fmt.Errorf("creating %s: %w", ca.Name, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// awaitingCreate counts the attestations the signatory accepted that no agreement was made from yet.
func awaitingCreate(sim *pcsim.Server) int {
	n := 0
	for _, a := range sim.Attestations() {
		if a.Status == pcsim.StatusCustomerAccepted {
			n++
		}
	}
	return n
}

func countCreated(ctx context.Context, t *testing.T, k8s client.Client) int {
	t.Helper()
	return len(listAgreements(ctx, t, k8s))
}

func listAgreements(ctx context.Context, t *testing.T, k8s client.Client) []v1alpha1.CustomerAgreement {
	t.Helper()
	var list v1alpha1.CustomerAgreementList
	if err := k8s.List(ctx, &list, client.InNamespace(customerNamespace)); err != nil {
		t.Fatalf("listing CustomerAgreements: %v", err)
	}
	return list.Items
}

func countAttested(ctx context.Context, t *testing.T, k8s client.Client) int {
	t.Helper()
	return stateCounts(ctx, t, k8s)[v1alpha1.StateAttested]
}

func stateCounts(ctx context.Context, t *testing.T, k8s client.Client) map[v1alpha1.AgreementState]int {
	t.Helper()
	out := map[v1alpha1.AgreementState]int{}
	for _, ca := range listAgreements(ctx, t, k8s) {
		out[ca.Status.State]++
	}
	return out
}

func countAgreements(sim *pcsim.Server) int {
	n := 0
	for i := range customers {
		n += len(sim.CustomerAgreements(partnerTenantID, customerID(i)))
	}
	return n
}

// waitForLeader waits until the Lease names a live manager other than not, and returns it.
func waitForLeader(ctx context.Context, t *testing.T, k8s client.Client, managers []*managerProc, not *managerProc, timeout time.Duration) (*managerProc, string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		var lease coordinationv1.Lease
		err := k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: operator.Defaults().LeaderElectionID}, &lease)
		switch {
		case err == nil && lease.Spec.HolderIdentity != nil:
			last = *lease.Spec.HolderIdentity
			if m := holderOf(last, managers); m != nil && m != not && m.alive() {
				return m, last
			}
		case err != nil && !apierrors.IsNotFound(err):
			t.Logf("reading the Lease: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no manager (other than %v) holds the lease after %s; last holder %q", not, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// holderOf maps a Lease holder identity (hostname_uuid) to the manager that holds it: by its own
// hostname when the managers run with distinct ones, else by the one live process whose log
// says it acquired the lease.
func holderOf(identity string, managers []*managerProc) *managerProc {
	host, _, _ := strings.Cut(identity, "_")
	var byHost []*managerProc
	for _, m := range managers {
		if m.hostname == host {
			byHost = append(byHost, m)
		}
	}
	if len(byHost) == 1 {
		return byHost[0]
	}
	var byLog []*managerProc
	for _, m := range byHost {
		if m.alive() && m.acquiredLease() {
			byLog = append(byLog, m)
		}
	}
	if len(byLog) == 1 {
		return byLog[0]
	}
	return nil
}

func other(managers []*managerProc, m *managerProc) *managerProc {
	for _, o := range managers {
		if o != m {
			return o
		}
	}
	return nil
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
