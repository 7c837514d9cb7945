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
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// coverageFleet: 8 customers in Partner Center (customer 5 without a reseller relationship,
// customer 6 spelled in capitals there), and CustomerAgreements for customer 0 and 6 in a
// namespace the PartnerTenant allows and for customer 1 in one it does not.
func coverageFleet(t *testing.T, name, tenantID string) *sim {
	t.Helper()
	cs, _, _ := fleet(8)
	createNamespace(t, name+"-a", map[string]string{"team": name})
	createNamespace(t, name+"-b", nil)
	s := newSim(t, name, tenantID, cs, &v1alpha1.AllowedNamespaces{
		From: v1alpha1.NamespacesFromSelector, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": name}}}, pcsim.Options{})
	for _, c := range []struct {
		ns string
		i  int
	}{{name + "-a", 0}, {name + "-b", 1}, {name + "-a", 6}} {
		ca := &v1alpha1.CustomerAgreement{
			ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: fmt.Sprint("customer-", c.i)},
			Spec: v1alpha1.CustomerAgreementSpec{PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: s.pt},
				CustomerTenantID: strings.ToLower(cs[c.i].TenantID), CompanyName: cs[c.i].CompanyName,
				Signatory: &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fleet.example"}},
		}
		if err := cluster.Create(tctx(t), ca); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// status --unmanaged lists every customer in Partner Center that no CustomerAgreement manages: not
// the one without a reseller relationship, not those managed (whatever the spelling of their id),
// but the one whose CustomerAgreement sits in a namespace the PartnerTenant does not allow.
func TestStatusUnmanagedGolden(t *testing.T) {
	needCluster(t)
	s := coverageFleet(t, "coverage", "f1000000-0000-4000-8000-000000000007")
	ctx := tctx(t)
	stdout, stderr, err := run(ctx, s.caFile, "status", "--partner-tenant", s.pt, "--unmanaged")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	golden(t, "status-unmanaged.golden", stdout)

	stdout, stderr, err = run(ctx, s.caFile, "status", "--partner-tenant", s.pt, "--unmanaged", "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var rep UnmanagedReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(rep.Unmanaged))
	for _, c := range rep.Unmanaged {
		ids = append(ids, c.TenantID)
	}
	want := []string{"e0000000-0000-4000-8000-000000000001", "e0000000-0000-4000-8000-000000000002", "e0000000-0000-4000-8000-000000000003", "e0000000-0000-4000-8000-000000000004", "e0000000-0000-4000-8000-000000000007"}
	if rep.Total != 7 || rep.Managed != 2 || !slices.Equal(ids, want) {
		t.Errorf("total %d managed %d unmanaged %v; want 7, 2, %v", rep.Total, rep.Managed, ids, want)
	}

	if _, _, err := run(ctx, s.caFile, "status", "--unmanaged"); err == nil || !strings.Contains(err.Error(), "--partner-tenant") {
		t.Errorf("--unmanaged without --partner-tenant: %v", err)
	}
}

// import --only-missing writes only the customers that status --unmanaged lists.
func TestImportOnlyMissing(t *testing.T) {
	needCluster(t)
	s := coverageFleet(t, "only-missing", "f1000000-0000-4000-8000-000000000008")
	stdout, stderr, err := run(tctx(t), s.caFile, "import", "--partner-tenant", s.pt, "-n", "only-missing-a", "--only-missing", "-o", "yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	docs := strings.Split(stdout, "\n---\n")
	ids := make([]string, 0, len(docs))
	for _, d := range docs {
		var ca v1alpha1.CustomerAgreement
		if err := yaml.Unmarshal([]byte(d), &ca); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ca.Spec.CustomerTenantID)
	}
	slices.Sort(ids)
	want := []string{"e0000000-0000-4000-8000-000000000001", "e0000000-0000-4000-8000-000000000002", "e0000000-0000-4000-8000-000000000003", "e0000000-0000-4000-8000-000000000004", "e0000000-0000-4000-8000-000000000007"}
	if !slices.Equal(ids, want) {
		t.Errorf("imported %v, want %v", ids, want)
	}
	if !strings.Contains(stderr, "2 already managed by a CustomerAgreement, not imported") {
		t.Errorf("the summary does not count the managed customers:\n%s", stderr)
	}
}
