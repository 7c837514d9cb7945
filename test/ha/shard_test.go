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

package ha

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/controller"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// shardPartner is one PartnerTenant of the shard test and its partner in the simulator.
type shardPartner struct {
	name, tenantID, secret, clientID, clientSecret, refreshToken string
	customerPrefix                                               string
}

var (
	shardA = shardPartner{"tenant-a", "22222222-aaaa-4aaa-8aaa-222222222222", "pc-tenant-a", "c0000000-0000-4000-8000-0000000000aa", "sim-secret-aa", "sim-refresh-aa", "a"}
	shardB = shardPartner{"tenant-b", "33333333-bbbb-4bbb-8bbb-333333333333", "pc-tenant-b", "c0000000-0000-4000-8000-0000000000bb", "sim-secret-bb", "sim-refresh-bb", "b"}
)

const (
	shardCustomers = 16
	// shardPreexisting of each PartnerTenant's customers exist, unlabelled, before any shard: the
	// shard that takes the PartnerTenant's Lease labels them.
	shardPreexisting = 4
)

func (p shardPartner) customerID(i int) string {
	if p.customerPrefix == "a" {
		return fmt.Sprintf("a0000000-0000-4000-8000-%012d", i)
	}
	return fmt.Sprintf("b0000000-0000-4000-8000-%012d", i)
}
func (p shardPartner) customer(i int) string { return fmt.Sprintf("%s-customer-%02d", p.name, i) }
func (p shardPartner) email(i int) string {
	return fmt.Sprintf("signatory-%02d@%s-customer-%02d.example", i, p.name, i)
}

