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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// An object whose status a reconcile writes while it is being labelled (a conflict on the
// resourceVersion it was listed at) is read again and labelled all the same: before, it was left
// unlabelled, and every later Lease acquisition (each restart) labelled it then.
func TestLabellingSurvivesAConcurrentStatusWrite(t *testing.T) {
	ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c"},
		Spec: v1alpha1.CustomerAgreementSpec{PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "pt"}}}
	conflicts := 1
	kube := fake.NewClientBuilder().WithScheme(newScheme(t)).WithObjects(ca).WithStatusSubresource(ca).
		WithInterceptorFuncs(interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if conflicts > 0 {
				conflicts--
				return apierrors.NewConflict(schema.GroupResource{Group: v1alpha1.GroupVersion.Group, Resource: "customeragreements"}, obj.GetName(), nil)
			}
			return c.Patch(ctx, obj, p, opts...)
		}}).Build()
	listed := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", ResourceVersion: "1"}}
	tl := &TenantLeases{Client: kube, APIReader: kube}
	if err := tl.label(context.Background(), listed, "pt", "pt", true); err != nil {
		t.Fatal(err)
	}
	got := &v1alpha1.CustomerAgreement{}
	if err := kube.Get(context.Background(), client.ObjectKeyFromObject(ca), got); err != nil {
		t.Fatal(err)
	}
	if got.Labels[v1alpha1.LabelPartnerTenant] != "pt" {
		t.Fatalf("labels after a conflict: %v", got.Labels)
	}
}
