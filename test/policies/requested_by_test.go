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

// Package policies runs the admission policies config/default installs (config/policies) in a
// real kube-apiserver (envtest), as the users the shipped roles let write CustomerAgreements,
// by impersonation: never as an administrator only.
package policies

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// shipped renders config/default and returns its objects of the given kinds.
func shipped(t *testing.T, kinds ...string) []*unstructured.Unstructured {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(t), "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	var out []*unstructured.Unstructured
	for _, r := range m.Resources() {
		for _, k := range kinds {
			if r.GetKind() != k {
				continue
			}
			obj, err := r.Map()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
	return out
}

type cluster struct {
	t     *testing.T
	cfg   *rest.Config
	admin client.Client
	ns    string
}

func start(t *testing.T) *cluster {
	t.Helper()
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join(repoRoot(t), "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest (KUBEBUILDER_ASSETS, as `make test` sets it): %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	s := scheme(t)
	admin, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, cfg: cfg, admin: admin, ns: "team-a"}
	ctx := context.Background()
	if err := admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}); err != nil {
		t.Fatal(err)
	}
	// The shipped editor role, bound in the team's namespace to two people.
	for _, o := range shipped(t, "ClusterRole") {
		if !strings.HasSuffix(o.GetName(), "customeragreement-editor-role") {
			continue
		}
		if err := admin.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: "editors"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: o.GetName()},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "alice"}, {Kind: rbacv1.UserKind, Name: "bob"}}}
		if err := admin.Create(ctx, rb); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// install creates the shipped admission policy objects named policy, of the given kinds.
func (c *cluster) install(policy string, kinds ...string) {
	c.t.Helper()
	var objs []*unstructured.Unstructured
	for _, o := range shipped(c.t, kinds...) {
		if strings.HasSuffix(o.GetName(), "-"+policy) {
			objs = append(objs, o)
		}
	}
	if len(objs) != len(kinds) {
		c.t.Fatalf("config/default ships %d objects of policy %s of kinds %v, want one each", len(objs), policy, kinds)
	}
	for _, o := range objs {
		if err := c.admin.Create(context.Background(), o); err != nil {
			c.t.Fatalf("creating the shipped %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
}

// as is a client impersonating user (with uid).
func (c *cluster) as(user, uid string) client.Client {
	c.t.Helper()
	cfg := rest.CopyConfig(c.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, UID: uid}
	cl, err := client.New(cfg, client.Options{Scheme: c.admin.Scheme()})
	if err != nil {
		c.t.Fatal(err)
	}
	return cl
}

func (c *cluster) agreement(name string, annotations map[string]string) *v1alpha1.CustomerAgreement {
	return &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: name, Annotations: annotations},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "contoso"}, CustomerTenantID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CompanyName: "Fabrikam", Country: "US", Language: "en-US", Method: v1alpha1.MethodPartnerAttestation,
			Signatory: &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example"},
		},
	}
}

// eventually retries f until it returns nil: a policy takes effect a moment after it is created.
func eventually(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func requester(ca *v1alpha1.CustomerAgreement) (string, string) {
	return ca.Annotations[v1alpha1.AnnotationRequestedBy], ca.Annotations[v1alpha1.AnnotationRequestedByUID]
}

// With both policies: the API server stamps who wrote the spec, restamps it on each spec change,
// and refuses a name that is not the requester's.
func TestWhoAskedIsStampedAndCannotBeForged(t *testing.T) {
	c := start(t)
	c.install("requested-by", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	ctx := context.Background()
	alice, bob := c.as("alice", "uid-alice"), c.as("bob", "uid-bob")

	// The policies are active once a forged name is refused.
	eventually(t, func() error {
		err := alice.Create(ctx, c.agreement("probe", map[string]string{v1alpha1.AnnotationRequestedBy: "mallory"}))
		if err == nil {
			_ = c.admin.Delete(ctx, c.agreement("probe", nil))
			return errNotYet
		}
		if !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) {
			return err
		}
		if !strings.Contains(err.Error(), "metadata.annotations[partnercenter.mca.dev/requested-by]") {
			t.Fatalf("the refusal does not name the field: %v", err)
		}
		return nil
	})

	ca := c.agreement("fabrikam", nil)
	eventually(t, func() error { return alice.Create(ctx, ca) })
	if u, uid := requester(ca); u != "alice" || uid != "uid-alice" {
		t.Fatalf("created by alice, requested-by = %q/%q", u, uid)
	}

	// bob changes the spec and leaves the annotations as they were: restamped with bob.
	ca.Spec.CompanyName = "Fabrikam Inc"
	if err := bob.Update(ctx, ca); err != nil {
		t.Fatal(err)
	}
	if u, uid := requester(ca); u != "bob" || uid != "uid-bob" {
		t.Fatalf("spec changed by bob, requested-by = %q/%q", u, uid)
	}

	// bob changes the spec and names alice: refused, nothing changes.
	ca.Spec.CompanyName = "Fabrikam Holdings"
	ca.Annotations[v1alpha1.AnnotationRequestedBy] = "alice"
	err := bob.Update(ctx, ca)
	if err == nil || !strings.Contains(err.Error(), "requested-by") {
		t.Fatalf("bob naming alice as the requester: %v", err)
	}

	// A metadata-only change (kubectl mca reconcile) keeps who asked.
	cur := &v1alpha1.CustomerAgreement{}
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(ca), cur); err != nil {
		t.Fatal(err)
	}
	if cur.Spec.CompanyName != "Fabrikam Inc" {
		t.Fatalf("the refused update changed the spec: %q", cur.Spec.CompanyName)
	}
	cur.Annotations[v1alpha1.AnnotationReconcileRequestedAt] = time.Now().UTC().Format(time.RFC3339)
	if err := alice.Update(ctx, cur); err != nil {
		t.Fatalf("a metadata-only update: %v", err)
	}
	if u, _ := requester(cur); u != "bob" {
		t.Fatalf("a metadata-only update by alice changed requested-by to %q", u)
	}
}

// Without the mutating policy (a cluster that does not serve it, or an administrator who left it
// out), the validating one still refuses any name but the requester's: whoever writes the spec
// names themselves.
func TestWithoutTheMutatingPolicyTheRequesterNamesThemselves(t *testing.T) {
	c := start(t)
	c.install("requested-by", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	ctx := context.Background()
	alice := c.as("alice", "uid-alice")
	eventually(t, func() error {
		err := alice.Create(ctx, c.agreement("unnamed", nil))
		if err == nil {
			_ = c.admin.Delete(ctx, c.agreement("unnamed", nil))
			return errNotYet
		}
		if !strings.Contains(err.Error(), "must name the user who writes the spec (alice)") {
			t.Fatalf("refusal: %v", err)
		}
		return nil
	})
	ok := c.agreement("named", map[string]string{v1alpha1.AnnotationRequestedBy: "alice", v1alpha1.AnnotationRequestedByUID: "uid-alice"})
	if err := alice.Create(ctx, ok); err != nil {
		t.Fatalf("alice naming herself: %v", err)
	}
	forged := c.agreement("forged", map[string]string{v1alpha1.AnnotationRequestedBy: "alice", v1alpha1.AnnotationRequestedByUID: "uid-bob"})
	if err := alice.Create(ctx, forged); err == nil || !strings.Contains(err.Error(), "requested-by-uid") {
		t.Fatalf("alice with bob's uid: %v", err)
	}
}

type notYet struct{}

func (notYet) Error() string { return "the policy is not in effect yet" }

var errNotYet = notYet{}
