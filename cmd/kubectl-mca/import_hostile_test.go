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
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// listItem is one customer of a customers page as Partner Center writes it.
func listItem(id, tenantID, domain, company string) map[string]any {
	return map[string]any{
		"id":                    id,
		"companyProfile":        map[string]any{"tenantId": tenantID, "domain": domain, "companyName": company},
		"relationshipToPartner": "reseller",
	}
}

func writeJSON(t *testing.T, w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Error(err)
	}
}

// clusterAdminBinding is YAML that, if it escaped into a manifest, would make every
// authenticated user cluster-admin.
const clusterAdminBinding = "\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n" +
	"metadata:\n  name: pwned\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n" +
	"subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:authenticated\n"

// TestImportHostilePartnerCenterData: company names, domains, signatories and ids from Partner
// Center that hold YAML (document separators, newlines, carriage returns, Unicode line separators,
// comment markers, anchors, tags) reach the manifests only as values: the kustomization builds to
// exactly one CustomerAgreement per customer with a usable tenant id and nothing else, and the
// CRD's schema and CEL rules accept the spec of each.
func TestImportHostilePartnerCenterData(t *testing.T) {
	type hostile struct {
		id, tenantID, domain, company string
		contact                       pcsim.SeedContact
	}
	ada := pcsim.SeedContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@hostile.example"}
	customers := []hostile{
		{tenantID: "a0000000-0000-4000-8000-000000000001", domain: "evil.example" + clusterAdminBinding, company: "Evil Ltd", contact: ada},
		{tenantID: "a0000000-0000-4000-8000-000000000002", domain: "cr.example\rkind: ClusterRoleBinding\r", company: "Carriage Return" + clusterAdminBinding, contact: ada},
		{tenantID: "a0000000-0000-4000-8000-000000000003", domain: "ls.example\u2028---\u2028kind: Secret\u0085---\u0085kind: Secret", company: "Line\u2029Separator", contact: ada},
		{tenantID: "a0000000-0000-4000-8000-000000000004", domain: "symbols.example" + clusterAdminBinding, company: "!!! ---", contact: ada},
		{tenantID: "a0000000-0000-4000-8000-000000000005", domain: "#" + clusterAdminBinding, company: "*alias &anchor !!binary {a: b} [c] 'q' \"dq\" # not a comment", contact: pcsim.SeedContact{
			FirstName: "Ada" + clusterAdminBinding, LastName: "Lovelace", Email: "ada@hostile.example" + clusterAdminBinding}},
		{tenantID: "a0000000-0000-4000-8000-000000000006", domain: "yes", company: "yes", contact: pcsim.SeedContact{
			FirstName: "O'Brien: #1", LastName: "- [x]", Email: "o'brien+#1@hostile.example", PhoneNumber: "+1 425 555 0100\n---"}},
		{id: "a0000000-0000-4000-8000-000000000007" + clusterAdminBinding, tenantID: "a0000000-0000-4000-8000-000000000007", domain: "id.example", company: "Hostile Id", contact: ada},
	}
	// Tenant ids that are no GUID are listed but never imported.
	badIDs := []string{"a0000000-0000-4000-8000-000000000008" + clusterAdminBinding, "a0000000-0000-4000-8000-00000000000\u2028"}

	seed := make([]pcsim.SeedCustomer, 0, len(customers))
	items := make([]any, 0, len(customers)+len(badIDs))
	for _, c := range customers {
		seed = append(seed, pcsim.SeedCustomer{TenantID: c.tenantID, CompanyName: "Seeded", Agreements: []pcsim.SeedAgreement{{DateAgreed: "2024-03-01T00:00:00", PrimaryContact: c.contact}}})
		id := c.id
		if id == "" {
			id = c.tenantID
		}
		items = append(items, listItem(id, c.tenantID, c.domain, c.company))
	}
	for _, id := range badIDs {
		items = append(items, listItem(id, id, "bad.example"+clusterAdminBinding, "Bad Id"+clusterAdminBinding))
	}
	o := newOffline(t, "import-hostile", seed, nil)
	o.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/customers" {
			return false
		}
		writeJSON(t, w, map[string]any{"totalCount": len(items), "items": items})
		return true
	}
	dir := filepath.Join(t.TempDir(), "customers")
	stdout, stderr, err := o.run(tctx(t), "", false, "import", "--partner-tenant", o.pt, "-n", "hostile", "--out", dir)
	if err != nil {
		t.Fatalf("import: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}

	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	want := map[string]bool{}
	for _, c := range customers {
		want[c.tenantID] = true
	}
	validSpec := crdValidator(t, "spec")
	got := map[string]bool{}
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: m}
		tenant, _, _ := unstructured.NestedString(u.Object, "spec", "customerTenantId")
		if u.GetAPIVersion() != v1alpha1.GroupVersion.String() || u.GetKind() != "CustomerAgreement" || u.GetNamespace() != "hostile" || !want[tenant] || got[tenant] {
			t.Errorf("kustomize build yields %s %s %s/%s for %q: want one CustomerAgreement per customer and nothing else", u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName(), tenant)
			continue
		}
		got[tenant] = true
		spec, _, _ := unstructured.NestedMap(u.Object, "spec")
		if errs := validSpec(spec); len(errs) > 0 {
			t.Errorf("the CRD refuses the spec of %s: %v", u.GetName(), errs)
		}
	}
	if len(got) != len(want) {
		t.Errorf("kustomize build yields CustomerAgreements for %d customers, want %d", len(got), len(want))
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(string(b), "\r\u0085\u2028\u2029") || strings.Contains(string(b), "\n---") {
			t.Errorf("%s holds a raw line break or document separator from Partner Center:\n%q", f.Name(), b)
		}
	}
}

// TestManifestsHoldHostileValues renders manifests and the kustomization straight from hostile
// Partner Center data (no cluster needed): kustomize builds them to exactly one CustomerAgreement
// per customer, with the company name and domain reaching only spec.companyName and comments.
func TestManifestsHoldHostileValues(t *testing.T) {
	dir := t.TempDir()
	domains := []string{"evil.example" + clusterAdminBinding, "cr.example\rkind: Secret\r", "ls.example\u2028---\u2028kind: Secret", "nel.example\u0085---\u0085kind: Secret", `bs.example\n---`}
	for i, d := range domains {
		id := "a0000000-0000-4000-8000-00000000000" + strconv.Itoa(i)
		cust := pc.Customer{TenantID: id, Domain: d, CompanyName: "!!!"}
		recs := []pc.Agreement{{DateAgreed: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), PrimaryContact: pc.Contact{FirstName: "Ada" + clusterAdminBinding, LastName: "L", Email: "ada@x.example"}}}
		doc, err := renderManifest("pt", "hostile", "c"+strconv.Itoa(i), id, cust, recs, v1alpha1.ManagementPolicyObserve, v1alpha1.StateAttested)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "c"+strconv.Itoa(i)+".yaml"), doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeKustomization(dir, "hostile"); err != nil {
		t.Fatal(err)
	}
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	if resMap.Size() != len(domains) {
		t.Errorf("kustomize build yields %d resources, want %d", resMap.Size(), len(domains))
	}
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: m}
		company, _, _ := unstructured.NestedString(u.Object, "spec", "companyName")
		if u.GetKind() != "CustomerAgreement" || strings.ContainsAny(company, "\r\n\u0085\u2028") {
			t.Errorf("kustomize build yields %s %s with companyName %q", u.GetKind(), u.GetName(), company)
		}
	}
}
