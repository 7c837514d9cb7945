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
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const (
	// settledCustomers are attested in Partner Center before the test; newCustomers are not,
	// and are created after the restart.
	settledCustomers = 120
	newCustomers     = 2
	// restartWindow is how long after the restart the settled customers' reads are counted;
	// with --resync-interval=1h, 120 customers spread over the hour make 2 reads in a minute.
	restartWindow = time.Minute
	// handful bounds the settled customers read in restartWindow.
	handful = 6
	// firstCallWithin bounds the time from a new CustomerAgreement to its first Partner Center
	// call.
	firstCallWithin = 2 * time.Second
)

func restartCustomerID(i int) string { return fmt.Sprintf("f0000000-0000-4000-8000-%012d", i) }

// A restart costs nothing extra: the manager is stopped once 120 customers are settled
// (--resync-interval=1h) and started again; in the first minute it reads at most a handful of
// them and writes no status, and still onboards a new customer at once. Then the tenant's rate
// is cut to 2 requests/s, which has all 120 re-read as resyncs: a second new customer's first
// call still starts within 2 s.
func TestRestartReadsSettledCustomersAtTheirSlots(t *testing.T) {
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

	k8s, kubeconfigFile := startControlPlane(t, dir)
	sim := pcsim.New(restartSeed(), pcsim.Options{})
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
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	launch := launcherFor(managerBin)
	args := []string{
		"--kubeconfig=" + kubeconfigFile,
		"--metrics-bind-address=0",
		"--credentials-namespace=" + operatorNamespace,
		"--partner-center-ca-file=" + caFile,
		"--attestation-poll-interval=500ms",
		"--resync-interval=1h",
		"--partner-tenant-retry-interval=2s",
	}
	var managers []*managerProc
	t.Cleanup(func() {
		for _, m := range managers {
			m.stop()
			if t.Failed() {
				t.Logf("---- last lines of %s (%s) ----\n%s", m.name, m.logFile, m.tail(60))
			}
		}
	})
	start := func(i int) *managerProc {
		m := launch.start(t, i, dir, args)
		managers = append(managers, m)
		if err := m.waitHealthy(ctx, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		return m
	}

	first := start(0)
	for i := range settledCustomers {
		createCustomer(ctx, t, k8s, i)
	}
	settled := waitSettled(ctx, t, k8s, 120*time.Second)
	first.stop()
	t.Logf("%d customers settled; %s stopped", len(settled), first.name)

	sim.ResetRequests()
	restarted := time.Now()
	start(1)
	time.Sleep(time.Until(restarted.Add(restartWindow / 3)))
	firstCall(ctx, t, k8s, sim, settledCustomers)
	time.Sleep(time.Until(restarted.Add(restartWindow)))
	read := map[string]bool{}
	for _, r := range sim.Requests() {
		if i := customerIndex(r.Path); i >= 0 && i < settledCustomers && r.Time.Before(restarted.Add(restartWindow)) {
			read[restartCustomerID(i)] = true
		}
	}
	t.Logf("in the first %s after the restart, %d of the %d settled customers were read", restartWindow, len(read), settledCustomers)
	if len(read) > handful {
		t.Errorf("%d of the %d settled customers were read in the first %s after the restart, want at most %d", len(read), settledCustomers, restartWindow, handful)
	}
	for _, ca := range listAgreements(ctx, t, k8s) {
		if rv, ok := settled[ca.Name]; ok && rv != ca.ResourceVersion {
			t.Errorf("%s was written after the restart (resourceVersion %s → %s): %+v", ca.Name, rv, ca.ResourceVersion, ca.Status)
		}
	}

	// A change of the PartnerTenant's spec (its rate cut to 2 requests/s) re-reads no settled
	// customer: they keep their slots.
	pt := &v1alpha1.PartnerTenant{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: partnerName}, pt); err != nil {
		t.Fatal(err)
	}
	pt.Spec.RateLimit = &v1alpha1.RateLimit{QPS: 2, Burst: 1}
	if err := k8s.Update(ctx, pt); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	time.Sleep(3 * time.Second)
	if n := settledReadsSince(sim, cut); n > handful {
		t.Errorf("%d settled customers were re-read after their PartnerTenant's spec changed, want at most %d", n, handful)
	}

	// A person asks for every settled customer to be read again now (the reconcile-now
	// annotation): 120 resync reads at 2 requests/s, a minute of work, which a new customer's
	// first call does not wait behind.
	asked := time.Now()
	for _, ca := range listAgreements(ctx, t, k8s) {
		if _, ok := settled[ca.Name]; !ok {
			continue
		}
		patch := client.MergeFrom(ca.DeepCopy())
		if ca.Annotations == nil {
			ca.Annotations = map[string]string{}
		}
		ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt] = asked.UTC().Format(time.RFC3339Nano)
		if err := k8s.Patch(ctx, &ca, patch); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second)
	firstCall(ctx, t, k8s, sim, settledCustomers+1)
	time.Sleep(time.Until(asked.Add(10 * time.Second)))
	resynced := settledReadsSince(sim, asked)
	t.Logf("%d resync reads in the %s since every settled customer was asked for at 2 requests/s", resynced, time.Since(asked).Round(time.Second))
	if resynced < 5 {
		t.Errorf("only %d resync reads since they were asked for: the settled customers were not re-read", resynced)
	}
}

