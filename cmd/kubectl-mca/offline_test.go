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
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// offline runs the plugin without a cluster: a fake Kubernetes client holds the PartnerTenant and
// its credentials Secret, and Partner Center is the simulator, except for the requests intercept
// (when set) answers.
type offline struct {
	*pcsim.Server
	kc         client.Client
	kubeconfig string
	hc         *http.Client
	pt         string
	// intercept answers a request instead of the simulator when it returns true.
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

// offlineKubeconfig names a cluster nobody listens on: every Kubernetes call goes to the fake.
const offlineKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: offline, user: {token: offline}}]
contexts: [{name: offline, context: {cluster: offline, user: offline, namespace: offline}}]
current-context: offline
`

// offlineTenantID is the partner tenant of an offline run.
const offlineTenantID = "f2000000-0000-4000-8000-000000000001"

func newOffline(t *testing.T, ptName string, customers []pcsim.SeedCustomer, annotations map[string]string) *offline {
	t.Helper()
	const tenantID = offlineTenantID
	seed := &pcsim.Seed{Partners: []pcsim.SeedPartner{{TenantID: tenantID, Type: pcsim.PartnerIndirectProvider, ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken, Customers: customers}}}
	s := pcsim.New(seed, pcsim.Options{RotateRefreshTokens: true})
	url, err := s.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	hc, err := pc.HTTPClientWithCA(s.CACertPEM())
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(offlineKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: defaultCredentialsNamespace, Name: "pc-" + ptName},
		Data:       map[string][]byte{"clientId": []byte(testClientID), "clientSecret": []byte(testClientSecret), "refreshToken": []byte(testRefreshToken)},
	}
	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: ptName, Annotations: annotations},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: tenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
			Endpoint: url, Authority: url,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: secret.Name},
			RateLimit:            &v1alpha1.RateLimit{QPS: 1000, Burst: 200},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
		},
	}
	o := &offline{Server: s, kubeconfig: kubeconfig, pt: ptName,
		kc: fake.NewClientBuilder().WithScheme(scheme()).WithObjects(secret, pt).Build()}
	o.hc = &http.Client{Transport: interceptor{o: o, next: hc.Transport}}
	return o
}

// interceptor lets the test's intercept answer a request before the simulator does.
type interceptor struct {
	o    *offline
	next http.RoundTripper
}

func (i interceptor) RoundTrip(req *http.Request) (*http.Response, error) {
	if i.o.intercept == nil {
		return i.next.RoundTrip(req)
	}
	rec := httptest.NewRecorder()
	if !i.o.intercept(rec, req) {
		return i.next.RoundTrip(req)
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}

// run runs the plugin with stdin in; terminal says whether stdin and stderr are a terminal.
func (o *offline) run(ctx context.Context, in string, terminal bool, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	a := newApp(ctx, genericiooptions.IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errb})
	a.pcHTTPClient = o.hc
	a.forceTerminal = &terminal
	a.kubeClientHook = func(client.Client) client.Client { return o.kc }
	cmd := a.rootCmd()
	cmd.SetArgs(append(append([]string{}, args...), "--kubeconfig", o.kubeconfig))
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}