// Two shards with disjoint --partner-tenants onboard their own PartnerTenants' customers (also
// those created before the shards, which they label); killing shard A's leader hands tenant-a to
// its standby with one agreement per customer; a third manager misconfigured to serve tenant-b as
// well makes no Partner Center call for it, and tenant-b shows why (a ShardConflict event).
func TestShardsByPartnerTenant(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run with `make test`, which builds kube-apiserver and etcd into bin/k8s")
	}
	ctrllog.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	managerBin := filepath.Join(dir, "manager")
	built := make(chan error, 1)
	go func() { built <- buildManager(managerBin) }()

	testEnv := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := testEnv.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = testEnv.Stop() })
	admin, err := testEnv.AddUser(envtest.User{Name: "mca-operator-shards", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigFile := filepath.Join(dir, "kubeconfig")
	mustWrite(t, kubeconfigFile, kubeconfig)
	k8s, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}

	sim := pcsim.New(shardSeed(), pcsim.Options{})
	simURL, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	caFile := filepath.Join(dir, "pcsim-ca.pem")
	mustWrite(t, caFile, sim.CACertPEM())
	for _, ns := range []string{operatorNamespace, customerNamespace} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []shardPartner{shardA, shardB} {
		createShardPartnerTenant(ctx, t, k8s, simURL, p)
		// Created before the shards (and before any admission policy): no label.
		for i := range shardPreexisting {
			if err := k8s.Create(ctx, p.agreement(i, false)); err != nil {
				t.Fatal(err)
			}
		}
	}

	if err := <-built; err != nil {
		t.Fatal(err)
	}
	launch := launcherFor(managerBin)
	args := func(shard, tenants string) []string {
		return []string{
			"--kubeconfig=" + kubeconfigFile, "--leader-elect", "--metrics-bind-address=0",
			"--credentials-namespace=" + operatorNamespace, "--partner-center-ca-file=" + caFile,
			"--attestation-poll-interval=500ms", "--resync-interval=24h", "--partner-tenant-retry-interval=2s",
			"--leader-election-id=" + shard + ".mca-operator.partnercenter.mca.dev", "--partner-tenants=" + tenants,
		}
	}
	var procs []*managerProc
	t.Cleanup(func() {
		for _, m := range procs {
			m.stop()
		}
		if t.Failed() {
			for _, m := range procs {
				t.Logf("---- last lines of %s (%s) ----\n%s", m.name, m.logFile, m.tail(40))
			}
		}
	})
	startProc := func(i int, shard, tenants string) *managerProc {
		m := launch.start(t, i, dir, args(shard, tenants))
		procs = append(procs, m)
		return m
	}
	a0, a1 := startProc(0, "a", shardA.name), startProc(1, "a", shardA.name)
	b := startProc(2, "b", shardB.name)
	for _, m := range []*managerProc{a0, a1, b} {
		if err := m.waitHealthy(ctx, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	shardAManagers := []*managerProc{a0, a1}
	leaderA, _ := waitForShardLeader(ctx, t, k8s, "a", shardAManagers, nil, 60*time.Second)

	sigCtx, stopSignatories := context.WithCancel(ctx)
	var sigWG sync.WaitGroup
	defer func() { stopSignatories(); sigWG.Wait() }()
	sigWG.Add(1)
	go func() { defer sigWG.Done(); playSignatories(sigCtx, t, sim) }()

	// The other customers arrive labelled, as the admission policy labels them.
	onboarded := make(chan error, 1)
	go func() {
		for i := shardPreexisting; i < shardCustomers; i++ {
			for _, p := range []shardPartner{shardA, shardB} {
				if err := k8s.Create(ctx, p.agreement(i, true)); err != nil {
					onboarded <- err
					return
				}
			}
			time.Sleep(150 * time.Millisecond)
		}
		onboarded <- nil
	}()

	// Kill shard A's leader while tenant-a's customers onboard.
	waitFor(t, 90*time.Second, "a third of tenant-a's customers Attested", func() bool {
		return countAttestedOf(ctx, t, k8s, shardA) >= shardCustomers/3
	})
	if err := leaderA.kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	standby, _ := waitForShardLeader(ctx, t, k8s, "a", shardAManagers, leaderA, takeoverTimeout)
	if err := <-onboarded; err != nil {
		t.Fatal(err)
	}
	for _, p := range []shardPartner{shardA, shardB} {
		waitFor(t, convergeTimeout, "every customer of "+p.name+" Attested", func() bool {
			return countAttestedOf(ctx, t, k8s, p) == shardCustomers
		})
	}
	t.Logf("%s took tenant-a over; every customer Attested %s after the kill", standby.name, time.Since(killed).Round(time.Millisecond))

	// The third manager names tenant-b too. Shard B, settled, makes no call now (resync 24h): any
	// request for tenant-b from here on would be the third's.
	time.Sleep(2 * time.Second)
	before := requestsFor(sim, shardB)
	third := startProc(3, "c", shardB.name)
	if err := third.waitHealthy(ctx, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	var holder string
	waitFor(t, 90*time.Second, "a ShardConflict event on tenant-b naming its Lease's holder", func() bool {
		holder = leaseHolder(ctx, t, k8s, shardB.name)
		return holder != "" && shardConflictEvent(ctx, t, k8s, shardB.name, holder) != ""
	})
	t.Logf("tenant-b shows: %s", shardConflictEvent(ctx, t, k8s, shardB.name, holder))
	if !strings.Contains(b.logText(), holder) {
		t.Errorf("tenant-b's Lease is held by %q, not by shard B (%s)", holder, b.name)
	}
	time.Sleep(5 * time.Second)
	if after := requestsFor(sim, shardB); after != before {
		t.Errorf("the simulator saw %d requests for tenant-b while the third manager ran beside shard B, want 0", after-before)
	}

	// One agreement per customer, at most one attestation beyond expired ones, every object
	// labelled with its PartnerTenant (those from before the shards too).
	for _, p := range []shardPartner{shardA, shardB} {
		for i := range shardCustomers {
			if recs := sim.CustomerAgreements(p.tenantID, p.customerID(i)); len(recs) != 1 {
				t.Errorf("%s has %d agreement records, want 1", p.customer(i), len(recs))
			}
		}
	}
	atts := map[string]int{}
	for _, a := range sim.Attestations() {
		if a.Status != pcsim.StatusExpired {
			atts[strings.ToLower(a.SignatoryEmail)]++
		}
	}
	for email, n := range atts {
		if n > 1 {
			t.Errorf("%s: %d attestations that did not expire, want 1", email, n)
		}
	}
	var list v1alpha1.CustomerAgreementList
	if err := k8s.List(ctx, &list, client.InNamespace(customerNamespace)); err != nil {
		t.Fatal(err)
	}
	for _, ca := range list.Items {
		if got := ca.Labels[v1alpha1.LabelPartnerTenant]; got != ca.Spec.PartnerTenantRef.Name {
			t.Errorf("%s: label %s=%q, want %q", ca.Name, v1alpha1.LabelPartnerTenant, got, ca.Spec.PartnerTenantRef.Name)
		}
	}
}

func shardSeed() *pcsim.Seed {
	seed := &pcsim.Seed{}
	for _, p := range []shardPartner{shardA, shardB} {
		sp := pcsim.SeedPartner{TenantID: p.tenantID, Type: pcsim.PartnerDirectBill, ClientID: p.clientID, ClientSecret: p.clientSecret, RefreshToken: p.refreshToken}
		for i := range shardCustomers {
			sp.Customers = append(sp.Customers, pcsim.SeedCustomer{TenantID: p.customerID(i), CompanyName: p.customer(i)})
		}
		seed.Partners = append(seed.Partners, sp)
	}
	return seed
}

func createShardPartnerTenant(ctx context.Context, t *testing.T, k8s client.Client, simURL string, p shardPartner) {
	t.Helper()
	if err := k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: p.secret},
		StringData: map[string]string{"clientId": p.clientID, "clientSecret": p.clientSecret, "refreshToken": p.refreshToken},
	}); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: p.name},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: p.tenantID, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: p.secret},
			RateLimit:            &v1alpha1.RateLimit{QPS: 200, Burst: 200},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
		},
	}); err != nil {
		t.Fatal(err)
	}
}

