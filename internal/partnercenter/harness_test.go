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

package partnercenter_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const (
	partnerID   = "11111111-1111-1111-1111-111111111111"
	resellerID  = "22222222-2222-2222-2222-222222222222"
	mfaID       = "33333333-3333-3333-3333-333333333333"
	clientID    = "0a1b2c3d-0000-4000-8000-00000000c1d1"
	clientSec   = "test-client-secret-7f3a9c"
	initialRT   = "test-refresh-token-initial-5e1d"
	custCurrent = "aaaaaaaa-0000-0000-0000-000000000001"
	custDirect  = "aaaaaaaa-0000-0000-0000-000000000002"
	custLegacy  = "aaaaaaaa-0000-0000-0000-000000000003"
	custReatt   = "aaaaaaaa-0000-0000-0000-000000000004"
	custNoMCA   = "aaaaaaaa-0000-0000-0000-000000000005"
	custCloud   = "aaaaaaaa-0000-0000-0000-000000000006"
	custNoRel   = "aaaaaaaa-0000-0000-0000-000000000007"
	custUnknown = "aaaaaaaa-0000-0000-0000-0000000000ff"
	custNoMCA2  = "aaaaaaaa-0000-0000-0000-000000000009"
)

var secretKey = types.NamespacedName{Namespace: "mca-system", Name: "partner-credentials"}

func testSeed() *pcsim.Seed {
	no := false
	contact := func(f, l, e, p string) pcsim.SeedContact {
		return pcsim.SeedContact{FirstName: f, LastName: l, Email: e, PhoneNumber: p}
	}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{
		{
			TenantID: partnerID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSec, RefreshToken: initialRT,
			Customers: []pcsim.SeedCustomer{
				{TenantID: custCurrent, CompanyName: "Contoso", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2023-09-15T00:00:00", PrimaryContact: contact("Ada", "Lovelace", "ada@contoso.com", "4255550100")}}},
				{TenantID: custDirect, CompanyName: "Fabrikam", DirectSigned: true},
				{TenantID: custLegacy, CompanyName: "Northwind", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2022-06-14T00:00:00", PrimaryContact: contact("Grace", "Hopper", "grace@northwind.example", "+1 (425) 555-0101")}}},
				{TenantID: custReatt, CompanyName: "Tailspin", Agreements: []pcsim.SeedAgreement{
					{DateAgreed: "2024-02-20T10:30:00Z", PrimaryContact: contact("Alan", "Turing", "alan@tailspin.example", "4255550102")},
					{DateAgreed: "2021-03-01T00:00:00", PrimaryContact: contact("Alan", "Turing", "alan@tailspin.example", "4255550102")},
				}},
				{TenantID: custNoMCA, CompanyName: "Wide World Importers"},
				{TenantID: custNoMCA2, CompanyName: "Second NoMCA"},
				{TenantID: custCloud, CompanyName: "Adventure Works", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2019-05-02T00:00:00", Type: pcsim.AgreementTypeCloud, PrimaryContact: contact("Katherine", "Johnson", "kj@aw.example", "1")}}},
				{TenantID: custNoRel, CompanyName: "Litware", Relationship: &no},
			},
		},
		{TenantID: resellerID, Type: pcsim.PartnerIndirectReseller, ClientID: "reseller-client", ClientSecret: "reseller-secret-abcdef", RefreshToken: "reseller-rt-abcdef",
			Customers: []pcsim.SeedCustomer{{TenantID: "bbbbbbbb-0000-0000-0000-000000000001", CompanyName: "Coho"}}},
		{TenantID: mfaID, Type: pcsim.PartnerIndirectProvider, ClientID: "mfa-client", ClientSecret: "mfa-secret-abcdef", RefreshToken: "mfa-rt-abcdef", RequireMFA: true,
			Customers: []pcsim.SeedCustomer{{TenantID: "cccccccc-0000-0000-0000-000000000001", CompanyName: "Lucerne"}}},
	}}
}

// clock is a settable clock shared by simulator and client when a test
// needs to move time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// logBuffer collects log lines from a funcr logger.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) add(prefix, args string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(prefix + " " + args + "\n")
}

func (b *logBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// observer records Observer calls.
type observer struct {
	mu    sync.Mutex
	calls []string
}

func (o *observer) ObserveCall(op, outcome string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, op+"|"+outcome)
}

func (o *observer) count(op, outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.calls {
		if c == op+"|"+outcome {
			n++
		}
	}
	return n
}

type env struct {
	t      *testing.T
	sim    *pcsim.Server
	url    string
	kube   client.WithWatch
	logs   *logBuffer
	obs    *observer
	client *pc.Client
	cfg    pc.Config
}

type envOption func(*pcsim.Options, *pc.Config, *[]interceptor.Funcs)

func withSimOptions(f func(*pcsim.Options)) envOption {
	return func(o *pcsim.Options, _ *pc.Config, _ *[]interceptor.Funcs) { f(o) }
}

func withConfig(f func(*pc.Config)) envOption {
	return func(_ *pcsim.Options, c *pc.Config, _ *[]interceptor.Funcs) { f(c) }
}

func withInterceptor(f interceptor.Funcs) envOption {
	return func(_ *pcsim.Options, _ *pc.Config, i *[]interceptor.Funcs) { *i = append(*i, f) }
}

func credentialsSecret(rt string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: secretKey.Namespace, Name: secretKey.Name},
		Data:       map[string][]byte{"clientId": []byte(clientID), "clientSecret": []byte(clientSec), "refreshToken": []byte(rt)},
	}
}

