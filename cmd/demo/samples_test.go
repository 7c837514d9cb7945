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
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

func samplesDir(t *testing.T) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "config", "samples")
}

// TestSamplesDecodeAndCoverEveryCase checks that every sample decodes strictly, that every
// CustomerAgreement says what the demo expects of it, and that together they cover every state,
// method and management policy, against partners and credentials the simulator's seed has.
func TestSamplesDecodeAndCoverEveryCase(t *testing.T) {
	dir := samplesDir(t)
	samples, err := loadSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := pcsim.LoadSeed(filepath.Join(dir, seedFile))
	if err != nil {
		t.Fatal(err)
	}
	seedPartners := map[string]pcsim.SeedPartner{}
	for _, p := range seed.Partners {
		seedPartners[strings.ToLower(p.TenantID)] = p
	}

	secrets := map[string]*corev1.Secret{}
	tenants := map[string]*v1alpha1.PartnerTenant{}
	var agreements []*v1alpha1.CustomerAgreement
	for _, s := range samples {
		switch o := s.Object.(type) {
		case *corev1.Secret:
			secrets[o.Namespace+"/"+o.Name] = o
		case *v1alpha1.PartnerTenant:
			tenants[o.Name] = o
		case *v1alpha1.CustomerAgreement:
			agreements = append(agreements, o)
		case *corev1.Namespace:
		default:
			t.Errorf("%s: unexpected sample %T", s.File, o)
		}
	}
	if len(tenants) == 0 || len(agreements) == 0 {
		t.Fatalf("want PartnerTenant and CustomerAgreement samples, have %d and %d", len(tenants), len(agreements))
	}

	for name, pt := range tenants {
		// The samples stay valid for a real cluster: the demo points them at the simulator itself.
		if pt.Spec.Endpoint != "https://api.partnercenter.microsoft.com" || pt.Spec.Authority != "https://login.microsoftonline.com" {
			t.Errorf("PartnerTenant %s: endpoint %q and authority %q should keep the real defaults", name, pt.Spec.Endpoint, pt.Spec.Authority)
		}
		sp, ok := seedPartners[strings.ToLower(pt.Spec.TenantID)]
		if !ok {
			t.Errorf("PartnerTenant %s: tenant %s is not in the simulator seed", name, pt.Spec.TenantID)
			continue
		}
		if string(pt.Spec.PartnerType) != sp.Type {
			t.Errorf("PartnerTenant %s: partnerType %s, the seed says %s", name, pt.Spec.PartnerType, sp.Type)
		}
		sec := secrets[credentialsNamespace+"/"+pt.Spec.CredentialsSecretRef.Name]
		if sec == nil {
			t.Errorf("PartnerTenant %s: no sample Secret %s/%s", name, credentialsNamespace, pt.Spec.CredentialsSecretRef.Name)
			continue
		}
		want := map[string]string{"clientId": sp.ClientID, "clientSecret": sp.ClientSecret, "refreshToken": sp.RefreshToken}
		for k, v := range want {
			if sec.StringData[k] != v {
				t.Errorf("Secret %s: %s is %q, the seed says %q", sec.Name, k, sec.StringData[k], v)
			}
		}
	}

	states := map[v1alpha1.AgreementState]bool{}
	reasons := map[string]bool{}
	methods := map[v1alpha1.AcceptanceMethod]bool{}
	policies := map[v1alpha1.ManagementPolicy]bool{}
	names := map[string]bool{}
	for _, ca := range agreements {
		exp, err := expectationOf(ca)
		if err != nil {
			t.Error(err)
			continue
		}
		if ca.Annotations[AnnotationScenario] == "" {
			t.Errorf("CustomerAgreement %s has no %s annotation", ca.Name, AnnotationScenario)
		}
		if names[ca.Name] {
			t.Errorf("CustomerAgreement %s appears twice", ca.Name)
		}
		names[ca.Name] = true
		pt := tenants[ca.Spec.PartnerTenantRef.Name]
		if pt == nil {
			t.Errorf("CustomerAgreement %s refers to PartnerTenant %q, which is no sample", ca.Name, ca.Spec.PartnerTenantRef.Name)
			continue
		}
		// Defaults as the CRD applies them.
		method, policy := ca.Spec.Method, ca.Spec.ManagementPolicy
		if method == "" {
			method = v1alpha1.MethodPartnerAttestation
		}
		if policy == "" {
			policy = v1alpha1.ManagementPolicyManage
		}
		if policy == v1alpha1.ManagementPolicyManage && method != v1alpha1.MethodCustomerDirect && ca.Spec.Signatory == nil {
			t.Errorf("CustomerAgreement %s: Manage with %s needs a signatory", ca.Name, method)
		}
		known := false
		for _, c := range seedPartners[strings.ToLower(pt.Spec.TenantID)].Customers {
			known = known || strings.EqualFold(c.TenantID, ca.Spec.CustomerTenantID)
		}
		if !known && exp.Final.Reason != v1alpha1.ReasonCustomerNotFound {
			t.Errorf("CustomerAgreement %s: customer %s is not in the seed, so it can only be expected CustomerNotFound", ca.Name, ca.Spec.CustomerTenantID)
		}
		states[exp.Final.State] = true
		reasons[exp.Final.Reason] = true
		if a := exp.Awaiting; a != nil {
			states[a.State] = true
			reasons[a.Reason] = true
			if method != v1alpha1.MethodPartnerAttestation || policy != v1alpha1.ManagementPolicyManage {
				t.Errorf("CustomerAgreement %s: only a managed PartnerAttestation waits for a person (its signatory)", ca.Name)
			}
		}
		methods[method] = true
		policies[policy] = true
	}

	for _, s := range []v1alpha1.AgreementState{v1alpha1.StateAttested, v1alpha1.StateNoMCA, ""} {
		if !states[s] {
			t.Errorf("no sample is expected to settle in state %q", s)
		}
	}
	if !states[v1alpha1.StateLegacy] && !states[v1alpha1.StateBlocked] {
		t.Error("no sample is expected to settle Legacy or Blocked")
	}
	for _, m := range []v1alpha1.AcceptanceMethod{v1alpha1.MethodPartnerAttestation, v1alpha1.MethodLegacyConfirmation, v1alpha1.MethodCustomerDirect} {
		if !methods[m] {
			t.Errorf("no sample uses method %s", m)
		}
	}
	for _, p := range []v1alpha1.ManagementPolicy{v1alpha1.ManagementPolicyManage, v1alpha1.ManagementPolicyObserve} {
		if !policies[p] {
			t.Errorf("no sample uses managementPolicy %s", p)
		}
	}
	for _, r := range []string{v1alpha1.ReasonAttested, v1alpha1.ReasonAcceptedByCustomer, v1alpha1.ReasonAgreementCreated,
		v1alpha1.ReasonAwaitingDirectAcceptance, v1alpha1.ReasonAwaitingCustomer, v1alpha1.ReasonNoRelationship, v1alpha1.ReasonCustomerNotFound} {
		if !reasons[r] {
			t.Errorf("no sample is expected to settle with Ready reason %s", r)
		}
	}
}

