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
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// fleet seeds n customers: a third attested under the current terms, a third legacy only, a third
// with nothing on record; every 97th has no reseller relationship; every 50th shares the company
// name "Contoso Ltd" (names must still be unique); customer 3 has a phone number spec.signatory
// refuses, customer 6 an upper-case tenant id.
func fleet(n int) (cs []pcsim.SeedCustomer, resellers int, byState map[v1alpha1.AgreementState]int) {
	no := false
	byState = map[v1alpha1.AgreementState]int{}
	for i := range n {
		c := pcsim.SeedCustomer{TenantID: fmt.Sprintf("e0000000-0000-4000-8000-%012d", i), CompanyName: fmt.Sprintf("Fleet Customer %04d GmbH", i)}
		if i%50 == 0 {
			c.CompanyName = "Contoso Ltd"
		}
		if i == 6 {
			c.TenantID = strings.ToUpper(c.TenantID)
		}
		contact := pcsim.SeedContact{FirstName: "Ada", LastName: fmt.Sprintf("Lovelace%d", i), Email: fmt.Sprintf("ada%d@fleet.example", i), PhoneNumber: "4255550100"}
		if i == 3 {
			contact.PhoneNumber = "1"
		}
		state := v1alpha1.StateNoMCA
		switch i % 3 {
		case 0:
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2021-01-05T00:00:00", PrimaryContact: pcsim.SeedContact{FirstName: "Old", LastName: "Signer", Email: "old@fleet.example"}}, {DateAgreed: "2024-03-01T00:00:00", PrimaryContact: contact}}
			state = v1alpha1.StateAttested
		case 1:
			c.Agreements = []pcsim.SeedAgreement{{DateAgreed: "2022-06-14T00:00:00", PrimaryContact: contact}}
			state = v1alpha1.StateBlocked // legacy only, and the enforcement date has passed
		}
		if i%97 == 5 {
			c.Relationship = &no
		} else {
			resellers++
			byState[state]++
		}
		cs = append(cs, c)
	}
	return cs, resellers, byState
}

