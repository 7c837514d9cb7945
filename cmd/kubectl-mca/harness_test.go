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
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The control plane shared by the package's tests (nil when KUBEBUILDER_ASSETS is unset).
var (
	cluster    client.Client
	kubeconfig string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		os.Exit(m.Run()) // the envtest tests skip themselves
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		os.Exit(1)
	}
	code := func() int {
		defer func() { _ = env.Stop() }()
		if cluster, err = client.New(cfg, client.Options{Scheme: scheme()}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		user, err := env.AddUser(envtest.User{Name: "plugin-test", Groups: []string{"system:masters"}}, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		kc, err := user.KubeConfig()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		dir, err := os.MkdirTemp("", "kubectl-mca-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		kubeconfig = filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := cluster.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: defaultCredentialsNamespace}}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func needCluster(t *testing.T) {
	t.Helper()
	if cluster == nil {
		t.Skip("KUBEBUILDER_ASSETS is not set: run with `make test`, which builds kube-apiserver and etcd into bin/k8s")
	}
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// sim is a simulator over TLS with one partner and its PartnerTenant and credentials Secret.
type sim struct {
	*pcsim.Server
	url    string
	caFile string
	pt     string // PartnerTenant name
	tenant string
}

const (
	testClientID     = "c0000000-0000-4000-8000-0000000000c1"
	testClientSecret = "plugin-test-client-secret"
	testRefreshToken = "plugin-test-refresh-token-0001"
)

// newSim starts a simulator seeded with customers for a new partner, and creates its PartnerTenant
// (named ptName, admitting allowed) and credentials Secret.
func newSim(t *testing.T, ptName, tenantID string, customers []pcsim.SeedCustomer, allowed *v1alpha1.AllowedNamespaces, opts pcsim.Options) *sim {
	t.Helper()
	opts.RotateRefreshTokens = true
	seed := &pcsim.Seed{Partners: []pcsim.SeedPartner{{TenantID: tenantID, Type: pcsim.PartnerIndirectProvider, ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken, Customers: customers}}}
	s := pcsim.New(seed, opts)
	url, err := s.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, s.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := tctx(t)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: defaultCredentialsNamespace, Name: "pc-" + ptName},
		StringData: map[string]string{"clientId": testClientID, "clientSecret": testClientSecret, "refreshToken": testRefreshToken},
	}
	if err := cluster.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: ptName},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: tenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
			Endpoint: url, Authority: url,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: secret.Name},
			RateLimit:            &v1alpha1.RateLimit{QPS: 1000, Burst: 200},
			AllowedNamespaces:    allowed,
		},
	}
	if err := cluster.Create(ctx, pt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Delete(context.Background(), pt)
		_ = cluster.Delete(context.Background(), secret)
	})
	return &sim{Server: s, url: url, caFile: caFile, pt: ptName, tenant: tenantID}
}

// run runs the plugin like a person would: with a kubeconfig file and the simulator's CA file.
func run(ctx context.Context, caFile string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd := newRootCmd(ctx, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb})
	a := append([]string{}, args...)
	a = append(a, "--kubeconfig", kubeconfig)
	if caFile != "" {
		a = append(a, "--partner-center-ca-file", caFile)
	}
	cmd.SetArgs(a)
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func createNamespace(t *testing.T, name string, labels map[string]string) {
	t.Helper()
	if err := cluster.Create(tctx(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
