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
	"flag"
	"reflect"
	"strings"
	"testing"

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
