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

package policies

import (
	"context"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

const labelField = "metadata.labels[partnercenter.mca.dev/partner-tenant]"

// longTenant is a PartnerTenant name longer than a label value holds.
var longTenant = strings.Repeat("a", 30) + "." + strings.Repeat("b", 33)

func labelled(name, partnerTenant string, labels map[string]string, c *cluster) *v1alpha1.CustomerAgreement {
	ca := c.agreement(name, nil)
	ca.Labels = labels
	ca.Spec.PartnerTenantRef.Name = partnerTenant
	return ca
}

func shardLabel(ca *v1alpha1.CustomerAgreement) (string, bool) {
	v, ok := ca.Labels[v1alpha1.LabelPartnerTenant]
	return v, ok
}

// With both policies: the API server sets the label on create and keeps it equal to
// spec.partnerTenantRef.name on update (also on an object created before the policies), and
// refuses a wrong value set by hand; a name longer than a label value gets no label.
func TestPartnerTenantLabelIsKeptRight(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	alice := c.as("alice", "uid-alice")
	// Created before the policies: no label.
	old := labelled("before-policies", "contoso", nil, c)
	if err := alice.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	c.install("partner-tenant-label", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")

	// The policies are active once a wrong label set by hand is refused.
	eventually(t, func() error {
		err := alice.Create(ctx, labelled("probe", "contoso", map[string]string{v1alpha1.LabelPartnerTenant: "fabrikam"}, c))
		if err == nil {
			_ = c.admin.Delete(ctx, c.agreement("probe", nil))
			return errNotYet
		}
		if !strings.Contains(err.Error(), labelField+" must equal spec.partnerTenantRef.name (contoso)") {
			t.Fatalf("the refusal does not name the field and the value: %v", err)
		}
		return nil
	})

	ca := labelled("fabrikam", "contoso", nil, c)
	eventually(t, func() error { return alice.Create(ctx, ca) })
	if v, _ := shardLabel(ca); v != "contoso" {
		t.Fatalf("created without the label: label %q, want contoso", v)
	}
	// The PartnerTenant changes, the label is left as it was: it follows.
	ca.Spec.PartnerTenantRef.Name = "contoso-emea"
	if err := alice.Update(ctx, ca); err != nil {
		t.Fatal(err)
	}
	if v, _ := shardLabel(ca); v != "contoso-emea" {
		t.Fatalf("partnerTenantRef changed to contoso-emea: label %q", v)
	}
	// A wrong value set by hand, on update: refused, nothing changes.
	ca.Labels[v1alpha1.LabelPartnerTenant] = "contoso"
	if err := alice.Update(ctx, ca); err == nil || !strings.Contains(err.Error(), labelField) {
		t.Fatalf("setting the label to another PartnerTenant: %v", err)
	}
	// Removed by hand: refused too (a shard would lose the object).
	cur := &v1alpha1.CustomerAgreement{}
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(ca), cur); err != nil {
		t.Fatal(err)
	}
	delete(cur.Labels, v1alpha1.LabelPartnerTenant)
	if err := alice.Update(ctx, cur); err == nil || !strings.Contains(err.Error(), labelField) {
		t.Fatalf("removing the label: %v", err)
	}

	// The object from before the policies: any update labels it.
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(old), old); err != nil {
		t.Fatal(err)
	}
	if _, ok := shardLabel(old); ok {
		t.Fatalf("installing the policies labelled an existing object: %v", old.Labels)
	}
	old.Annotations = map[string]string{v1alpha1.AnnotationReconcileRequestedAt: time.Now().UTC().Format(time.RFC3339)}
	if err := alice.Update(ctx, old); err != nil {
		t.Fatalf("a metadata-only update of an object from before the policies: %v", err)
	}
	if v, _ := shardLabel(old); v != "contoso" {
		t.Fatalf("an object from before the policies, updated: label %q, want contoso", v)
	}

	// A PartnerTenant name longer than a label value: no label, and one set by hand is refused.
	long := labelled("long", longTenant, nil, c)
	if err := alice.Create(ctx, long); err != nil {
		t.Fatalf("a CustomerAgreement of a PartnerTenant named with %d characters: %v", len(longTenant), err)
	}
	if v, ok := shardLabel(long); ok {
		t.Fatalf("a name of %d characters got the label %q", len(longTenant), v)
	}
	err := alice.Create(ctx, labelled("long-labelled", longTenant, map[string]string{v1alpha1.LabelPartnerTenant: longTenant[:63]}, c))
	if err == nil || !strings.Contains(err.Error(), "more than a label value holds (63)") {
		t.Fatalf("a label on a CustomerAgreement of a long-named PartnerTenant: %v", err)
	}
}

// Without the mutating policy, the validating one still refuses a missing or wrong label on create;
// an object from before the policies keeps taking updates that leave its label alone.
func TestWithoutTheMutatingPolicyTheWriterSetsTheLabel(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	alice := c.as("alice", "uid-alice")
	old := labelled("before-policies", "contoso", nil, c)
	if err := alice.Create(ctx, old); err != nil {
		t.Fatal(err)
	}
	c.install("partner-tenant-label", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	eventually(t, func() error {
		err := alice.Create(ctx, labelled("unlabelled", "contoso", nil, c))
		if err == nil {
			_ = c.admin.Delete(ctx, c.agreement("unlabelled", nil))
			return errNotYet
		}
		if !strings.Contains(err.Error(), labelField+" must equal spec.partnerTenantRef.name (contoso)") {
			t.Fatalf("refusal: %v", err)
		}
		return nil
	})
	if err := alice.Create(ctx, labelled("labelled", "contoso", map[string]string{v1alpha1.LabelPartnerTenant: "contoso"}, c)); err != nil {
		t.Fatalf("the right label set by hand: %v", err)
	}
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(old), old); err != nil {
		t.Fatal(err)
	}
	old.Annotations = map[string]string{v1alpha1.AnnotationReconcileRequestedAt: time.Now().UTC().Format(time.RFC3339)}
	if err := alice.Update(ctx, old); err != nil {
		t.Fatalf("a metadata-only update of an object from before the policies: %v", err)
	}
	old.Spec.PartnerTenantRef.Name = "contoso-emea"
	if err := alice.Update(ctx, old); err == nil || !strings.Contains(err.Error(), labelField) {
		t.Fatalf("moving an unlabelled object to another PartnerTenant without the label: %v", err)
	}
}
