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
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// operatorUser is the operator's service account as config/default names it.
const operatorUser = "system:serviceaccount:mca-operator-system:mca-operator-controller-manager"

// bindShipped binds the shipped ClusterRole whose name ends in suffix to users, cluster-wide;
// with resourceNames, a copy of it whose partnertenants rule is narrowed to them.
func (c *cluster) bindShipped(suffix, binding string, resourceNames []string, users ...string) {
	c.t.Helper()
	ctx := context.Background()
	var role *unstructured.Unstructured
	for _, o := range shipped(c.t, "ClusterRole") {
		if strings.HasSuffix(o.GetName(), suffix) {
			role = o
		}
	}
	if role == nil {
		c.t.Fatalf("config/default ships no ClusterRole named *%s", suffix)
	}
	if resourceNames != nil {
		role = role.DeepCopy()
		role.SetName(binding)
		rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
		for _, r := range rules {
			rule := r.(map[string]any)
			if res, _ := rule["resources"].([]any); len(res) == 1 && res[0] == "partnertenants" {
				names := make([]any, len(resourceNames))
				for i, n := range resourceNames {
					names[i] = n
				}
				rule["resourceNames"] = names
			}
		}
		_ = unstructured.SetNestedSlice(role.Object, rules, "rules")
	}
	if err := c.admin.Create(ctx, role); err != nil && !strings.Contains(err.Error(), "already exists") {
		c.t.Fatal(err)
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: binding},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.GetName()}}
	for _, u := range users {
		crb.Subjects = append(crb.Subjects, rbacv1.Subject{Kind: rbacv1.UserKind, Name: u})
	}
	if err := c.admin.Create(ctx, crb); err != nil {
		c.t.Fatal(err)
	}
}

// pendingRecord creates, as the operator would, a record of contoso whose act alice asked for and
// that waits for approval.
func (c *cluster) pendingRecord(name string, required bool) *v1alpha1.AttestationRecord {
	c.t.Helper()
	rec := &v1alpha1.AttestationRecord{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.AttestationRecordSpec{
			PartnerTenant:     v1alpha1.RecordPartnerTenant{Name: "contoso", TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"},
			CustomerTenantID:  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: c.ns, Name: "fabrikam", UID: "uid-ca", Generation: 1},
			Act:               v1alpha1.ActStartAttestation, RequestID: "req-" + name,
			RequestBody: `{"companyName":"Fabrikam"}`, RequestBodySHA256: strings.Repeat("ab", 32),
			RequestedBy: v1alpha1.RequestedBy{Username: "alice"}, Sequence: 1,
			RetainUntil: metav1.NewTime(time.Now().Add(time.Hour).Truncate(time.Second)), ApprovalRequired: required,
		},
	}
	if err := c.admin.Create(context.Background(), rec); err != nil {
		c.t.Fatal(err)
	}
	return rec
}

// decide writes status.approval of rec as cl, with the decision change makes to a valid one.
func decide(cl client.Client, rec *v1alpha1.AttestationRecord, by string, change func(*v1alpha1.AttestationRecord)) error {
	cur := &v1alpha1.AttestationRecord{}
	if err := cl.Get(context.Background(), client.ObjectKeyFromObject(rec), cur); err != nil {
		return err
	}
	before := cur.DeepCopy()
	cur.Status.Approval = &v1alpha1.RecordApproval{Decision: v1alpha1.ApprovalApproved, By: by,
		RequestBodySHA256: cur.Spec.RequestBodySHA256, At: metav1.NewTime(time.Now().Truncate(time.Second))}
	if change != nil {
		change(cur)
	}
	return cl.Status().Patch(context.Background(), cur, client.MergeFrom(before))
}

func refusedWith(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: got %v, want a refusal saying %q", what, err, want)
	}
}

