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
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// argoTracked is a harness whose CustomerAgreement Argo CD applied, from the Application
// team-a/customers, which holds the revision it last synced.
func argoTracked(t *testing.T) *harness {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Annotations = map[string]string{"argocd.argoproj.io/tracking-id": "team-a_customers:partnercenter.mca.dev/CustomerAgreement:ns/c"}
	})
	app := &unstructured.Unstructured{}
	app.SetGroupVersionKind(schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"})
	app.SetNamespace("team-a")
	app.SetName("customers")
	if err := unstructured.SetNestedField(app.Object, "4f1c2e9d0b7a", "status", "sync", "revision"); err != nil {
		t.Fatal(err)
	}
	if err := h.kube.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return h
}

// The record of an act on an object Argo CD applied names the Application and the revision it
// synced.
func TestRecordNamesTheArgoCDApplicationAndItsRevision(t *testing.T) {
	h := argoTracked(t)
	h.withRecords(h.kube)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	want := v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsArgoCD, Kind: "Application", Namespace: "team-a", Name: "customers", Revision: "4f1c2e9d0b7a"}
	if g := recs[0].Spec.RequestedBy.GitOps; g == nil || *g != want {
		t.Errorf("requestedBy.gitOps %+v, want %+v", g, want)
	}
}

// Where the operator may not read the Application, the record still names it, without a revision,
// and the act is made.
func TestRecordNamesTheGitOpsOriginWhenItsReadIsForbidden(t *testing.T) {
	h := argoTracked(t)
	reads := 0
	c := interceptor.NewClient(h.kube.(client.WithWatch), interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			reads++
			gvk := u.GroupVersionKind()
			return apierrors.NewForbidden(schema.GroupResource{Group: gvk.Group, Resource: "applications"}, key.Name, nil)
		}
		return c.Get(ctx, key, obj, opts...)
	}})
	h.withRecords(c)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 1 || h.pc.calls[pc.OpStartEnhancedAttestation] != 1 || reads == 0 {
		t.Fatalf("%d records, %d starts, %d reads of the Application; want 1, 1 and some", len(recs), h.pc.calls[pc.OpStartEnhancedAttestation], reads)
	}
	want := v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsArgoCD, Kind: "Application", Namespace: "team-a", Name: "customers"}
	if g := recs[0].Spec.RequestedBy.GitOps; g == nil || *g != want {
		t.Errorf("requestedBy.gitOps %+v, want %+v", g, want)
	}
}

// A Flux Kustomization the cluster does not serve (or that is gone) is named without a revision.
func TestRecordNamesAFluxKustomizationItCannotRead(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Labels = map[string]string{"kustomize.toolkit.fluxcd.io/name": "customers", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}
	})
	h.withRecords(h.kube)
	h.mustReconcile()
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	want := v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsFlux, Kind: "Kustomization", Namespace: "flux-system", Name: "customers"}
	if g := recs[0].Spec.RequestedBy.GitOps; g == nil || *g != want {
		t.Errorf("requestedBy.gitOps %+v, want %+v", g, want)
	}
}
