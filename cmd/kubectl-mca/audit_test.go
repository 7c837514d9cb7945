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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// recordSpec is one act of a test chain.
type recordSpec struct {
	customer, caNS, caName, user string
	act                          v1alpha1.RecordAct
	outcome                      v1alpha1.RecordOutcome
	correlationID                string
	at                           time.Time
}

// chainRecords builds the records of acts for PartnerTenant pt as the operator writes them: named
// by sequence, each naming the previous one and its digest.
func chainRecords(pt, tenantID string, acts []recordSpec) []*v1alpha1.AttestationRecord {
	out := make([]*v1alpha1.AttestationRecord, 0, len(acts))
	var prev *v1alpha1.RecordLink
	for i, a := range acts {
		body := fmt.Sprintf(`{"customer":%q,"n":%d}`, a.customer, i)
		sum := sha256.Sum256([]byte(body))
		seq := int64(i + 1)
		rec := &v1alpha1.AttestationRecord{
			ObjectMeta: metav1.ObjectMeta{Name: mca.RecordName(pt, seq), Labels: map[string]string{
				v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(pt), v1alpha1.LabelRecordRequestID: fmt.Sprintf("req-%s-%d", pt, seq)}},
			Spec: v1alpha1.AttestationRecordSpec{
				PartnerTenant: v1alpha1.RecordPartnerTenant{Name: pt, TenantID: tenantID}, CustomerTenantID: a.customer,
				CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: a.caNS, Name: a.caName, UID: fmt.Sprintf("uid-%s", a.caName), Generation: 1},
				Act:               a.act, RequestID: fmt.Sprintf("req-%s-%d", pt, seq), RequestBody: body, RequestBodySHA256: hex.EncodeToString(sum[:]),
				RequestedBy: v1alpha1.RequestedBy{Username: a.user, FieldManager: "kubectl-client-side-apply"},
				Sequence:    seq, Previous: prev, RetainUntil: metav1.NewTime(a.at.Add(v1alpha1.DefaultRecordRetention).Truncate(time.Second)),
			},
			Status: v1alpha1.AttestationRecordStatus{Outcome: a.outcome, CorrelationID: a.correlationID, RequestedAt: ptrTime(a.at)},
		}
		if a.outcome != v1alpha1.OutcomeUnknown {
			rec.Status.HTTPStatus, rec.Status.AnsweredAt = 201, ptrTime(a.at.Add(time.Second))
			if a.outcome == v1alpha1.OutcomeRefused {
				rec.Status.HTTPStatus, rec.Status.Code = 400, "600061"
			}
		}
		prev = &v1alpha1.RecordLink{Name: rec.Name, Digest: mca.RecordDigest(&rec.Spec)}
		out = append(out, rec)
	}
	return out
}

func ptrTime(t time.Time) *metav1.Time { m := metav1.NewTime(t); return &m }

// fiveActs: five acts of two customers, a minute apart from t0.
func fiveActs(t0 time.Time) []recordSpec {
	const c1, c2 = "c1000000-0000-4000-8000-000000000001", "c2000000-0000-4000-8000-000000000002"
	ok := v1alpha1.OutcomeSucceeded
	return []recordSpec{
		{c1, "team-a", "contoso", "alice@example.com", v1alpha1.ActStartAttestation, ok, "corr-1", t0},
		{c2, "team-b", "fabrikam", "bob@example.com", v1alpha1.ActLegacyConfirmation, v1alpha1.OutcomeRefused, "corr-2", t0.Add(time.Minute)},
		{c1, "team-a", "contoso", "alice@example.com", v1alpha1.ActCreateAgreement, ok, "corr-3", t0.Add(2 * time.Minute)},
		{c2, "team-b", "fabrikam", "carol@example.com", v1alpha1.ActStartAttestation, v1alpha1.OutcomeUnknown, "", t0.Add(3 * time.Minute)},
		{c2, "team-b", "fabrikam", "carol@example.com", v1alpha1.ActStartAttestation, ok, "corr-5", t0.Add(4 * time.Minute)},
	}
}