// TestSamplesAdmitTheirNamespaces checks that every CustomerAgreement sample may use its
// PartnerTenant: every PartnerTenant sample sets spec.allowedNamespaces (absent, no namespace may
// use it), and the labels the samples give each CustomerAgreement's namespace match it. Only a
// sample expected to stop with NamespaceNotAllowed may live in a namespace it does not admit.
func TestSamplesAdmitTheirNamespaces(t *testing.T) {
	samples, err := loadSamples(samplesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	namespaces := map[string]*corev1.Namespace{}
	tenants := map[string]*v1alpha1.PartnerTenant{}
	var agreements []*v1alpha1.CustomerAgreement
	for _, s := range samples {
		switch o := s.Object.(type) {
		case *corev1.Namespace:
			namespaces[o.Name] = o
		case *v1alpha1.PartnerTenant:
			tenants[o.Name] = o
		case *v1alpha1.CustomerAgreement:
			agreements = append(agreements, o)
		}
	}
	for name, pt := range tenants {
		if pt.Spec.AllowedNamespaces == nil {
			t.Errorf("PartnerTenant %s has no spec.allowedNamespaces: no CustomerAgreement could use it", name)
		}
	}
	if namespaces[credentialsNamespace] != nil {
		t.Errorf("the samples create the credentials namespace %s themselves; config/default does", credentialsNamespace)
	}
	for _, ca := range agreements {
		ns := namespaces[ca.Namespace]
		if ns == nil {
			t.Errorf("CustomerAgreement %s/%s: its namespace is no sample (kubectl apply -k would not create it)", ca.Namespace, ca.Name)
			continue
		}
		pt := tenants[ca.Spec.PartnerTenantRef.Name]
		if pt == nil || pt.Spec.AllowedNamespaces == nil {
			continue // reported above or by TestSamplesDecodeAndCoverEveryCase
		}
		ok, err := admits(pt.Spec.AllowedNamespaces, ns.Labels)
		if err != nil {
			t.Errorf("PartnerTenant %s: %v", pt.Name, err)
			continue
		}
		exp, _ := expectationOf(ca)
		switch notAllowed := exp.Final.Reason == v1alpha1.ReasonNamespaceNotAllowed; {
		case !ok && !notAllowed:
			t.Errorf("CustomerAgreement %s/%s: PartnerTenant %s does not admit namespace %s (labels %v); label it or widen spec.allowedNamespaces",
				ca.Namespace, ca.Name, pt.Name, ns.Name, ns.Labels)
		case ok && notAllowed:
			t.Errorf("CustomerAgreement %s/%s is expected NamespaceNotAllowed, but PartnerTenant %s admits namespace %s", ca.Namespace, ca.Name, pt.Name, ns.Name)
		}
	}
}

// admits is the rule of spec.allowedNamespaces as the API documents it: All admits every
// namespace, Selector the namespaces whose labels match.
func admits(a *v1alpha1.AllowedNamespaces, nsLabels map[string]string) (bool, error) {
	switch a.From {
	case v1alpha1.NamespacesFromAll:
		return true, nil
	case v1alpha1.NamespacesFromSelector:
		if a.Selector == nil {
			return false, nil
		}
		sel, err := metav1.LabelSelectorAsSelector(a.Selector)
		if err != nil {
			return false, err
		}
		return sel.Matches(labels.Set(nsLabels)), nil
	}
	return false, nil
}

func TestAdmits(t *testing.T) {
	sel := &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"partnercenter.mca.dev/customers": "true"}}}
	for _, c := range []struct {
		a      *v1alpha1.AllowedNamespaces
		labels map[string]string
		want   bool
	}{
		{&v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}, nil, true},
		{sel, map[string]string{"partnercenter.mca.dev/customers": "true"}, true},
		{sel, map[string]string{"partnercenter.mca.dev/customers": "false"}, false},
		{sel, nil, false},
		{&v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector}, nil, false},
	} {
		got, err := admits(c.a, c.labels)
		if err != nil || got != c.want {
			t.Errorf("admits(%+v, %v) = %v, %v; want %v", c.a, c.labels, got, err, c.want)
		}
	}
}