// TestImportThousandCustomers imports 1,000 customers listed over 10 pages: one manifest per
// reseller customer, read once each; krusty builds the directory and the API server accepts every
// CustomerAgreement it yields.
func TestImportThousandCustomers(t *testing.T) {
	needCluster(t)
	ctx := tctx(t)
	cs, resellers, byState := fleet(1000)
	s := newSim(t, "import-fleet", "f1000000-0000-4000-8000-000000000001", cs, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}, pcsim.Options{})
	createNamespace(t, "imported", nil)
	dir := filepath.Join(t.TempDir(), "customers")

	stdout, stderr, err := run(ctx, s.caFile, "import", "--partner-tenant", s.pt, "-n", "imported", "--out", dir)
	if err != nil {
		t.Fatalf("import: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if strings.Contains(stderr, "Warning") {
		t.Errorf("unexpected warning: %s", stderr)
	}
	wantSummary := fmt.Sprintf("By state (customers read now): Attested %d, Blocked %d, NoMCA %d", byState[v1alpha1.StateAttested], byState[v1alpha1.StateBlocked], byState[v1alpha1.StateNoMCA])
	if !strings.Contains(stdout, wantSummary) || !strings.Contains(stdout, fmt.Sprintf("written to %s: %d;", dir, resellers)) {
		t.Errorf("summary lacks %q / %d written:\n%s", wantSummary, resellers, stdout)
	}
	if !strings.Contains(stderr, "import: 1000/1000 customers (100%)") {
		t.Errorf("no plain progress lines on a non-terminal:\n%s", stderr)
	}

	// Partner Center: 10 pages, one read per reseller customer, no write.
	pages, reads := 0, map[string]int{}
	for _, r := range s.Requests() {
		switch {
		case r.Method != "GET" && !strings.HasSuffix(r.Path, "/oauth2/token"):
			t.Errorf("import wrote to Partner Center: %s %s", r.Method, r.Path)
		case r.Path == "/v1/customers":
			pages++
		case strings.HasSuffix(r.Path, "/agreements"):
			reads[strings.ToLower(r.Path)]++
		}
	}
	if pages != 10 || len(reads) != resellers {
		t.Errorf("%d customer pages and %d customers read; want 10 and %d", pages, len(reads), resellers)
	}
	for p, n := range reads {
		if n != 1 {
			t.Errorf("%s read %d times", p, n)
		}
	}

	// krusty builds it, the API server accepts it.
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	if resMap.Size() != resellers {
		t.Fatalf("kustomize build yields %d resources, want %d", resMap.Size(), resellers)
	}
	names := map[string]bool{}
	for _, r := range resMap.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: m}
		if names[u.GetName()] {
			t.Fatalf("name %s appears twice", u.GetName())
		}
		names[u.GetName()] = true
		if err := cluster.Create(ctx, u); err != nil {
			t.Fatalf("the API server refuses %s: %v", u.GetName(), err)
		}
	}
	var list v1alpha1.CustomerAgreementList
	if err := cluster.List(ctx, &list, client.InNamespace("imported")); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != resellers {
		t.Fatalf("%d CustomerAgreements in the cluster, want %d", len(list.Items), resellers)
	}
	got := map[string]v1alpha1.CustomerAgreement{}
	for _, ca := range list.Items {
		got[ca.Spec.CustomerTenantID] = ca
		if ca.Spec.ManagementPolicy != v1alpha1.ManagementPolicyObserve {
			t.Errorf("%s: managementPolicy %s, want Observe", ca.Name, ca.Spec.ManagementPolicy)
		}
	}
	// The signatory of the newest record, the tenant id in lower case, unique names.
	c3 := got["e0000000-0000-4000-8000-000000000003"]
	if s := c3.Spec.Signatory; s == nil || s.LastName != "Lovelace3" || s.Email != "ada3@fleet.example" || s.PhoneNumber != "" {
		t.Errorf("customer 3's signatory = %+v; want the newest record's contact without the refused phone", s)
	}
	c9 := got["e0000000-0000-4000-8000-000000000009"]
	if s := c9.Spec.Signatory; s == nil || s.LastName != "Lovelace9" || s.PhoneNumber != "4255550100" || c9.Name != "fleet-customer-0009-gmbh" {
		t.Errorf("customer 9 = %s %+v", c9.Name, s)
	}
	if c2 := got["e0000000-0000-4000-8000-000000000002"]; c2.Spec.Signatory != nil {
		t.Errorf("customer 2 has no record but a signatory %+v", c2.Spec.Signatory)
	}
	if _, ok := got["e0000000-0000-4000-8000-000000000006"]; !ok {
		t.Error("customer 6 (upper-case tenant id) is not imported in lower case")
	}
	contosos := 0
	for n := range names {
		if strings.HasPrefix(n, "contoso-ltd") {
			contosos++
		}
	}
	if contosos != 20 {
		t.Errorf("%d contoso-ltd* names, want 20", contosos)
	}
	b, err := os.ReadFile(filepath.Join(dir, "fleet-customer-0003-gmbh.yaml"))
	if err != nil || !strings.Contains(string(b), "# State at import: Attested; newest partner attestation on record: 2024-03-01.") || !strings.Contains(string(b), "phone number on record was left out") {
		t.Errorf("customer 3's manifest:\n%s (%v)", b, err)
	}
}