// auditOffline is an offline plugin whose fake cluster holds the records of recs.
func auditOffline(t *testing.T, name string, recs ...*v1alpha1.AttestationRecord) *offline {
	t.Helper()
	o := newOffline(t, name, nil, nil)
	for _, r := range recs {
		if err := o.kc.Create(context.Background(), r.DeepCopy()); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func verifyJSON(t *testing.T, o *offline, args ...string) (VerifyReport, error) {
	t.Helper()
	out, stderr, err := o.run(tctx(t), "", false, append([]string{"audit", "verify", "-o", "json"}, args...)...)
	var rep VerifyReport
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		t.Fatalf("%v: %v\n%s\n%s", jerr, err, out, stderr)
	}
	return rep, err
}

func findings(rep VerifyReport) string {
	var parts []string
	for _, c := range rep.Chains {
		for _, f := range c.Findings {
			parts = append(parts, fmt.Sprintf("%s:%s:%d", c.PartnerTenant, f.Kind, f.Sequence))
		}
	}
	for _, n := range rep.Unlabeled {
		parts = append(parts, "unlabeled:"+n)
	}
	return strings.Join(parts, " ")
}

func wantExit(t *testing.T, err error, code int) {
	t.Helper()
	var ee exitError
	switch {
	case code == 0 && err != nil:
		t.Fatalf("err %v, want success", err)
	case code != 0 && (!errors.As(err, &ee) || ee.code != code):
		t.Fatalf("err %v, want exit %d", err, code)
	}
}

// TestAuditVerifyDetects: audit verify passes an intact chain and reports a deleted record, an
// edited one (its spec changed in place, which only a cluster without the CRD's rules allows: a
// fake client), a reordered chain (two records' contents swapped) and a record without its label,
// each with exit 2; every chain is walked without --partner-tenant.
func TestAuditVerifyDetects(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	const pt, other = "verify-pt", "verify-other"
	for _, c := range []struct {
		name   string
		mutate func(t *testing.T, kc client.Client, recs []*v1alpha1.AttestationRecord)
		args   []string
		want   string
		code   int
	}{
		{"intact", nil, []string{"--partner-tenant", pt}, "", 0},
		{"every chain intact", nil, nil, "", 0},
		{"deleted", func(t *testing.T, kc client.Client, recs []*v1alpha1.AttestationRecord) {
			if err := kc.Delete(context.Background(), recs[2]); err != nil {
				t.Fatal(err)
			}
		}, []string{"--partner-tenant", pt}, pt + ":Missing:3", 2},
		{"edited", func(t *testing.T, kc client.Client, recs []*v1alpha1.AttestationRecord) {
			r := &v1alpha1.AttestationRecord{}
			if err := kc.Get(context.Background(), client.ObjectKeyFromObject(recs[1]), r); err != nil {
				t.Fatal(err)
			}
			r.Spec.RequestedBy.Username = "mallory@example.com"
			if err := kc.Update(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}, nil, pt + ":Altered:2", 2},
		{"reordered", func(t *testing.T, kc client.Client, recs []*v1alpha1.AttestationRecord) {
			a, b := &v1alpha1.AttestationRecord{}, &v1alpha1.AttestationRecord{}
			_ = kc.Get(context.Background(), client.ObjectKeyFromObject(recs[2]), a)
			_ = kc.Get(context.Background(), client.ObjectKeyFromObject(recs[3]), b)
			a.Spec, b.Spec = b.Spec, a.Spec
			for _, r := range []*v1alpha1.AttestationRecord{a, b} {
				if err := kc.Update(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
		}, []string{"--partner-tenant", pt}, pt + ":OutOfOrder:3 " + pt + ":OutOfOrder:4 " + pt + ":OutOfOrder:4 " + pt + ":OutOfOrder:5", 2},
		{"label removed", func(t *testing.T, kc client.Client, recs []*v1alpha1.AttestationRecord) {
			r := &v1alpha1.AttestationRecord{}
			_ = kc.Get(context.Background(), client.ObjectKeyFromObject(recs[4]), r)
			delete(r.Labels, v1alpha1.LabelRecordPartnerTenant)
			if err := kc.Update(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}, nil, "unlabeled:" + mca.RecordName(pt, 5), 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs := chainRecords(pt, offlineTenantID, fiveActs(t0))
			o := auditOffline(t, pt, append(recs, chainRecords(other, offlineTenantID, fiveActs(t0))[:2]...)...)
			if c.mutate != nil {
				c.mutate(t, o.kc, recs)
			}
			rep, err := verifyJSON(t, o, c.args...)
			wantExit(t, err, c.code)
			if got := findings(rep); got != c.want {
				t.Errorf("findings %q, want %q", got, c.want)
			}
			if c.args == nil && len(rep.Chains) != 2 {
				t.Errorf("%d chains walked, want 2: %+v", len(rep.Chains), rep.Chains)
			}
			out, _, _ := o.run(tctx(t), "", false, append([]string{"audit", "verify"}, c.args...)...)
			if (c.code == 0) != strings.Contains(out, "nothing missing, altered or out of order") {
				t.Errorf("table:\n%s", out)
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"30d":                  now.Add(-30 * 24 * time.Hour),
		"12h":                  now.Add(-12 * time.Hour),
		"90m":                  now.Add(-90 * time.Minute),
		"2026-05-01":           time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		"2026-05-01T10:00:00Z": time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "-3d", "-1h", "2026-13-01"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("parseSince(%q) accepted", in)
		}
	}
}

// TestWriteJSONLineEscapes: the JSON line is valid JSON, holds the same text, and no character that
// could drive a terminal (C0 and C1 controls, bidirectional overrides).
func TestWriteJSONLineEscapes(t *testing.T) {
	const hostile = "Ada\x1b]0;pwned\x07\u009b2J\u202e\U000e0041 Lovelace – é"
	var b strings.Builder
	if err := writeJSONLine(&b, map[string]string{"name": hostile}); err != nil {
		t.Fatal(err)
	}
	line := b.String()
	for _, r := range strings.TrimSuffix(line, "\n") {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u202e' || r == '\U000e0041' {
			t.Errorf("the line holds %U: %q", r, line)
		}
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(line), &back); err != nil || back["name"] != hostile {
		t.Errorf("round trip: %q, %v", back["name"], err)
	}
	if !strings.Contains(line, "– é") {
		t.Errorf("graphic characters escaped: %s", line)
	}
}