// settledReadsSince counts the simulator's requests for the settled customers after t.
func settledReadsSince(sim *pcsim.Server, t time.Time) int {
	n := 0
	for _, r := range sim.Requests() {
		if i := customerIndex(r.Path); i >= 0 && i < settledCustomers && r.Time.After(t) {
			n++
		}
	}
	return n
}

// firstCall creates the new customer i and checks that its first Partner Center call starts
// within firstCallWithin and that its attestation is started.
func firstCall(ctx context.Context, t *testing.T, k8s client.Client, sim *pcsim.Server, i int) {
	t.Helper()
	created := time.Now()
	createCustomer(ctx, t, k8s, i)
	deadline := created.Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var calls []pcsim.RequestRecord
		for _, r := range sim.Requests() {
			if customerIndex(r.Path) == i {
				calls = append(calls, r)
			}
		}
		started := false
		for _, a := range sim.Attestations() {
			started = started || strings.EqualFold(a.SignatoryEmail, restartSignatory(i))
		}
		if len(calls) > 0 && started {
			took := calls[0].Time.Sub(created)
			t.Logf("customer %d: first call %s after its CustomerAgreement was created; attestation started", i, took.Round(time.Millisecond))
			if took > firstCallWithin {
				t.Errorf("customer %d: first Partner Center call %s after its CustomerAgreement was created, want within %s", i, took.Round(time.Millisecond), firstCallWithin)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("customer %d: no first call or no attestation started within 30 s", i)
}

// customerIndex is the index of the customer a Partner Center path names (-1: none).
func customerIndex(path string) int {
	const prefix = "/v1/customers/"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return -1
	}
	id, _, _ := strings.Cut(rest, "/")
	var i int
	if _, err := fmt.Sscanf(id, "f0000000-0000-4000-8000-%012d", &i); err != nil {
		return -1
	}
	return i
}

func restartSignatory(i int) string { return fmt.Sprintf("signatory-%03d@restart-%03d.example", i, i) }

func createCustomer(ctx context.Context, t *testing.T, k8s client.Client, i int) {
	t.Helper()
	ca := &v1alpha1.CustomerAgreement{
		// Labelled as the shipped admission policy labels it (this suite installs no policies),
		// so that a start has nothing to label and any write to the object is the start's.
		ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: fmt.Sprintf("restart-%03d", i),
			Labels: map[string]string{v1alpha1.LabelPartnerTenant: partnerName}},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: partnerName},
			CustomerTenantID: restartCustomerID(i),
			CompanyName:      fmt.Sprintf("Restart %03d Ltd", i),
			Method:           v1alpha1.MethodPartnerAttestation,
			ManagementPolicy: v1alpha1.ManagementPolicyManage,
			Signatory: &v1alpha1.Signatory{FirstName: "Signatory", LastName: fmt.Sprintf("Number%03d", i),
				Email: restartSignatory(i), PhoneNumber: fmt.Sprintf("+1 425 555 %04d", i)},
		},
	}
	if err := k8s.Create(ctx, ca); err != nil {
		t.Fatalf("creating %s: %v", ca.Name, err)
	}
}

// waitSettled waits until every CustomerAgreement is settled under its spec and returns their
// resourceVersions by name.
func waitSettled(ctx context.Context, t *testing.T, k8s client.Client, timeout time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out := map[string]string{}
		for _, ca := range listAgreements(ctx, t, k8s) {
			if mca.Settled(&ca.Status, ca.Generation) && ca.Status.State == v1alpha1.StateAttested {
				out[ca.Name] = ca.ResourceVersion
			}
		}
		if len(out) == settledCustomers {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d customers settled after %s", len(out), settledCustomers, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func restartSeed() *pcsim.Seed {
	p := pcsim.SeedPartner{TenantID: partnerTenantID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken}
	for i := range settledCustomers + newCustomers {
		c := pcsim.SeedCustomer{TenantID: restartCustomerID(i), CompanyName: fmt.Sprintf("Restart %03d Ltd", i)}
		if i < settledCustomers {
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2024-06-01", PrimaryContact: pcsim.SeedContact{
				FirstName: "Signatory", LastName: fmt.Sprintf("Number%03d", i), Email: restartSignatory(i)}}}
		}
		p.Customers = append(p.Customers, c)
	}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{p}}
}

// startControlPlane starts envtest and returns an admin client and a kubeconfig file for the
// manager processes.
func startControlPlane(t *testing.T, dir string) (client.Client, string) {
	t.Helper()
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
	return k8s, kubeconfigFile
}
