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
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// startAPIServer runs a real kube-apiserver (envtest) for the test and returns a direct client.
func startAPIServer(t *testing.T) client.Client {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: no kube-apiserver to test against")
	}
	te := &envtest.Environment{}
	cfg, err := te.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = te.Stop() })
	kube, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: secretKey.Namespace}}
	if err := kube.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return kube
}

// afterFirstGrant runs fn once, after the token endpoint has answered the first refresh grant
// and before the client reads that answer: the grant is still in flight for the client.
type afterFirstGrant struct {
	next http.RoundTripper
	once sync.Once
	fn   func()
}

func (a *afterFirstGrant) RoundTrip(r *http.Request) (*http.Response, error) {
	isToken := strings.HasSuffix(r.URL.Path, "/oauth2/token")
	resp, err := a.next.RoundTrip(r)
	if isToken && err == nil {
		a.once.Do(a.fn)
	}
	return resp, err
}

type raceEnv struct {
	kube client.Client
	sim  *pcsim.Server
	key  types.NamespacedName
	cfg  pc.Config
}

func newRaceEnv(t *testing.T, kube client.Client, name string) *raceEnv {
	t.Helper()
	sim := pcsim.New(testSeed(), pcsim.Options{RotateRefreshTokens: true})
	u, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	sec := credentialsSecret(initialRT)
	sec.Name = name
	if err := kube.Create(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: sec.Namespace, Name: name}
	return &raceEnv{kube: kube, sim: sim, key: key, cfg: pc.Config{
		TenantID: partnerID, BaseURL: u, AuthorityURL: u, HTTPClient: sim.HTTPClient(),
		Credentials: pc.NewSecretCredentialStore(kube, key),
	}}
}

func (r *raceEnv) client(t *testing.T, duringGrant func()) *pc.Client {
	t.Helper()
	cfg := r.cfg
	if duringGrant != nil {
		cfg.HTTPClient = &http.Client{Transport: &afterFirstGrant{next: r.sim.HTTPClient().Transport, fn: duringGrant}}
	}
	c, err := pc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *raceEnv) secret(t *testing.T) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	if err := r.kube.Get(context.Background(), r.key, &s); err != nil {
		t.Error(err)
	}
	return &s
}

func (r *raceEnv) update(t *testing.T, s *corev1.Secret) {
	t.Helper()
	if err := r.kube.Update(context.Background(), s); err != nil {
		t.Error(err)
	}
}

func TestRefreshTokenWriteBackAgainstAPIServer(t *testing.T) {
	kube := startAPIServer(t)

	t.Run("a person's new token stored during the grant wins", func(t *testing.T) {
		r := newRaceEnv(t, kube, "person-edit")
		var rotatedFromOld, persons string
		c := r.client(t, func() {
			rotatedFromOld = r.sim.CurrentRefreshToken(partnerID)
			persons = r.sim.IssueRefreshToken(partnerID) // a new consent by a person
			s := r.secret(t)
			s.Data["refreshToken"] = []byte(persons)
			r.update(t, s)
		})
		if err := c.CheckCredentials(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if persons == "" || rotatedFromOld == initialRT {
			t.Fatal("the hook did not run during a rotating grant")
		}
		got := string(r.secret(t).Data["refreshToken"])
		if got == rotatedFromOld {
			t.Fatal("the operator overwrote the person's refresh token with the one rotated from the old token")
		}
		if got != r.sim.CurrentRefreshToken(partnerID) {
			t.Fatal("the Secret does not hold the refresh token that works")
		}
		// The running client and a restarted one both go on with the person's token.
		if _, err := c.GetDirectSignedStatus(ctx(t), custDirect); err != nil {
			t.Fatal(err)
		}
		if err := r.client(t, nil).CheckCredentials(ctx(t)); err != nil {
			t.Fatalf("after a restart: %v", err)
		}
	})

	t.Run("an unrelated edit during the grant does not stop the write-back", func(t *testing.T) {
		r := newRaceEnv(t, kube, "label-edit")
		c := r.client(t, func() {
			s := r.secret(t)
			s.Labels = map[string]string{"edited-by": "person"}
			r.update(t, s)
		})
		if err := c.CheckCredentials(ctx(t)); err != nil {
			t.Fatal(err)
		}
		s := r.secret(t)
		if string(s.Data["refreshToken"]) != r.sim.CurrentRefreshToken(partnerID) {
			t.Fatal("the rotated refresh token was not written back")
		}
		if s.Labels["edited-by"] != "person" {
			t.Fatal("the write-back dropped the person's edit")
		}
	})
}
