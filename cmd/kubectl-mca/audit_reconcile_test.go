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
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// TestAuditReconcile: against the simulator over HTTPS, a legacy confirmation the operator made
// (and recorded) matches its activity log entry, by correlation id or, where Partner Center does
// not echo it, by customer and time; an act seeded as made outside the operator is listed as
// unexplained, with its company name escaped; a Succeeded record older than --settle that Partner
// Center does not show is listed, a younger one apart; the exit is 2.
func TestAuditReconcile(t *testing.T) {
	const (
		custOp      = "e1000000-0000-4000-8000-000000000001"
		custGhost   = "e2000000-0000-4000-8000-000000000002"
		custOutside = "e3000000-0000-4000-8000-000000000003"
		pt          = "reconcile-pt"
	)
	for _, variant := range []struct {
		name string
		wire pcsim.WireVariants
		by   string
	}{{"correlation id echoed", pcsim.WireVariants{}, mca.MatchByCorrelation}, {"not echoed", pcsim.WireVariants{AuditNoCorrelationID: true}, mca.MatchByTime}} {
		t.Run(variant.name, func(t *testing.T) {
			ctx := tctx(t)
			o := newOffline(t, pt, []pcsim.SeedCustomer{{TenantID: custOp, CompanyName: "Operator Co"}, {TenantID: custGhost, CompanyName: "Ghost Co"}, {TenantID: custOutside, CompanyName: "Outside Co"}}, nil)
			o.SetWireVariants(variant.wire)
			// The operator's act: a legacy confirmation through the operator's client, and its record.
			var ptObj v1alpha1.PartnerTenant
			if err := o.kc.Get(ctx, client.ObjectKey{Name: pt}, &ptObj); err != nil {
				t.Fatal(err)
			}
			pcc, err := pc.New(pc.ConfigFor(&ptObj, o.kc, defaultCredentialsNamespace, o.hc))
			if err != nil {
				t.Fatal(err)
			}
			meta, err := pcc.GetAgreementMetadata(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var sent *pc.Sending
			if _, err := pcc.CreateLegacyAgreement(ctx, custOp, pc.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@operator.example"}, meta.TemplateID,
				time.Now().Add(-time.Hour), pc.RecordBody(func(_ context.Context, s *pc.Sending) error { sent = s; return nil })); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			ok := v1alpha1.OutcomeSucceeded
			recs := chainRecords(pt, offlineTenantID, []recordSpec{
				{custOp, "team-a", "operator-co", "alice@example.com", v1alpha1.ActLegacyConfirmation, ok, sent.CorrelationID, now},
				{custGhost, "team-a", "ghost-co", "alice@example.com", v1alpha1.ActLegacyConfirmation, ok, "never-sent-0001", now.Add(-5 * time.Hour)},
				{custGhost, "team-a", "ghost-co", "alice@example.com", v1alpha1.ActLegacyConfirmation, ok, "never-sent-0002", now.Add(-time.Hour)},
				{custGhost, "team-a", "ghost-co", "alice@example.com", v1alpha1.ActLegacyConfirmation, v1alpha1.OutcomeRefused, "refused-0003", now.Add(-2 * time.Hour)},
			})
			for _, r := range recs {
				if err := o.kc.Create(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			// Someone attests in the Partner Center UI.
			if err := o.AddAuditRecord(offlineTenantID, pcsim.AuditRecord{CustomerID: custOutside, CustomerName: "Outside Co\x1b[2J", UserPrincipalName: "someone@partner.example",
				OperationType: pcsim.AuditOperationCreateAgreement, OriginalCorrelationID: "ui-0001", OperationDate: now.Add(-3 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			out, stderr, err := o.run(ctx, "", false, "audit", "reconcile", "--partner-tenant", pt, "--since", "1d", "-o", "json")
			wantExit(t, err, 2)
			var rep ReconcileReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v\n%s\n%s", err, out, stderr)
			}
			if len(rep.Matched) != 1 || rep.Matched[0].Record != recs[0].Name || rep.Matched[0].By != variant.by {
				t.Errorf("matched %+v, want %s by %s", rep.Matched, recs[0].Name, variant.by)
			}
			if len(rep.Unexplained) != 1 || rep.Unexplained[0].CustomerID != custOutside || rep.Unexplained[0].UserPrincipalName != "someone@partner.example" {
				t.Errorf("unexplained %+v, want the act on %s", rep.Unexplained, custOutside)
			}
			if len(rep.NotShown) != 1 || rep.NotShown[0].Record != recs[1].Name || len(rep.NotShownYet) != 1 || rep.NotShownYet[0].Record != recs[2].Name {
				t.Errorf("not shown %+v, not shown yet %+v; want %s and %s", rep.NotShown, rep.NotShownYet, recs[1].Name, recs[2].Name)
			}
			table, _, err := o.run(ctx, "", false, "audit", "reconcile", "--partner-tenant", pt, "--since", "1d")
			wantExit(t, err, 2)
			for _, want := range []string{"no record explains (made outside the operator): 1", custOutside, `Outside Co\x1b[2J`, "someone@partner.example",
				"Records Partner Center does not show: 1", recs[1].Name, "does not show yet (younger than --settle): 1", recs[2].Name} {
				if !strings.Contains(table, want) {
					t.Errorf("no %q in:\n%s", want, table)
				}
			}
			if strings.Contains(table, "\x1b") {
				t.Errorf("a control character reached the output:\n%q", table)
			}
		})
	}
}

// TestAuditReconcileRefusesBeyond90Days: --since more than 90 days back is refused with the
// client's clear error, and nothing is read from Partner Center.
func TestAuditReconcileRefusesBeyond90Days(t *testing.T) {
	o := newOffline(t, "reconcile-far", nil, nil)
	_, _, err := o.run(tctx(t), "", false, "audit", "reconcile", "--partner-tenant", "reconcile-far", "--since", "120d")
	if err == nil || !strings.Contains(err.Error(), "reaches back 90 days at most") {
		t.Fatalf("err %v", err)
	}
	for _, r := range o.Requests() {
		if r.Path == "/v1/auditrecords" {
			t.Errorf("the activity log was read: %+v", r)
		}
	}
}
