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
	"reflect"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func TestParseSeries(t *testing.T) {
	for _, tc := range []struct {
		in    string
		below int
		want  []int
		err   bool
	}{
		{"10000,25000,50000", 100000, []int{10000, 25000, 50000}, false},
		{"50000, 10000,25000", 100000, []int{10000, 25000, 50000}, false},
		{"10000,25000,50000", 25000, []int{10000}, false},
		{"10000,10000", 100000, []int{10000}, false},
		{"", 100000, nil, false},
		{"500,1000", 2000, []int{500, 1000}, false},
		{"5", 100000, nil, true},
		{"10k", 100000, nil, true},
	} {
		got, err := parseSeries(tc.in, tc.below)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseSeries(%q, %d) = %v, %v; want %v (error %v)", tc.in, tc.below, got, err, tc.want, tc.err)
		}
	}
}

func TestShardedCustomers(t *testing.T) {
	for _, tc := range []struct {
		n, shards int
		want      []int // customers per shard, the restart's new customer apart
	}{
		{10, 1, []int{10}},
		{10, 2, []int{5, 5}},
		{11, 2, []int{6, 5}},
		{30, 3, []int{10, 10, 10}},
	} {
		cs := shardedCustomers(tc.n, tc.shards)
		if len(cs) != tc.n+1 {
			t.Fatalf("shardedCustomers(%d, %d): %d customers, want %d", tc.n, tc.shards, len(cs), tc.n+1)
		}
		got := make([]int, tc.shards)
		for i, c := range cs[:tc.n] {
			got[c.shard]++
			if i > 0 && c.shard < cs[i-1].shard {
				t.Errorf("shardedCustomers(%d, %d): customer %d in shard %d after one in shard %d", tc.n, tc.shards, i, c.shard, cs[i-1].shard)
			}
		}
		if !reflect.DeepEqual(got, tc.want) || cs[tc.n].shard != tc.shards-1 {
			t.Errorf("shardedCustomers(%d, %d): %v per shard, the new one in %d; want %v, in %d", tc.n, tc.shards, got, cs[tc.n].shard, tc.want, tc.shards-1)
		}
	}
}

// auditLine is an audit event as the API server logs it (the fields attributeWrites reads).
func auditLine(stage, user, verb, resource, subresource, name string) string {
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"` + stage + `","verb":"` + verb +
		`","user":{"username":"` + user + `","groups":["system:masters"]},"objectRef":{"resource":"` + resource +
		`","subresource":"` + subresource + `","namespace":"customers","name":"` + name + `","apiGroup":"partnercenter.mca.dev"}}`
}

func TestAttributeWrites(t *testing.T) {
	users := map[string]string{"shard-a": "a", "shard-b": "b"}
	owners := map[string]string{"customers/ca-1": "a", "customers/ca-2": "b"}
	log := strings.Join([]string{
		auditLine("ResponseComplete", "shard-a", "update", "customeragreements", "status", "ca-1"),
		auditLine("ResponseComplete", "shard-a", "patch", "customeragreements", "", "ca-1"),
		auditLine("ResponseComplete", "shard-b", "update", "customeragreements", "status", "ca-2"),
		// Shard a writes the status of b's customer: a write for another tenant.
		auditLine("ResponseComplete", "shard-a", "update", "customeragreements", "status", "ca-2"),
		// A Secret is a write, never one for another tenant.
		auditLine("ResponseComplete", "shard-b", "create", "secrets", "", "link-ca-1"),
		// A stage other than the response's is the same request again.
		auditLine("ResponseStarted", "shard-b", "update", "customeragreements", "status", "ca-1"),
		// The benchmark's own writes are nobody's shard.
		auditLine("ResponseComplete", "bench", "create", "customeragreements", "", "ca-1"),
	}, "\n") + "\n"
	got, err := attributeWrites(strings.NewReader(log), users, owners)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]shardWrites{"a": {all: 3, own: 2, forOthers: 1}, "b": {all: 2, own: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attributeWrites = %+v, want %+v", got, want)
	}
	if _, err := attributeWrites(strings.NewReader("{not json\n"), users, owners); err == nil {
		t.Error("attributeWrites accepted a line that is not JSON")
	}
}

// The API server would rotate its audit log at 100 MB, more than a 2 × 50,000 run logs, and the
// attribution reads one file: the control plane's audit log must not rotate below many GiB.
func TestAuditLogDoesNotRotate(t *testing.T) {
	env := &envtest.Environment{}
	if _, err := configureAudit(env, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	got := env.ControlPlane.GetAPIServer().Configure().Get("audit-log-maxsize").Get(nil)
	if len(got) != 1 {
		t.Fatalf("--audit-log-maxsize = %v, want one value (unset, the API server rotates at 100 MB)", got)
	}
	if mib, err := strconv.Atoi(got[0]); err != nil || mib < 64<<10 {
		t.Fatalf("--audit-log-maxsize = %q, want at least 64 GiB", got[0])
	}
}
