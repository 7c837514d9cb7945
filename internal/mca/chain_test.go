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
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// testChain builds n well-linked entries of PartnerTenant pt, created a minute apart.
func testChain(pt string, n int) []ChainEntry {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	out := make([]ChainEntry, 0, n)
	for i := 1; i <= n; i++ {
		e := ChainEntry{Name: RecordName(pt, int64(i)), PartnerTenant: pt, Sequence: int64(i),
			Digest: fmt.Sprintf("sha256:%064d", i), Created: t0.Add(time.Duration(i) * time.Minute)}
		if i > 1 {
			e.Previous = &v1alpha1.RecordLink{Name: out[i-2].Name, Digest: out[i-2].Digest}
		}
		out = append(out, e)
	}
	return out
}

// summary renders findings as "Kind:sequence" in order, for the table.
func summary(fs []ChainFinding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s:%d", f.Kind, f.Sequence))
	}
	return strings.Join(parts, " ")
}

func TestVerifyChain(t *testing.T) {
	const pt = "contoso-csp"
	del := func(es []ChainEntry, seqs ...int64) []ChainEntry {
		return slices.DeleteFunc(es, func(e ChainEntry) bool { return slices.Contains(seqs, e.Sequence) })
	}
	for _, tc := range []struct {
		name   string
		mutate func([]ChainEntry) []ChainEntry
		want   string
		detail string // in the first finding's detail
	}{
		{"intact", func(es []ChainEntry) []ChainEntry { return es }, "", ""},
		{"intact, given in reverse", func(es []ChainEntry) []ChainEntry { slices.Reverse(es); return es }, "", ""},
		{"empty", func([]ChainEntry) []ChainEntry { return nil }, "", ""},
		{"a record deleted", func(es []ChainEntry) []ChainEntry { return del(es, 3) }, "Missing:3", "record 3 is missing"},
		{"two deleted", func(es []ChainEntry) []ChainEntry { return del(es, 2, 3) }, "Missing:2 Missing:3", ""},
		{"a long gap is one finding", func(es []ChainEntry) []ChainEntry {
			long := testChain(pt, 12)
			return del(long, 2, 3, 4, 5, 6, 7, 8)
		}, "Missing:2", "records 2 to 8 are missing (7 records)"},
		{"oldest deleted: pruned, not a fault", func(es []ChainEntry) []ChainEntry { return del(es, 1, 2) }, "Pruned:3", "starts at sequence 3"},
		{"a record edited", func(es []ChainEntry) []ChainEntry { es[2].Digest = "sha256:edited"; return es }, "Altered:3", "its digest is sha256:edited; " + RecordName(pt, 4) + " recorded"},
		{"the head edited is not visible", func(es []ChainEntry) []ChainEntry { es[4].Digest = "sha256:edited"; return es }, "", ""},
		{"first names a previous", func(es []ChainEntry) []ChainEntry {
			es[0].Previous = &v1alpha1.RecordLink{Name: "atr-x", Digest: "sha256:x"}
			return es
		}, "Altered:1", "names a previous record"},
		{"link removed", func(es []ChainEntry) []ChainEntry { es[1].Previous = nil; return es }, "Altered:2", "names no previous record"},
		{"swapped contents", func(es []ChainEntry) []ChainEntry {
			es[1].Name, es[2].Name = es[2].Name, es[1].Name
			return es
		}, "OutOfOrder:2 OutOfOrder:3 OutOfOrder:3 OutOfOrder:4", "it holds sequence 2, whose record is named " + RecordName(pt, 2)},
		{"links to an older record", func(es []ChainEntry) []ChainEntry {
			es[3].Previous = &v1alpha1.RecordLink{Name: es[1].Name, Digest: es[1].Digest}
			return es
		}, "OutOfOrder:4", "as its previous record, not " + RecordName(pt, 3)},
		{"sequence held twice", func(es []ChainEntry) []ChainEntry {
			dup := es[2]
			dup.Name = "atr-other"
			return append(es, dup)
		}, "OutOfOrder:3 OutOfOrder:3", ""},
		{"created before its predecessor", func(es []ChainEntry) []ChainEntry { es[3].Created = es[1].Created; return es }, "OutOfOrder:4", "before its previous record"},
		{"another PartnerTenant's record", func(es []ChainEntry) []ChainEntry { es[1].PartnerTenant = "fabrikam"; return es }, "Altered:2", `its spec names PartnerTenant "fabrikam"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := VerifyChain(pt, tc.mutate(testChain(pt, 5)))
			if s := summary(got); s != tc.want {
				t.Fatalf("findings %q, want %q: %+v", s, tc.want, got)
			}
			if tc.detail != "" && !strings.Contains(got[0].Detail, tc.detail) {
				t.Errorf("detail %q, want it to contain %q", got[0].Detail, tc.detail)
			}
			for _, f := range got {
				if f.IsFault() != (f.Kind != FindingPruned) {
					t.Errorf("%s: fault %t", f.Kind, f.IsFault())
				}
			}
		})
	}
}

// TestChainEntryOfDigest: the entry carries the digest of the spec, and a changed spec changes it.
func TestChainEntryOfDigest(t *testing.T) {
	rec := &v1alpha1.AttestationRecord{Spec: v1alpha1.AttestationRecordSpec{PartnerTenant: v1alpha1.RecordPartnerTenant{Name: "p"}, Sequence: 2,
		Previous: &v1alpha1.RecordLink{Name: "a", Digest: "d"}}}
	rec.Name = "atr-1"
	e := ChainEntryOf(rec)
	if e.Digest != RecordDigest(&rec.Spec) || e.Previous.Name != "a" || e.Sequence != 2 || e.PartnerTenant != "p" {
		t.Fatalf("entry %+v", e)
	}
	rec.Spec.RequestBody = "changed"
	if ChainEntryOf(rec).Digest == e.Digest {
		t.Error("a changed spec keeps its digest")
	}
}
