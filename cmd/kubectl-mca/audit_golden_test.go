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
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// createRecords creates records in the envtest cluster, status included (the status subresource).
func createRecords(t *testing.T, recs []*v1alpha1.AttestationRecord) {
	t.Helper()
	ctx := tctx(t)
	for _, r := range recs {
		st := r.Status
		if err := cluster.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Status = st
		if err := cluster.Status().Update(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, r := range recs {
			_ = cluster.Delete(context.Background(), r)
		}
	})
}

// approved makes the act of recs[i] one that needed approval and that by decided (d), and links
// the chain again (the record's spec changed).
func approved(recs []*v1alpha1.AttestationRecord, i int, by string, d v1alpha1.ApprovalDecision) {
	r := recs[i]
	r.Spec.ApprovalRequired = true
	r.Status.Approval = &v1alpha1.RecordApproval{Decision: d, By: by, RequestBodySHA256: r.Spec.RequestBodySHA256, At: *r.Status.RequestedAt}
	for j := i + 1; j < len(recs); j++ {
		recs[j].Spec.Previous = &v1alpha1.RecordLink{Name: recs[j-1].Name, Digest: mca.RecordDigest(&recs[j-1].Spec)}
	}
}

// volatile are the fields of an exported record the API server chooses.
var volatile = regexp.MustCompile(`"(uid|resourceVersion|creationTimestamp)":"[^"]*"`)

// TestAuditExportShowGolden checks export (table and JSON lines, all PartnerTenants and one) and
// show (by customer tenant id and by CustomerAgreement) against golden files, from records held by
// the API server.
func TestAuditExportShowGolden(t *testing.T) {
	needCluster(t)
	t0 := goldenNow.Add(-48 * time.Hour)
	a := chainRecords("golden-audit-a", "a0a0a0a0-0000-4000-8000-00000000000a", fiveActs(t0))
	approved(a, 2, "carol@example.com", v1alpha1.ApprovalApproved)
	createRecords(t, a)
	createRecords(t, chainRecords("golden-audit-b", "b0b0b0b0-0000-4000-8000-00000000000b", fiveActs(t0.Add(-24 * time.Hour))[:2]))
	ctx := tctx(t)
	now := "--now=" + goldenNow.Format(time.RFC3339)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"audit-export.golden", []string{"audit", "export", "--since", "3d"}},
		{"audit-export-since.golden", []string{"audit", "export", "--since", t0.Add(2 * time.Minute).Format(time.RFC3339), "--partner-tenant", "golden-audit-a"}},
		{"audit-export-jsonl.golden", []string{"audit", "export", "--since", "2026-05-30", "--partner-tenant", "golden-audit-a", "-o", "jsonl"}},
		{"audit-show-tenant.golden", []string{"audit", "show", "c2000000-0000-4000-8000-000000000002"}},
		{"audit-show-agreement.golden", []string{"audit", "show", "team-a/contoso"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			out, stderr, err := run(ctx, "", append(c.args, now)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			if strings.HasSuffix(c.golden, "jsonl.golden") {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					var rec v1alpha1.AttestationRecord
					if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Kind != "AttestationRecord" || rec.ManagedFields != nil {
						t.Fatalf("line %q: %v", line, err)
					}
				}
				out = volatile.ReplaceAllString(out, `"$1":"-"`)
			}
			golden(t, c.golden, out)
		})
	}
}

// TestAuditVerifyAgainstAPIServer: with the records in the API server (where the CRD refuses an
// edit of a spec), a record deleted, and one deleted and created again with other content, are
// found; the intact chain passes.
func TestAuditVerifyAgainstAPIServer(t *testing.T) {
	needCluster(t)
	const pt = "verify-envtest"
	recs := chainRecords(pt, "c0c0c0c0-0000-4000-8000-00000000000c", fiveActs(goldenNow.Add(-time.Hour)))
	createRecords(t, recs)
	ctx := tctx(t)
	verify := func() (string, error) {
		out, _, err := run(ctx, "", "audit", "verify", "--partner-tenant", pt)
		return out, err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "nothing missing") {
		t.Fatalf("intact chain: %v\n%s", err, out)
	}
	edit := recs[1].DeepCopy()
	edit.Spec.RequestedBy.Username = "mallory@example.com"
	if err := cluster.Update(ctx, edit); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("the CRD let a spec be edited: %v", err)
	}
	// Deleted, and created again with other content.
	if err := cluster.Delete(ctx, recs[1]); err != nil {
		t.Fatal(err)
	}
	again := recs[1].DeepCopy()
	again.ResourceVersion, again.UID = "", ""
	again.Spec.RequestedBy.Username = "mallory@example.com"
	if err := cluster.Create(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Delete(ctx, recs[3]); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	wantExit(t, err, 2)
	for _, want := range []string{`Altered +2 +` + recs[1].Name + ` +its digest is sha256:[0-9a-f]{64}; ` + recs[2].Name + ` recorded`, `Missing +4 +` + recs[3].Name + ` +record 4 is missing`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