// TestKustomizationListsEverySample keeps config/samples/kustomization.yaml and the directory in
// step: every YAML file but the simulator seed is listed, and everything listed exists.
func TestKustomizationListsEverySample(t *testing.T) {
	dir := samplesDir(t)
	b, err := os.ReadFile(filepath.Join(dir, kustomizationFile))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	listed := k.Resources
	var files []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) && n != kustomizationFile && n != seedFile {
			files = append(files, n)
		}
	}
	sorted := append([]string(nil), listed...)
	sort.Strings(sorted)
	sort.Strings(files)
	if strings.Join(sorted, ",") != strings.Join(files, ",") {
		t.Errorf("kustomization.yaml lists %v; the directory holds %v", sorted, files)
	}
}

func TestLoadSamplesApplyOrder(t *testing.T) {
	samples, err := loadSamples(samplesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for _, s := range samples {
		r := applyRank(s.Object)
		if r < last {
			t.Fatalf("%s %s comes after a later kind", kindOf(s.Object), s.Object.GetName())
		}
		last = r
	}
}

func TestDecodeRejectsBadSamples(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"unknown field": {`apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenant
metadata: {name: x}
spec: {tenantId: 11111111-1111-1111-1111-111111111111, partnerType: DirectBill, credentialsSecretRef: {name: s}, endpont: https://x}
`, `unknown field "spec.endpont"`},
		"unknown kind": {`apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenantz
metadata: {name: x}
`, `no kind "PartnerTenantz"`},
		"missing expectations": {`# a comment-only document first
---
apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata: {name: x, namespace: customers}
spec: {partnerTenantRef: {name: p}, customerTenantId: aaaaaaaa-0000-0000-0000-000000000001, companyName: C}
`, "lacks the annotations"},
		"half an awaiting expectation": {`apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata:
  name: x
  namespace: customers
  annotations: {demo.mca.dev/expected-state: Attested, demo.mca.dev/expected-ready-reason: Attested, demo.mca.dev/awaiting-state: NoMCA}
spec: {partnerTenantRef: {name: p}, customerTenantId: aaaaaaaa-0000-0000-0000-000000000001, companyName: C}
`, "or neither"},
		"bad expected state": {`apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata:
  name: x
  namespace: customers
  annotations: {demo.mca.dev/expected-state: Signed, demo.mca.dev/expected-ready-reason: Attested}
spec: {partnerTenantRef: {name: p}, customerTenantId: aaaaaaaa-0000-0000-0000-000000000001, companyName: C}
`, `"Signed" is not a state`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(c.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, kustomizationFile), []byte("resources:\n- s.yaml\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadSamples(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("loadSamples: %v; want an error about %s", err, c.want)
			}
		})
	}
}
