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

package operator

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// appliedCustomer is a CustomerAgreement as `kubectl apply` (client-side) creates it: a label,
// the manifest in the last-applied annotation, and an annotation of the operator's.
func appliedCustomer(t *testing.T, name, tenant string) *v1alpha1.CustomerAgreement {
	t.Helper()
	ca := &v1alpha1.CustomerAgreement{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "CustomerAgreement"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "customers", Name: name, Labels: map[string]string{"app.kubernetes.io/instance": "customers"}},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "provider"},
			CustomerTenantID: tenant,
			CompanyName:      "Contoso " + name,
			Signatory:        &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "4255550100"},
		},
	}
	manifest, err := json.Marshal(ca)
	if err != nil {
		t.Fatal(err)
	}
	ca.Labels[v1alpha1.LabelPartnerTenant] = "provider"
	ca.Annotations = map[string]string{
		corev1.LastAppliedConfigAnnotation:      string(manifest),
		v1alpha1.AnnotationReconcileRequestedAt: "2026-01-02T03:04:05Z",
		v1alpha1.AnnotationRequestedBy:          "system:serviceaccount:argocd:argocd-application-controller",
		"argocd.argoproj.io/tracking-id":        "customers:partnercenter.mca.dev/CustomerAgreement:customers/" + name,
	}
	return ca
}

// TestCacheKeepsWhatTheOperatorReads: the cache's copy of a CustomerAgreement applied by GitOps
// is the API server's without managedFields, field for field, but for the labels and annotations
// the operator does not read from it (the last-applied manifest, the GitOps tool's tracking, the
// requester, the shard label); two CustomerAgreements' condition messages share one string, and the signatory on
// record shares the spec's strings.
func TestCacheKeepsWhatTheOperatorReads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, kube := startAPIServer(ctx, t)
	fromAPI := make([]*v1alpha1.CustomerAgreement, 0, 2)
	for i, tenant := range []string{"b0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"} {
		ca := appliedCustomer(t, []string{"alpha", "beta"}[i], tenant)
		if err := kube.Create(ctx, ca, client.FieldOwner("kubectl-client-side-apply")); err != nil {
			t.Fatal(err)
		}
		now := metav1.NewTime(time.Now().Truncate(time.Second))
		sig := ca.Spec.Signatory
		ca.Status = v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateAttested, ObservedGeneration: ca.Generation, LastSyncTime: &now,
			Signatory: &v1alpha1.RecordedContact{FirstName: sig.FirstName, LastName: sig.LastName, Email: sig.Email, PhoneNumber: sig.PhoneNumber},
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Attested", LastTransitionTime: now,
				Message: "The customer's acceptance of the current Microsoft Customer Agreement is recorded in Partner Center."}}}
		if err := kube.Status().Update(ctx, ca, client.FieldOwner("mca-operator")); err != nil {
			t.Fatal(err)
		}
		got := &v1alpha1.CustomerAgreement{}
		if err := kube.Get(ctx, client.ObjectKeyFromObject(ca), got); err != nil {
			t.Fatal(err)
		}
		if len(got.ManagedFields) == 0 || got.Annotations[corev1.LastAppliedConfigAnnotation] == "" {
			t.Fatalf("the API server's object should carry managedFields and the last-applied annotation: %+v", got.ObjectMeta)
		}
		fromAPI = append(fromAPI, got)
	}

	cached := startCache(ctx, t, cfg)
	inCache := make([]*v1alpha1.CustomerAgreement, 0, len(fromAPI))
	for _, api := range fromAPI {
		got := &v1alpha1.CustomerAgreement{}
		if err := cached.Get(ctx, client.ObjectKeyFromObject(api), got); err != nil {
			t.Fatal(err)
		}
		want := api.DeepCopy()
		want.ManagedFields = nil
		want.Labels = nil
		want.Annotations = map[string]string{v1alpha1.AnnotationReconcileRequestedAt: "2026-01-02T03:04:05Z"}
		want.TypeMeta, got.TypeMeta = metav1.TypeMeta{}, metav1.TypeMeta{}
		if !equality.Semantic.DeepEqual(want, got) {
			t.Errorf("the cache's %s differs from the API server's beyond what the cache drops:\nwant %+v\ngot  %+v", api.Name, want, got)
		}
		if on, spec := got.Status.Signatory, got.Spec.Signatory; unsafe.StringData(on.Email) != unsafe.StringData(spec.Email) ||
			unsafe.StringData(on.FirstName) != unsafe.StringData(spec.FirstName) {
			t.Errorf("the signatory on record should share the spec's strings")
		}
		inCache = append(inCache, got)
	}
	a, b := inCache[0].Status.Conditions[0].Message, inCache[1].Status.Conditions[0].Message
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("the two cached condition messages should be one interned string")
	}
}

// startAPIServer starts a kube-apiserver with this API's CRDs (the test is skipped without one)
// and a client of it, and creates the namespace customers.
func startAPIServer(ctx context.Context, t *testing.T) (*rest.Config, client.Client) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: no kube-apiserver to test against")
	}
	te := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := te.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = te.Stop() })
	kube, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "customers"}}); err != nil {
		t.Fatal(err)
	}
	return cfg, kube
}

// startCache starts the manager's cache, as New configures it (for a shard of partnerTenants, if
// any), and waits until it synced.
func startCache(ctx context.Context, t *testing.T, cfg *rest.Config, partnerTenants ...string) cache.Cache {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cacheOptions(newUndecodable(Scheme()), cfg, httpClient, partnerTenants)
	if err != nil {
		t.Fatal(err)
	}
	opts.Scheme = Scheme()
	c, err := cache.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetInformer(ctx, &v1alpha1.CustomerAgreement{}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("the cache did not sync")
	}
	return c
}

// TestTrimForCacheLeavesNoEmptyAnnotations: an object whose only annotation was the last-applied
// one keeps none (not an empty map), and a tombstone passes through.
func TestTrimForCacheLeavesNoEmptyAnnotations(t *testing.T) {
	pt := &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: "{}"}}}
	out, err := trimForCache(pt)
	if err != nil || out != pt || pt.Annotations != nil {
		t.Fatalf("trimForCache = %v, %v; annotations %v", out, err, pt.Annotations)
	}
	tomb := toolscache.DeletedFinalStateUnknown{Key: "customers/alpha", Obj: pt}
	if out, err := trimForCache(tomb); err != nil || out != tomb {
		t.Fatalf("a tombstone should pass through, got %v, %v", out, err)
	}
}
