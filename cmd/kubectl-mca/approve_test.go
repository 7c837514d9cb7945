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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// approvalTestLabel marks this file's records: the shipped approval policy is bound to them only,
// so that the package's other tests write their records' status as before.
const approvalTestLabel = "kubectl-mca-test/four-eyes"

// shippedObjects reads the objects of a shipped YAML file (documents separated by ---).
func shippedObjects(t *testing.T, path ...string) []*unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(string(b), "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
	return out
}

// createAll creates objs as the administrator and deletes them when the test ends.
func createAll(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := cluster.Create(tctx(t), o); err != nil {
			t.Fatalf("creating %s %s: %v", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
		t.Cleanup(func() { _ = cluster.Delete(context.Background(), o) })
	}
}

// installFourEyes installs the shipped admission policy attestationrecord-approval (its binding
// narrowed to this file's records) and the shipped approver ClusterRole, bound to approvers, and
// waits until the policy is in effect.
func installFourEyes(t *testing.T, approvers ...string) {
	t.Helper()
	for _, o := range shippedObjects(t, "config", "policies", "attestationrecord_approval.yaml") {
		if o.GetKind() == "ValidatingAdmissionPolicyBinding" {
			if err := unstructured.SetNestedStringMap(o.Object, map[string]string{approvalTestLabel: "true"},
				"spec", "matchResources", "objectSelector", "matchLabels"); err != nil {
				t.Fatal(err)
			}
		}
		createAll(t, o)
	}
	role := shippedObjects(t, "config", "rbac", "attestationrecord_approver_role.yaml")[0]
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "four-eyes-approvers"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.GetName()}}
	for _, u := range approvers {
		crb.Subjects = append(crb.Subjects, rbacv1.Subject{Kind: rbacv1.UserKind, Name: u})
	}
	createAll(t, role, crb)

	// In effect once an approver writing Partner Center's answer into a fresh probe record is refused.
	carol := impersonating(t, approvers[len(approvers)-1])
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		probe := waitingRecord(fmt.Sprintf("four-eyes-probe-%d", i), "four-eyes-probe", "alice", time.Now())
		delete(probe.Labels, v1alpha1.LabelRecordApproval)
		createAll(t, probe)
		before := probe.DeepCopy()
		probe.Status.Outcome = v1alpha1.OutcomeSucceeded
		err := carol.Status().Patch(tctx(t), probe, client.MergeFrom(before))
		if err != nil && strings.Contains(err.Error(), "only the operator") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the approval policy is not in effect: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// impersonating is a client of the test cluster acting as user.
func impersonating(t *testing.T, user string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitingRecord is a record, as the operator creates it, whose act requester asked for and that
// waits for approval.
func waitingRecord(name, pt, requester string, at time.Time) *v1alpha1.AttestationRecord {
	body := fmt.Sprintf("{\"companyName\":\"Fabrikam \u202e%s\",\"country\":\"US\"}", name)
	return &v1alpha1.AttestationRecord{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{approvalTestLabel: "true",
			v1alpha1.LabelRecordApproval: v1alpha1.ApprovalPending, v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(pt)}},
		Spec: v1alpha1.AttestationRecordSpec{
			PartnerTenant:     v1alpha1.RecordPartnerTenant{Name: pt, TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"},
			CustomerTenantID:  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: "team-a", Name: "fabrikam", UID: "uid-fabrikam", Generation: 2},
			Act:               v1alpha1.ActStartAttestation, RequestID: "req-" + name, RequestBody: body,
			RequestBodySHA256: fmt.Sprintf("%064x", len(name)),
			RequestedBy:       v1alpha1.RequestedBy{Username: requester, FieldManager: "kubectl-client-side-apply"},
			Sequence:          1, RetainUntil: metav1.NewTime(at.Add(time.Hour).Truncate(time.Second)), ApprovalRequired: true,
		},
	}
}

// runPlugin runs the plugin with stdin, as on a terminal or not.
func runPlugin(ctx context.Context, stdin string, terminal bool, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	a := newApp(ctx, genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errb})
	a.forceTerminal = &terminal
	cmd := a.rootCmd()
	cmd.SetArgs(append(args, "--kubeconfig", kubeconfig))
	err := cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func approvalOf(t *testing.T, name string) *v1alpha1.RecordApproval {
	t.Helper()
	rec := &v1alpha1.AttestationRecord{}
	if err := cluster.Get(tctx(t), client.ObjectKey{Name: name}, rec); err != nil {
		t.Fatal(err)
	}
	return rec.Status.Approval
}

