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

package operator

import (
	"context"
	"flag"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/controller"
)

func TestParsePartnerTenants(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, c := range []struct {
		in   string
		want []string
		err  string
	}{
		{"contoso", []string{"contoso"}, ""},
		{"contoso-de, contoso.fr", []string{"contoso-de", "contoso.fr"}, ""},
		{strings.Repeat("a", 63), []string{strings.Repeat("a", 63)}, ""},
		{long, nil, "has 64 characters; a shard serves PartnerTenants whose names have at most 63"},
		{"contoso,,fabrikam", nil, "has an empty name"},
		{"Contoso", nil, `"Contoso" is not a PartnerTenant name`},
		{"contoso,contoso", nil, `names "contoso" twice`},
	} {
		got, err := ParsePartnerTenants(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParsePartnerTenants(%q) = %v, %v; want an error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParsePartnerTenants(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	o := Defaults()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.Flags(fs)
	if err := fs.Parse([]string{"--partner-tenants=a,b", "--leader-election-id=emea.mca-operator.partnercenter.mca.dev"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.PartnerTenants, []string{"a", "b"}) || o.LeaderElectionID != "emea.mca-operator.partnercenter.mca.dev" {
		t.Errorf("flags not applied: %v %q", o.PartnerTenants, o.LeaderElectionID)
	}
}

func TestLeaseNameFitsAnyPartnerTenantName(t *testing.T) {
	if got := controller.LeaseName("contoso"); got != "mca-partnertenant-contoso" {
		t.Errorf("LeaseName(contoso) = %q", got)
	}
	a, b := controller.LeaseName(strings.Repeat("x", 253)), controller.LeaseName(strings.Repeat("x", 252)+"y")
	if len(a) > 253 || len(b) > 253 || a == b {
		t.Errorf("long names: %d and %d characters, equal: %v", len(a), len(b), a == b)
	}
}

// A shard's cache holds only the CustomerAgreements of its PartnerTenants (by the label the
// shipped policy keeps equal to spec.partnerTenantRef.name), through the list and watch that
// tolerates undecodable objects too; of the AttestationRecords, only those awaiting approval, as
// an unsharded manager's.
func TestShardCacheHoldsOnlyItsPartnerTenants(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, kube := startAPIServer(ctx, t)
	for i, pt := range []string{"east", "west", "east", "north"} {
		ca := appliedCustomer(t, pt+"-"+string(rune('a'+i)), "c0000000-0000-4000-8000-00000000000"+string(rune('1'+i)))
		ca.Spec.PartnerTenantRef.Name = pt
		ca.Labels[v1alpha1.LabelPartnerTenant] = pt
		if err := kube.Create(ctx, ca); err != nil {
			t.Fatal(err)
		}
	}
	cached := startCache(ctx, t, cfg, "east", "north")
	var list v1alpha1.CustomerAgreementList
	if err := cached.List(ctx, &list); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(list.Items))
	for _, ca := range list.Items {
		names = append(names, ca.Name)
	}
	slices.Sort(names)
	if want := []string{"east-a", "east-c", "north-d"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("the shard of east and north caches %v, want %v", names, want)
	}

	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, shard := range [][]string{nil, {"east"}} {
		opts, err := cacheOptions(newUndecodable(Scheme()), cfg, httpClient, shard)
		if err != nil {
			t.Fatal(err)
		}
		var records labels.Selector
		for obj, by := range opts.ByObject {
			if _, ok := obj.(*v1alpha1.AttestationRecord); ok {
				records = by.Label
			}
		}
		if records == nil || records.Matches(labels.Set{}) || !records.Matches(labels.Set{v1alpha1.LabelRecordApproval: v1alpha1.ApprovalPending}) {
			t.Errorf("shard %v: the cache's AttestationRecords are selected by %v, want only those awaiting approval", shard, records)
		}
	}
}