// TestImportResumes interrupts an import midway (the context ends after 120 customer reads), then
// runs it again: the files written before are kept untouched and not read again, the rest are
// written, and the kustomization lists them all.
func TestImportResumes(t *testing.T) {
	needCluster(t)
	cs, resellers, _ := fleet(300)
	var reads atomic.Int64
	var cancel context.CancelFunc
	s := newSim(t, "import-resume", "f1000000-0000-4000-8000-000000000002", cs, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}, pcsim.Options{
		Latency: 2 * time.Millisecond,
		Logf: func(format string, args ...any) {
			if strings.Contains(fmt.Sprintf(format, args...), "/agreements ") && reads.Add(1) == 120 {
				cancel()
			}
		},
	})
	createNamespace(t, "resumed", nil)
	dir := filepath.Join(t.TempDir(), "customers")
	ctx, c := context.WithCancel(tctx(t))
	cancel = c
	stdout, stderr, err := run(ctx, s.caFile, "import", "--partner-tenant", s.pt, "-n", "resumed", "--out", dir, "--workers", "4")
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("first run: err %v, want interrupted\n%s\n%s", err, stdout, stderr)
	}
	first := manifests(t, dir)
	if len(first) == 0 || len(first) >= resellers {
		t.Fatalf("after the interruption %d manifests, want some of %d", len(first), resellers)
	}
	for n := range first {
		var m caManifest
		if err := yaml.UnmarshalStrict([]byte(first[n]), &m); err != nil || m.Spec.CustomerTenantID == "" || m.Spec.PartnerTenantRef.Name != s.pt {
			t.Errorf("%s looks cut short (%v):\n%s", n, err, first[n])
		}
	}
	// Age the files so that a rewrite would show in their modification time.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for n := range first {
		if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	s.ResetRequests()
	stdout, stderr, err = run(tctx(t), s.caFile, "import", "--partner-tenant", s.pt, "-n", "resumed", "--out", dir)
	if err != nil {
		t.Fatalf("second run: %v\n%s\n%s", err, stdout, stderr)
	}
	second := manifests(t, dir)
	if len(second) != resellers {
		t.Fatalf("after resuming %d manifests, want %d", len(second), resellers)
	}
	for n, content := range first {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil || !fi.ModTime().Equal(old) || second[n] != content {
			t.Errorf("%s was rewritten on resume", n)
		}
	}
	readAgain := 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/agreements") {
			readAgain++
		}
	}
	if readAgain != resellers-len(first) {
		t.Errorf("the resumed run read %d customers, want only the %d missing", readAgain, resellers-len(first))
	}
	if !strings.Contains(stdout, fmt.Sprintf("kept from an earlier run: %d;", len(first))) {
		t.Errorf("summary:\n%s", stdout)
	}
	k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kus struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(k, &kus); err != nil || len(kus.Resources) != resellers {
		t.Errorf("kustomization lists %d resources (%v), want %d", len(kus.Resources), err, resellers)
	}
}

// manifests reads the CustomerAgreement files of dir.
func manifests(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file was left behind: %s", e.Name())
			continue
		}
		if e.Name() == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// TestImportManageToStdout: -o yaml writes the manifests to stdout; with --policy Manage a
// customer without a usable signatory gets Observe and a comment saying what to do; the API
// server accepts them all (server-side dry run); the import warns that the PartnerTenant admits
// no namespace.
func TestImportManageToStdout(t *testing.T) {
	needCluster(t)
	ctx := tctx(t)
	cs, _, _ := fleet(6)
	s := newSim(t, "import-manage", "f1000000-0000-4000-8000-000000000003", cs, nil, pcsim.Options{})
	createNamespace(t, "managed", nil)
	stdout, stderr, err := run(ctx, s.caFile, "import", "--partner-tenant", s.pt, "-n", "managed", "--policy", "Manage", "-o", "yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Warning: PartnerTenant import-manage has no spec.allowedNamespaces") {
		t.Errorf("no namespace warning:\n%s", stderr)
	}
	docs := strings.Split(stdout, "\n---\n")
	if len(docs) != 5 { // customer 5 has no reseller relationship
		t.Fatalf("%d documents, want 5:\n%s", len(docs), stdout)
	}
	manage, todo := 0, 0
	for _, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := cluster.Create(ctx, u, client.DryRunAll); err != nil {
			t.Errorf("the API server refuses:\n%s\n%v", d, err)
		}
		switch pol, _, _ := unstructured.NestedString(u.Object, "spec", "managementPolicy"); pol {
		case "Manage":
			manage++
		case "Observe":
			if strings.Contains(d, "# TODO: --policy Manage was asked") {
				todo++
			}
		}
	}
	if manage != 4 || todo != 1 {
		t.Errorf("%d Manage and %d Observe with a TODO, want 4 and 1:\n%s", manage, todo, stdout)
	}
}