func pendingNames(t *testing.T, args ...string) []string {
	t.Helper()
	out, stderr, err := run(tctx(t), "", append([]string{"pending", "-o", "json"}, args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var acts []PendingAct
	if err := json.Unmarshal([]byte(out), &acts); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	names := make([]string, 0, len(acts))
	for _, p := range acts {
		names = append(names, p.Record)
	}
	return names
}

// TestFourEyes runs pending, approve and deny against the shipped policy and approver role, as
// the users themselves (--as): the requester's approval is refused with the policy's message, an
// approver's is recorded in their name, a denial needs a reason, nothing is written unconfirmed,
// and pending lists exactly the acts still waiting.
func TestFourEyes(t *testing.T) {
	needCluster(t)
	installFourEyes(t, "alice", "carol")
	ctx := tctx(t)
	now := time.Now()
	w1, w2, w3 := waitingRecord("four-eyes-a-1", "four-eyes-a", "alice", now), waitingRecord("four-eyes-a-2", "four-eyes-a", "bob", now), waitingRecord("four-eyes-b-1", "four-eyes-b", "alice", now)
	superseded, sent, denied := waitingRecord("four-eyes-a-0", "four-eyes-a", "alice", now), waitingRecord("four-eyes-a-3", "four-eyes-a", "bob", now), waitingRecord("four-eyes-b-0", "four-eyes-b", "bob", now)
	notRequired := waitingRecord("four-eyes-a-4", "four-eyes-a", "bob", now)
	notRequired.Spec.ApprovalRequired = false
	delete(notRequired.Labels, v1alpha1.LabelRecordApproval)
	// Their status is the operator's (or an earlier decision's): outside the narrowed policy binding.
	for _, r := range []*v1alpha1.AttestationRecord{superseded, sent, denied} {
		delete(r.Labels, approvalTestLabel)
	}
	superseded.Status.SupersededBy = w1.Name
	sent.Status.Outcome = v1alpha1.OutcomeUnknown
	denied.Status.Approval = &v1alpha1.RecordApproval{Decision: v1alpha1.ApprovalDenied, By: "carol", RequestBodySHA256: denied.Spec.RequestBodySHA256, At: metav1.NewTime(now.Truncate(time.Second))}
	createRecords(t, []*v1alpha1.AttestationRecord{w1, w2, w3, superseded, sent, denied, notRequired})

	later := "--now=" + now.Add(10*24*time.Hour+time.Hour).UTC().Format(time.RFC3339)
	t.Run("pending", func(t *testing.T) {
		for _, c := range []struct{ golden, pt string }{{"pending.golden", ""}, {"pending-partner-tenant.golden", "four-eyes-b"}} {
			args := []string{"pending", later, "--as", "carol"}
			if c.pt != "" {
				args = append(args, "--partner-tenant", c.pt)
			}
			out, stderr, err := run(ctx, "", args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			golden(t, c.golden, out)
		}
		if got, want := pendingNames(t), []string{w1.Name, w2.Name, w3.Name}; !slices.Equal(got, want) {
			t.Errorf("pending -o json lists %v, want %v", got, want)
		}
	})

	t.Run("the requester's approval is refused with the policy's message", func(t *testing.T) {
		_, _, err := runPlugin(ctx, "", false, "approve", w1.Name, "--yes", "--as", "alice")
		if err == nil || !strings.Contains(err.Error(), "(admission policy attestationrecord-approval): alice asked for this act") {
			t.Fatalf("got %v", err)
		}
		if a := approvalOf(t, w1.Name); a != nil {
			t.Fatalf("the requester's approval was written: %+v", a)
		}
	})

	t.Run("nothing is written unconfirmed", func(t *testing.T) {
		if _, _, err := runPlugin(ctx, "", false, "approve", w1.Name, "--as", "carol"); err == nil || !strings.Contains(err.Error(), "confirm with --yes") {
			t.Errorf("no terminal, no --yes: %v", err)
		}
		if _, _, err := runPlugin(ctx, "no\n", true, "approve", w1.Name, "--as", "carol"); err == nil || !strings.Contains(err.Error(), "not confirmed") {
			t.Errorf("answered no: %v", err)
		}
		if a := approvalOf(t, w1.Name); a != nil {
			t.Fatalf("an unconfirmed approval was written: %+v", a)
		}
	})

	t.Run("an approver's approval is recorded in their name", func(t *testing.T) {
		at := goldenNow
		out, stderr, err := runPlugin(ctx, "yes\n", true, "approve", w1.Name, "--as", "carol", "--reason", "checked with the customer", "--now="+at.Format(time.RFC3339))
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		golden(t, "approve.golden", out)
		a := approvalOf(t, w1.Name)
		if a == nil || a.Decision != v1alpha1.ApprovalApproved || a.By != "carol" || a.RequestBodySHA256 != w1.Spec.RequestBodySHA256 ||
			!a.At.Time.Equal(at) || a.Reason != "checked with the customer" {
			t.Fatalf("the record holds %+v", a)
		}
		if _, _, err := runPlugin(ctx, "", false, "approve", w1.Name, "--yes", "--as", "alice"); err == nil || !strings.Contains(err.Error(), "Approved by carol") {
			t.Errorf("approving a decided record again: %v", err)
		}
	})

	t.Run("a denial needs a reason", func(t *testing.T) {
		if _, _, err := runPlugin(ctx, "", false, "deny", w2.Name, "--yes", "--as", "carol"); err == nil || !strings.Contains(err.Error(), "--reason") {
			t.Fatalf("deny without --reason: %v", err)
		}
		if a := approvalOf(t, w2.Name); a != nil {
			t.Fatalf("a denial without reason was written: %+v", a)
		}
		if _, stderr, err := runPlugin(ctx, "", false, "deny", w2.Name, "--yes", "--as", "alice", "--reason", "wrong signatory"); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if a := approvalOf(t, w2.Name); a == nil || a.Decision != v1alpha1.ApprovalDenied || a.By != "alice" || a.Reason != "wrong signatory" {
			t.Fatalf("the record holds %+v", a)
		}
	})

	if got, want := pendingNames(t, "--as", "carol"), []string{w3.Name}; !slices.Equal(got, want) {
		t.Errorf("after the decisions, pending lists %v, want %v", got, want)
	}
}
