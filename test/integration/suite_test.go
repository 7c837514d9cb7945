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

// Package integration runs the real manager wiring (internal/operator) against a real
// kube-apiserver (envtest) and the Partner Center simulator over HTTPS.
package integration

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const credentialsNamespace = "mca-operator-system"

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	sim       *pcsim.Server
	simURL    string
	clock     = &testClock{}
	stopMgr   func()
)

// testClock is the manager's clock: real time shifted by an offset a spec may set.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.offset = time.Until(t)
	c.mu.Unlock()
}

func (c *testClock) Reset() { c.mu.Lock(); c.offset = 0; c.mu.Unlock() }

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	SetDefaultConsistentlyDuration(2 * time.Second)
	RunSpecs(t, "Integration Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		Fail("KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds kube-apiserver and etcd into bin/k8s")
	}
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: operator.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: credentialsNamespace}})).To(Succeed())

	sim = pcsim.New(testSeed(), pcsim.Options{RotateRefreshTokens: true})
	simURL, err = sim.StartTLS("")
	Expect(err).NotTo(HaveOccurred())

	for _, p := range partners {
		createPartnerTenant(p)
	}
	startReceiver()
	stopMgr = startManager()
})

var _ = AfterSuite(func() {
	if stopMgr != nil {
		stopMgr()
	}
	cancel()
	if sim != nil {
		_ = sim.Close()
	}
	if receiver != nil {
		receiver.Close()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// startManager runs the manager exactly as cmd/manager wires it, with short intervals, and
// returns a function that stops it and waits until it has stopped.
func startManager() func() {
	GinkgoHelper()
	o := operator.Defaults()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.CredentialsNamespace = credentialsNamespace
	o.ResyncInterval = time.Hour
	o.PollInterval = 300 * time.Millisecond
	o.TenantRetryInterval = 2 * time.Second
	o.MinReadInterval = 200 * time.Millisecond
	o.MaxConcurrent = 8
	o.SkipNameValidation = true
	o.HTTPClient = sim.HTTPClient()
	o.DeliveryRootCAs = x509.NewCertPool()
	o.DeliveryRootCAs.AddCert(receiver.Certificate())
	o.Now = clock.Now
	o.Logger = logf.Log
	o.Tune = func(c *pc.Config) {
		c.BackoffBase, c.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
		c.MaxInlineWait = 100 * time.Millisecond
	}
	mctx, mcancel := context.WithCancel(ctx)
	mgr, err := operator.New(mctx, cfg, o)
	Expect(err).NotTo(HaveOccurred())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	return func() {
		mcancel()
		<-done
	}
}

type testPartner struct {
	name, tenantID, secret string
	typ                    v1alpha1.PartnerType
	clientID, clientSecret string
	refreshToken           string
}

var (
	partnerA = testPartner{name: "contoso-direct", tenantID: "11111111-aaaa-4aaa-8aaa-111111111111", secret: "pc-contoso-direct", typ: v1alpha1.PartnerTypeDirectBill,
		clientID: "c0000000-0000-4000-8000-00000000000a", clientSecret: "sim-secret-a", refreshToken: "sim-refresh-a-initial"}
	partnerB = testPartner{name: "contoso-indirect", tenantID: "22222222-bbbb-4bbb-8bbb-222222222222", secret: "pc-contoso-indirect", typ: v1alpha1.PartnerTypeIndirectProvider,
		clientID: "c0000000-0000-4000-8000-00000000000b", clientSecret: "sim-secret-b", refreshToken: "sim-refresh-b-initial"}
	partnerR = testPartner{name: "litware-reseller", tenantID: "33333333-cccc-4ccc-8ccc-333333333333", secret: "pc-litware-reseller", typ: v1alpha1.PartnerTypeIndirectReseller,
		clientID: "c0000000-0000-4000-8000-00000000000c", clientSecret: "sim-secret-r", refreshToken: "sim-refresh-r-initial"}
	partners = []testPartner{partnerA, partnerB, partnerR}
)

// Customers of the seed; each spec uses its own.
const (
	custAttested     = "a0000000-0000-4000-8000-000000000001"
	custDirect       = "a0000000-0000-4000-8000-000000000002"
	custLegacy       = "a0000000-0000-4000-8000-000000000003"
	custEnhanced     = "a0000000-0000-4000-8000-000000000004"
	custLegacyConfim = "a0000000-0000-4000-8000-000000000005"
	custObserve      = "a0000000-0000-4000-8000-000000000006"
	custInvite       = "a0000000-0000-4000-8000-000000000007"
	custDuplicate    = "a0000000-0000-4000-8000-000000000008"
	custLostPOST     = "a0000000-0000-4000-8000-000000000009"
	custDelayed      = "a0000000-0000-4000-8000-00000000000a"
	custNoRel        = "a0000000-0000-4000-8000-00000000000b"
	custReattest     = "a0000000-0000-4000-8000-00000000000c"
	custUnknown      = "a0000000-0000-4000-8000-0000000000ff"
	custB            = "b0000000-0000-4000-8000-000000000001"
	custR            = "c0000000-0000-4000-8000-000000000001"
	throttledPrefix  = "d0000000-0000-4000-8000-0000000001"
)

var ada = pcsim.SeedContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "4255550100"}
var grace = pcsim.SeedContact{FirstName: "Grace", LastName: "Hopper", Email: "grace@northwind.example", PhoneNumber: "+1 (425) 555-0101"}

func testSeed() *pcsim.Seed {
	noRel := false
	none := func(id string) pcsim.SeedCustomer {
		return pcsim.SeedCustomer{TenantID: id, CompanyName: "Customer " + id[len(id)-2:]}
	}
	a := pcsim.SeedPartner{TenantID: partnerA.tenantID, Type: string(partnerA.typ), ClientID: partnerA.clientID, ClientSecret: partnerA.clientSecret, RefreshToken: partnerA.refreshToken,
		Customers: []pcsim.SeedCustomer{
			{TenantID: custAttested, CompanyName: "Contoso Ltd", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2024-01-10T00:00:00", PrimaryContact: ada}}},
			{TenantID: custDirect, CompanyName: "Fabrikam", DirectSigned: true},
			{TenantID: custLegacy, CompanyName: "Northwind", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2022-06-14T00:00:00", PrimaryContact: grace}}},
			{TenantID: custReattest, CompanyName: "Northwind East", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2022-06-14T00:00:00", PrimaryContact: grace}}},
			none(custEnhanced), none(custLegacyConfim), none(custObserve), none(custInvite), none(custDuplicate), none(custLostPOST), none(custDelayed),
			{TenantID: custNoRel, CompanyName: "Litware", Relationship: &noRel},
		}}
	for i := range 10 {
		a.Customers = append(a.Customers, pcsim.SeedCustomer{TenantID: throttledID(i), CompanyName: "Throttled",
			Agreements: []pcsim.SeedAgreement{{DateAgreed: "2024-03-01T00:00:00", PrimaryContact: ada}}})
	}
	b := pcsim.SeedPartner{TenantID: partnerB.tenantID, Type: string(partnerB.typ), ClientID: partnerB.clientID, ClientSecret: partnerB.clientSecret, RefreshToken: partnerB.refreshToken,
		Customers: []pcsim.SeedCustomer{none(custB)}}
	r := pcsim.SeedPartner{TenantID: partnerR.tenantID, Type: string(partnerR.typ), ClientID: partnerR.clientID, ClientSecret: partnerR.clientSecret, RefreshToken: partnerR.refreshToken,
		Customers: []pcsim.SeedCustomer{none(custR)}}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{a, b, r}}
}

func throttledID(i int) string {
	return throttledPrefix + string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func createPartnerTenant(p testPartner) {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: p.secret},
		StringData: map[string]string{"clientId": p.clientID, "clientSecret": p.clientSecret, "refreshToken": p.refreshToken},
	})).To(Succeed())
	Expect(k8sClient.Create(ctx, &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: p.name},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: p.tenantID, PartnerType: p.typ, Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: p.secret},
			RateLimit:            &v1alpha1.RateLimit{QPS: 200, Burst: 200},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
		},
	})).To(Succeed())
}
