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

// Package shippedrbac runs the manager (internal/operator) against a real kube-apiserver
// (envtest) as the service account config/default installs, holding only the RBAC config/rbac
// grants it, and the Partner Center simulator over HTTPS. The other envtest suites run the
// manager as a cluster administrator and cannot see a permission the shipped roles lack.
package shippedrbac

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

const (
	namespace      = "mca-operator-system" // config/default's namespace, the credentials namespace
	serviceAccount = "mca-operator-controller-manager"

	tenantID     = "11111111-aaaa-4aaa-8aaa-111111111111"
	clientID     = "c0000000-0000-4000-8000-00000000000a"
	clientSecret = "sim-secret-a"
	refreshToken = "sim-refresh-a-initial"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// shippedRBAC renders config/default and returns its service account and RBAC objects.
func shippedRBAC(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	var out []*unstructured.Unstructured
	for _, r := range m.Resources() {
		switch r.GetKind() {
		case "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
			obj, err := r.Map()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
	if len(out) == 0 {
		t.Fatal("config/default renders no RBAC")
	}
	return out
}

// TestTemplatesConfigMapUnderShippedRBAC: a PartnerTenant with linkDelivery.templatesConfigMapRef
// becomes Ready, and its templates are loaded, with no more permissions than the shipped RBAC
// grants (get on ConfigMaps in the credentials namespace, not list or watch).
func TestTemplatesConfigMapUnderShippedRBAC(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds kube-apiserver and etcd into bin/k8s")
	}
	log.SetLogger(zap.New(zap.WriteTo(t.Output()), zap.UseDevMode(true)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(repoRoot(t), "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	admin, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		t.Fatal(err)
	}
	for _, obj := range shippedRBAC(t) {
		if err := admin.Create(ctx, obj); err != nil {
			t.Fatalf("installing %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
	}

	sim := pcsim.New(&pcsim.Seed{Partners: []pcsim.SeedPartner{{
		TenantID: tenantID, Type: pcsim.PartnerDirectBill, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: refreshToken,
	}}}, pcsim.Options{RotateRefreshTokens: true})
	simURL, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })

	// The manager as the shipped service account: the API server authorizes it with the shipped
	// roles only.
	sa := rest.CopyConfig(cfg)
	sa.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + namespace + ":" + serviceAccount,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
	o := operator.Defaults()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.CredentialsNamespace = namespace
	o.SkipNameValidation = true
	o.HTTPClient = sim.HTTPClient()
	o.Logger = log.Log
	o.Tune = func(c *pc.Config) { c.BackoffBase, c.BackoffMax = 10*time.Millisecond, 100*time.Millisecond }
	mctx, mcancel := context.WithCancel(ctx)
	mgr, err := operator.New(mctx, sa, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	t.Cleanup(func() {
		mcancel()
		if err := <-done; err != nil {
			t.Errorf("the manager: %v", err)
		}
	})

	if err := admin.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "pc-contoso"},
		StringData: map[string]string{"clientId": clientID, "clientSecret": clientSecret, "refreshToken": refreshToken},
	}); err != nil {
		t.Fatal(err)
	}
	if err := admin.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "mca-templates"},
		Data:       map[string]string{"en-US.subject": "{{.Partner}} asks {{.CompanyName}} to accept the Microsoft Customer Agreement"},
	}); err != nil {
		t.Fatal(err)
	}
	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "contoso"},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: tenantID, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-contoso"},
			LinkDelivery:         &v1alpha1.LinkDelivery{TemplatesConfigMapRef: &v1alpha1.LocalObjectReference{Name: "mca-templates"}},
		},
	}
	if err := admin.Create(ctx, pt); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		got := &v1alpha1.PartnerTenant{}
		if err := admin.Get(ctx, client.ObjectKeyFromObject(pt), got); err != nil {
			t.Fatal(err)
		}
		ready := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady)
		templates := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady)
		if ready != nil && ready.Status == metav1.ConditionTrue && templates != nil && templates.Status == metav1.ConditionTrue {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the PartnerTenant did not become Ready with its templates loaded under the shipped RBAC; conditions: %+v", got.Status.Conditions)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