func (p shardPartner) agreement(i int, labelled bool) *v1alpha1.CustomerAgreement {
	ca := &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: p.customer(i)},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: p.name},
			CustomerTenantID: p.customerID(i),
			CompanyName:      p.customer(i),
			Method:           v1alpha1.MethodPartnerAttestation,
			ManagementPolicy: v1alpha1.ManagementPolicyManage,
			Signatory: &v1alpha1.Signatory{
				FirstName: "Signatory", LastName: fmt.Sprintf("Number%02d", i),
				Email: p.email(i), PhoneNumber: fmt.Sprintf("+1 425 555 %04d", i),
			},
		},
	}
	if labelled {
		ca.Labels = map[string]string{v1alpha1.LabelPartnerTenant: p.name}
	}
	return ca
}

func countAttestedOf(ctx context.Context, t *testing.T, k8s client.Client, p shardPartner) int {
	t.Helper()
	n := 0
	for _, ca := range listAgreements(ctx, t, k8s) {
		if ca.Spec.PartnerTenantRef.Name == p.name && ca.Status.State == v1alpha1.StateAttested {
			n++
		}
	}
	return n
}

// requestsFor counts the simulator's requests for p's partner tenant (tokens included).
func requestsFor(sim *pcsim.Server, p shardPartner) int {
	n := 0
	for _, r := range sim.Requests() {
		if strings.EqualFold(r.PartnerTenantID, p.tenantID) {
			n++
		}
	}
	return n
}

func leaseHolder(ctx context.Context, t *testing.T, k8s client.Client, partnerTenant string) string {
	t.Helper()
	var lease coordinationv1.Lease
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: controller.LeaseName(partnerTenant)}, &lease); err != nil || lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// shardConflictEvent is the note of a ShardConflict event on the PartnerTenant that names holder.
func shardConflictEvent(ctx context.Context, t *testing.T, k8s client.Client, partnerTenant, holder string) string {
	t.Helper()
	var events eventsv1.EventList
	if err := k8s.List(ctx, &events); err != nil {
		t.Fatalf("listing events: %v", err)
	}
	for _, e := range events.Items {
		if e.Regarding.Kind == "PartnerTenant" && e.Regarding.Name == partnerTenant && e.Reason == v1alpha1.ReasonShardConflict && strings.Contains(e.Note, holder) {
			return e.Note
		}
	}
	return ""
}

// waitForShardLeader waits until the shard's leader-election Lease names a live manager other than not.
func waitForShardLeader(ctx context.Context, t *testing.T, k8s client.Client, shard string, managers []*managerProc, not *managerProc, timeout time.Duration) (*managerProc, string) {
	t.Helper()
	var found *managerProc
	var id string
	waitFor(t, timeout, "a leader of shard "+shard, func() bool {
		var lease coordinationv1.Lease
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: shard + ".mca-operator.partnercenter.mca.dev"}, &lease); err != nil || lease.Spec.HolderIdentity == nil {
			return false
		}
		id = *lease.Spec.HolderIdentity
		found = holderOf(id, managers)
		return found != nil && found != not && found.alive()
	})
	return found, id
}

func waitFor(t *testing.T, timeout time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
