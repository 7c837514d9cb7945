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

package controller

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// TestRebuiltClientKeepsTheRotatedRefreshToken: Partner Center rotated the refresh token, the
// write-back to the Secret failed, and then the PartnerTenant's spec was edited (its rate limit).
// The rebuilt client must still hold the rotated token and write it back: the Secret's token
// has been redeemed and no longer works, so dropping the rotated one would leave the tenant
// without credentials until a person signs in again.
func TestRebuiltClientKeepsTheRotatedRefreshToken(t *testing.T) {
	const (
		ns, secretName = "mca-operator-system", "pc-contoso"
		tenantID       = "11111111-aaaa-4aaa-8aaa-111111111111"
		clientID       = "c0000000-0000-4000-8000-00000000000a"
		clientSecret   = "sim-secret-a"
		refreshToken   = "sim-refresh-a-initial"
	)
	sim := pcsim.New(&pcsim.Seed{Partners: []pcsim.SeedPartner{{
		TenantID: tenantID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken,
	}}}, pcsim.Options{RotateRefreshTokens: true})
	url, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	var refuseWrites atomic.Bool
	kube := fake.NewClientBuilder().WithObjects(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: secretName},
		Data:       map[string][]byte{"clientId": []byte(clientID), "clientSecret": []byte(clientSecret), "refreshToken": []byte(refreshToken)},
	}).WithInterceptorFuncs(interceptor.Funcs{Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
		if refuseWrites.Load() {
			return errors.New("the API server is unavailable")
		}
		return c.Update(ctx, obj, opts...)
	}}).Build()
	factory := NewClientFactory(ClientOptions{Kube: kube, CredentialsNamespace: ns, HTTPClient: sim.HTTPClient(),
		Tune: func(c *pc.Config) { c.BackoffBase, c.BackoffMax, c.MaxRetries = time.Millisecond, time.Millisecond, 1 }})
	clients := &Clients{New: factory}
	pt := &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "contoso"}, Spec: v1alpha1.PartnerTenantSpec{
		TenantID: tenantID, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: url, Authority: url,
		CredentialsSecretRef: v1alpha1.SecretReference{Name: secretName},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	first, err := clients.For(pt)
	if err != nil {
		t.Fatal(err)
	}
	refuseWrites.Store(true)
	if err := first.CheckCredentials(ctx); err == nil {
		t.Fatal("the write-back of the rotated refresh token was refused, yet the check passed")
	}
	refuseWrites.Store(false)

	pt.Spec.RateLimit = &v1alpha1.RateLimit{QPS: 5, Burst: 5}
	rebuilt, err := clients.For(pt)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt == first {
		t.Fatal("the edit of the spec did not rebuild the client")
	}
	if err := rebuilt.CheckCredentials(ctx); err != nil {
		t.Fatalf("the rebuilt client lost the rotated refresh token: %v", err)
	}
	// A restart reads the Secret: it must hold a refresh token that still works.
	restarted, err := factory(pt)
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.CheckCredentials(ctx); err != nil {
		t.Fatalf("the Secret does not hold a working refresh token: %v", err)
	}
}
