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

package v1alpha1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLinkLabelValueHoldsAnyName(t *testing.T) {
	for _, name := range []string{
		"a",
		strings.Repeat("a", 63),
		strings.Repeat("a", 64),
		strings.Repeat("a.b-", 63) + "z",
		strings.Repeat("x", 253),
	} {
		v := LinkLabelValue(name)
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("LinkLabelValue(%d characters) = %q: %v", len(name), v, errs)
		}
		if len(name) <= 63 && v != name {
			t.Errorf("a name that fits a label is kept as it is: got %q for %q", v, name)
		}
	}
	if LinkLabelValue(strings.Repeat("x", 64)) == LinkLabelValue(strings.Repeat("x", 65)) {
		t.Error("two long names map to one label value")
	}
	if got := LinkOwnerName(map[string]string{AnnotationLinkName: "full"}, map[string]string{LabelLinkName: "short"}); got != "full" {
		t.Errorf("LinkOwnerName prefers the annotation: got %q", got)
	}
	if got := LinkOwnerName(nil, map[string]string{LabelLinkName: "short"}); got != "short" {
		t.Errorf("LinkOwnerName falls back to the label: got %q", got)
	}
}

func TestPartnerTenantLabelValueFitsOrIsLeftOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"contoso", true},
		{"contoso.emea-2", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{strings.Repeat("a.b-", 63) + "z", false},
	} {
		v, ok := PartnerTenantLabelValue(tc.name)
		if ok != tc.ok {
			t.Errorf("PartnerTenantLabelValue(%d characters): ok = %v, want %v", len(tc.name), ok, tc.ok)
		}
		if !ok {
			continue
		}
		if v != tc.name {
			t.Errorf("PartnerTenantLabelValue(%q) = %q, want the name itself", tc.name, v)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("PartnerTenantLabelValue(%q) = %q: %v", tc.name, v, errs)
		}
	}
}
