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

package mca

import (
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestCoverageCount(t *testing.T) {
	type cust struct {
		id                string
		reseller, managed bool
	}
	many := make([]cust, 25)
	for i := range many {
		many[i] = cust{id: fmt.Sprintf("c%02d", i), reseller: true, managed: i%5 == 0}
	}
	cases := []struct {
		name                      string
		custs                     []cust
		total, managed, unmanaged int32
		ids                       []string
	}{
		{name: "none", custs: nil},
		{name: "a customer without a reseller relationship does not count",
			custs: []cust{{id: "a", reseller: false, managed: false}, {id: "b", reseller: true, managed: true}}, total: 1, managed: 1},
		{name: "unmanaged in the list's order",
			custs: []cust{{id: "z", reseller: true}, {id: "a", reseller: true, managed: true}, {id: "b", reseller: true}}, total: 3, managed: 1, unmanaged: 2, ids: []string{"z", "b"}},
		{name: "only the first ten ids, every one counted",
			custs: many, total: 25, managed: 5, unmanaged: 20,
			ids: []string{"c01", "c02", "c03", "c04", "c06", "c07", "c08", "c09", "c11", "c12"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c Coverage
			asked := 0
			for _, cu := range tc.custs {
				c.Count(cu.id, cu.reseller, func() bool { asked++; return cu.managed })
			}
			if c.Total != tc.total || c.Managed != tc.managed || c.Unmanaged != tc.unmanaged || !slices.Equal(c.UnmanagedIDs, tc.ids) {
				t.Fatalf("got total %d managed %d unmanaged %d ids %v, want %d %d %d %v", c.Total, c.Managed, c.Unmanaged, c.UnmanagedIDs, tc.total, tc.managed, tc.unmanaged, tc.ids)
			}
			if int32(asked) != tc.total {
				t.Fatalf("asked whether %d customers are managed, want only the %d that count", asked, tc.total)
			}
			if len(c.UnmanagedIDs) > v1alpha1.MaxUnmanagedIDs {
				t.Fatalf("%d ids kept", len(c.UnmanagedIDs))
			}
		})
	}
}

func TestCoverageDue(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *v1alpha1.CustomerCoverage {
		return &v1alpha1.CustomerCoverage{CheckedAt: metav1.NewTime(now.Add(d))}
	}
	cases := []struct {
		name string
		last *v1alpha1.CustomerCoverage
		due  bool
		wait time.Duration
	}{
		{name: "never checked", last: nil, due: true},
		{name: "no time", last: &v1alpha1.CustomerCoverage{}, due: true},
		{name: "checked 10 minutes ago", last: at(-10 * time.Minute), wait: 50 * time.Minute},
		{name: "checked an hour ago", last: at(-time.Hour), due: true},
		{name: "checked two hours ago", last: at(-2 * time.Hour), due: true},
		{name: "a clock ahead of ours", last: at(5 * time.Minute), wait: 65 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			due, wait := CoverageDue(tc.last, now, time.Hour)
			if due != tc.due || wait != tc.wait {
				t.Fatalf("got due %v wait %s, want %v %s", due, wait, tc.due, tc.wait)
			}
		})
	}
}
