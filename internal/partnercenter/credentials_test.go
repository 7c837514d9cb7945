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
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

func TestRefreshTokenRotationPersistedAndSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	rt1 := e.secretRT()
	if rt1 == initialRT || rt1 != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatalf("rotated refresh token not persisted: secret=%q sim=%q", rt1, e.sim.CurrentRefreshToken(partnerID))
	}
	// The old refresh token no longer works at the simulator...
	c := e.clientFor(partnerID, clientID, clientSec, initialRT)
	_ = wantKind(t, c.CheckCredentials(ctx(t)), pc.KindInvalidGrant)
	// ...but a restarted operator reads the persisted one.
	restarted := e.newClient()
	if _, err := restarted.ListCustomerAgreements(ctx(t), custCurrent); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if rt2 := e.secretRT(); rt2 == rt1 || rt2 != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatalf("second rotation not persisted")
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := tokenRequests(e.sim.Requests(), "refresh_token"); n != 1 {
		t.Fatalf("%d refresh grants for 20 concurrent callers", n)
	}
	if e.secretRT() != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatal("secret out of date")
	}
}

func TestRotationSurvivesUpdateConflict(t *testing.T) {
	var updates atomic.Int32
	e := newEnv(t, withInterceptor(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if updates.Add(1) == 1 {
				// Someone else changed the Secret meanwhile.
				return apierrors.NewConflict(schema.GroupResource{Resource: "secrets"}, obj.GetName(), errors.New("the object has been modified"))
			}
			return c.Update(ctx, obj, opts...)
		},
	}))
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if updates.Load() != 2 {
		t.Fatalf("want a conflict then a successful update, got %d updates", updates.Load())
	}
	if e.secretRT() != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatal("rotated refresh token lost on conflict")
	}
}

// When the write fails outright, the new token is kept in memory, the new
// access token is not used, and the next call persists it first.
func TestRotationKeptWhenSecretWriteFails(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	e := newEnv(t, withInterceptor(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if failing.Load() {
				return apierrors.NewServiceUnavailable("apiserver unavailable")
			}
			return c.Update(ctx, obj, opts...)
		},
	}), withConfig(func(c *pc.Config) { c.MaxRetries = 1 }))
	_, err := e.client.GetDirectSignedStatus(ctx(t), custDirect)
	_ = wantKind(t, err, pc.KindTransient)
	if n := len(apiRequests(e.sim.Requests())); n != 0 {
		t.Fatalf("the new access token was used before the refresh token was stored (%d API calls)", n)
	}
	if e.secretRT() != initialRT {
		t.Fatal("unexpected write")
	}
	failing.Store(false)
	if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
		t.Fatal(err)
	}
	if e.secretRT() != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatal("pending refresh token not persisted")
	}
	// Only the first refresh happened: the rotated token was not lost and
	// needed no second grant.
	if n := tokenRequests(e.sim.Requests(), "refresh_token"); n != 1 {
		t.Fatalf("%d refresh grants", n)
	}
}

// A store that lags (like an informer cache) keeps showing the old token;
// the client must not reuse a token it rotated away from.
type laggingStore struct {
	mu    sync.Mutex
	creds pc.Credentials
	saved []string
}

func (s *laggingStore) Load(context.Context) (pc.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds, nil
}

func (s *laggingStore) SaveRefreshToken(_ context.Context, _, rt string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, rt)
	return nil
}

func TestStaleStoreReadDoesNotReuseRotatedToken(t *testing.T) {
	clk := newClock()
	store := &laggingStore{creds: pc.Credentials{ClientID: clientID, ClientSecret: clientSec, RefreshToken: initialRT}}
	e := newEnv(t, withConfig(func(c *pc.Config) { c.Credentials = store; c.Now = clk.Now }))
	for i := 0; i < 3; i++ {
		if err := e.client.CheckCredentials(ctx(t)); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		clk.Advance(2 * time.Hour) // access token expired: refresh again
	}
	if len(store.saved) != 3 || store.saved[2] != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatalf("saved %d tokens", len(store.saved))
	}
}

func TestAccessTokenRevokedIsRenewedOnce(t *testing.T) {
	e := newEnv(t)
	if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
		t.Fatal(err)
	}
	e.sim.RevokeAccessTokens(partnerID)
	if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
		t.Fatalf("not renewed after 401: %v", err)
	}
	if n := tokenRequests(e.sim.Requests(), "refresh_token"); n != 2 {
		t.Fatalf("%d refresh grants", n)
	}
}

func TestAccessTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	clk := newClock()
	e := newEnv(t, withConfig(func(c *pc.Config) { c.Now = clk.Now }), withSimOptions(func(o *pcsim.Options) { o.TokenTTL = time.Hour }))
	call := func() {
		if _, err := e.client.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
			t.Fatal(err)
		}
	}
	call()
	clk.Advance(50 * time.Minute)
	call()
	if n := tokenRequests(e.sim.Requests(), ""); n != 1 {
		t.Fatalf("token not cached: %d requests", n)
	}
	clk.Advance(9 * time.Minute) // 59m: within the 2m skew of 1h
	call()
	if n := tokenRequests(e.sim.Requests(), ""); n != 2 {
		t.Fatalf("token not renewed before expiry: %d requests", n)
	}
}

func TestSecretStoreErrorsNameSecretNotValues(t *testing.T) {
	cases := []struct {
		name    string
		objs    []client.Object
		wantSub string
	}{
		{"missing secret", nil, "mca-system/partner-credentials not found"},
		{"missing clientSecret", []client.Object{&corev1.Secret{ObjectMeta: credentialsSecret("").ObjectMeta, Data: map[string][]byte{"clientId": []byte(clientID)}}}, `key "clientSecret"`},
		{"missing clientId", []client.Object{&corev1.Secret{ObjectMeta: credentialsSecret("").ObjectMeta, Data: map[string][]byte{"clientSecret": []byte(clientSec)}}}, `key "clientId"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kube := fake.NewClientBuilder().WithObjects(c.objs...).Build()
			store := pc.NewSecretCredentialStore(kube, secretKey)
			_, err := store.Load(context.Background())
			pe := wantKind(t, err, pc.KindCredentials)
			if !strings.Contains(err.Error(), c.wantSub) || strings.Contains(err.Error(), clientSec) || pe.Retryable() {
				t.Fatalf("error %q", err)
			}
		})
	}
	// No refreshToken key: App-only still works, App+User says what is missing.
	e := newEnv(t)
	var s corev1.Secret
	_ = e.kube.Get(context.Background(), secretKey, &s)
	delete(s.Data, "refreshToken")
	if err := e.kube.Update(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "X", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"}); err != nil {
		t.Fatal(err)
	}
	err := e.client.CheckCredentials(ctx(t))
	if pe := wantKind(t, err, pc.KindCredentials); !strings.Contains(pe.Error(), "refreshToken") {
		t.Fatal(pe)
	}
}

func TestTLSVerificationAlwaysOn(t *testing.T) {
	e := newEnv(t)
	// A default client does not trust the simulator's CA.
	cfg := e.cfg
	cfg.HTTPClient = nil
	cfg.MaxRetries = -1
	c, err := pc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckCredentials(ctx(t))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("want a certificate error, got %v", err)
	}
	// A client configured to skip verification is refused outright.
	tr := e.sim.HTTPClient().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.InsecureSkipVerify = true
	cfg.HTTPClient = &http.Client{Transport: tr}
	if _, err := pc.New(cfg); err == nil {
		t.Fatal("New accepted an HTTP client without TLS verification")
	}
	// Plain http URLs are refused.
	cfg = e.cfg
	cfg.BaseURL = "http://127.0.0.1:1"
	if _, err := pc.New(cfg); err == nil {
		t.Fatal("New accepted an http:// base URL")
	}
}

// A client shares the tokens only of a client of the same partner tenant: another tenant's
// client keeps its own and acquires a token of its own.
func TestShareTokensOnlyWithinOneTenant(t *testing.T) {
	e := newEnv(t)
	if err := e.client.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	same := e.newClient()
	same.ShareTokens(e.client)
	cfg := e.cfg
	cfg.TenantID = resellerID
	cfg.Credentials = pc.NewStaticCredentialStore(pc.Credentials{ClientID: "reseller-client", ClientSecret: "reseller-secret-abcdef", RefreshToken: "reseller-rt-abcdef"})
	other, err := pc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other.ShareTokens(e.client)
	e.sim.ResetRequests()
	if err := same.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(e.sim.Requests(), ""); n != 0 {
		t.Fatalf("the client sharing the tenant's tokens made %d token requests, want the shared token", n)
	}
	if err := other.CheckCredentials(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(e.sim.Requests(), "refresh_token"); n != 1 {
		t.Fatalf("another tenant's client made %d refresh grants, want its own one", n)
	}
}