// newEnv starts a TLS simulator with the test seed and a client for the
// direct-bill partner whose credentials live in a Secret in a fake cluster.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	simOpts := pcsim.Options{RotateRefreshTokens: true}
	var cfg pc.Config
	var icpts []interceptor.Funcs
	for _, o := range opts {
		o(&simOpts, &cfg, &icpts)
	}
	sim := pcsim.New(testSeed(), simOpts)
	url, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	b := fake.NewClientBuilder().WithObjects(credentialsSecret(initialRT))
	for _, f := range icpts {
		b = b.WithInterceptorFuncs(f)
	}
	e := &env{t: t, sim: sim, url: url, kube: b.Build(), logs: &logBuffer{}, obs: &observer{}}
	base := pc.Config{
		TenantID:       partnerID,
		BaseURL:        url,
		AuthorityURL:   url,
		HTTPClient:     sim.HTTPClient(),
		QPS:            1000,
		Burst:          1000,
		MaxInlineWait:  2 * time.Second,
		AttemptTimeout: 3 * time.Second,
		BackoffBase:    5 * time.Millisecond,
		BackoffMax:     40 * time.Millisecond,
		Logger:         funcr.New(e.logs.add, funcr.Options{Verbosity: 10}),
		Observer:       e.obs,
	}
	mergeConfig(&base, cfg)
	base.Credentials = pc.NewSecretCredentialStore(e.kube, secretKey)
	if cfg.Credentials != nil {
		base.Credentials = cfg.Credentials
	}
	e.cfg = base
	e.client = e.newClient()
	return e
}

// mergeConfig copies the non-zero fields a test set.
func mergeConfig(dst *pc.Config, src pc.Config) {
	if src.TenantID != "" {
		dst.TenantID = src.TenantID
	}
	if src.QPS != 0 {
		dst.QPS = src.QPS
	}
	if src.Burst != 0 {
		dst.Burst = src.Burst
	}
	if src.PollShare != 0 {
		dst.PollShare = src.PollShare
	}
	if src.MaxRetries != 0 {
		dst.MaxRetries = src.MaxRetries
	}
	if src.MaxInlineWait != 0 {
		dst.MaxInlineWait = src.MaxInlineWait
	}
	if src.MetadataTTL != 0 {
		dst.MetadataTTL = src.MetadataTTL
	}
	if src.BackoffBase != 0 {
		dst.BackoffBase = src.BackoffBase
	}
	if src.BackoffMax != 0 {
		dst.BackoffMax = src.BackoffMax
	}
	if src.AttemptTimeout != 0 {
		dst.AttemptTimeout = src.AttemptTimeout
	}
	if src.Now != nil {
		dst.Now = src.Now
	}
	if src.HTTPClient != nil {
		dst.HTTPClient = src.HTTPClient
	}
}

// newClient makes another Client on the same Secret (a "restart").
func (e *env) newClient() *pc.Client {
	e.t.Helper()
	c, err := pc.New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) secretRT() string {
	e.t.Helper()
	var s corev1.Secret
	if err := e.kube.Get(context.Background(), secretKey, &s); err != nil {
		e.t.Fatal(err)
	}
	return string(s.Data["refreshToken"])
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}

// apiRequests filters the simulator log to API calls (no token calls).
func apiRequests(recs []pcsim.RequestRecord) []pcsim.RequestRecord {
	var out []pcsim.RequestRecord
	for _, r := range recs {
		if strings.HasPrefix(r.Path, "/v1/") {
			out = append(out, r)
		}
	}
	return out
}

func tokenRequests(recs []pcsim.RequestRecord, grant string) int {
	n := 0
	for _, r := range recs {
		if strings.HasSuffix(r.Path, "/oauth2/token") && (grant == "" || r.GrantType == grant) {
			n++
		}
	}
	return n
}

func wantKind(t *testing.T, err error, kind pc.ErrorKind) *pc.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want error of kind %s, got nil", kind)
	}
	if got := pc.KindOf(err); got != kind {
		t.Fatalf("want kind %s, got %s (%v)", kind, got, err)
	}
	var pe *pc.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *partnercenter.Error", err)
	}
	return pe
}