// Four eyes, as the shipped roles and policy enforce them: only another person, who holds the
// verb approve on the record's PartnerTenant, approves, in their own name, the exact body; an
// approver cannot write Partner Center's answer; the operator can.
func TestApprovalNeedsAnotherPersonWhoMayApprove(t *testing.T) {
	c := start(t)
	c.install("attestationrecord-approval", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	c.bindShipped("attestationrecord-approver-role", "approvers", nil, "alice", "carol")
	c.bindShipped("attestationrecord-approver-role", "northwind-approvers", []string{"northwind"}, "dave")
	c.bindShipped("manager-role", "operator", nil, operatorUser)
	alice, carol, dave := c.as("alice", "uid-alice"), c.as("carol", "uid-carol"), c.as("dave", "uid-dave")
	rec := c.pendingRecord("contoso-1", true)

	// The policy is in effect once dave, an approver for northwind only, is refused for contoso.
	eventually(t, func() error {
		err := decide(dave, rec, "dave", nil)
		if err == nil {
			t.Fatal("dave approved for contoso before the policy was in effect; the test cannot go on")
		}
		if !strings.Contains(err.Error(), "may not approve the acts of PartnerTenant contoso") {
			return err
		}
		return nil
	})
	refusedWith(t, "alice approving the act she asked for", decide(alice, rec, "alice", nil), "asked for this act")
	refusedWith(t, "alice denying it", decide(alice, rec, "alice", func(r *v1alpha1.AttestationRecord) {
		r.Status.Approval.Decision = v1alpha1.ApprovalDenied
	}), "asked for this act")
	refusedWith(t, "carol approving in bob's name", decide(carol, rec, "bob", nil), "must name the user who writes it (carol)")
	refusedWith(t, "carol approving another body", decide(carol, rec, "carol", func(r *v1alpha1.AttestationRecord) {
		r.Status.Approval.RequestBodySHA256 = strings.Repeat("cd", 32)
	}), "names the exact body")
	refusedWith(t, "carol writing an outcome", decide(carol, rec, "carol", func(r *v1alpha1.AttestationRecord) {
		r.Status.Outcome = v1alpha1.OutcomeSucceeded
	}), "only the operator")
	refusedWith(t, "carol approving a record that needs no approval", decide(carol, c.pendingRecord("contoso-2", false), "carol", nil), "needs no approval")

	superseded := c.pendingRecord("contoso-3", true)
	op := c.as(operatorUser, "")
	cur := superseded.DeepCopy()
	cur.Status.SupersededBy = "contoso-4"
	if err := op.Status().Patch(context.Background(), cur, client.MergeFrom(superseded)); err != nil {
		t.Fatalf("the operator marking a record superseded: %v", err)
	}
	refusedWith(t, "carol approving a superseded record", decide(carol, superseded, "carol", nil), "superseded by AttestationRecord contoso-4")

	if err := decide(carol, rec, "carol", nil); err != nil {
		t.Fatalf("carol approving alice's act: %v", err)
	}
	got := &v1alpha1.AttestationRecord{}
	if err := c.admin.Get(context.Background(), client.ObjectKeyFromObject(rec), got); err != nil {
		t.Fatal(err)
	}
	if a := got.Status.Approval; a == nil || a.By != "carol" || a.Decision != v1alpha1.ApprovalApproved {
		t.Fatalf("the record names the approver: %+v", a)
	}
	refusedWith(t, "carol turning her approval into a denial", decide(carol, rec, "carol", func(r *v1alpha1.AttestationRecord) {
		r.Status.Approval.Decision = v1alpha1.ApprovalDenied
	}), "status.approval is written once")

	// The operator writes the answer once the act is sent.
	before := got.DeepCopy()
	got.Status.Outcome = v1alpha1.OutcomeUnknown
	if err := op.Status().Patch(context.Background(), got, client.MergeFrom(before)); err != nil {
		t.Fatalf("the operator marking the approved act requested: %v", err)
	}
}

// The policy's list of the status fields an approver may not write names every field of the
// status but approval: a field added later is covered too.
func TestApprovalPolicyCoversStatus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "policies", "attestationrecord_approval.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[v1alpha1.AttestationRecordStatus]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "approval" {
			continue
		}
		if !strings.Contains(string(b), "object.?status.?"+name+" != oldObject.?status.?"+name) {
			t.Errorf("status.%s is missing from the variable others of attestationrecord-approval: an approver could write it", name)
		}
	}
}
