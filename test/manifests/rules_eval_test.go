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

package manifests_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestPrometheusAlertsFire evaluates the alert expressions of config/prometheus/rules.yaml with
// Prometheus' own engine against synthetic series (in promqltest's `load` notation, one sample a
// minute for two hours), and checks which alerts fire for which partner tenant.
func TestPrometheusAlertsFire(t *testing.T) {
	groups, errs := rulefmt.Parse(loadPrometheusRule(t), false, model.UTF8Validation, parser.NewParser(parser.Options{}))
	if len(errs) > 0 {
		t.Fatalf("rulefmt: %v", errs)
	}
	exprs := map[string]string{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				exprs[r.Alert] = r.Expr
			}
		}
	}

	// A healthy partner tenant "prod": every scenario adds its own series on top.
	const healthy = `
  mca_customers{partner_tenant="prod", state="Attested"} 40x120
  mca_customers{partner_tenant="prod", state="NoMCA"} 2x120
  mca_partner_tenant_ready{partner_tenant="prod"} 1x120
  mca_partnercenter_requests_total{partner_tenant="prod", operation="getAgreements", outcome="success"} 0+60x120
  mca_partnercenter_requests_total{partner_tenant="prod", operation="getAgreements", outcome="throttled"} 0+1x120
  mca_link_deliveries_total{partner_tenant="prod", channel="Email", kind="Initial", outcome="sent"} 0+10x120
  mca_link_deliveries_total{partner_tenant="prod", channel="Email", kind="Initial", outcome="deferred"} 0+1x120
  mca_link_deliveries_total{partner_tenant="prod", channel="Email", kind="Initial", outcome="failed"} 0x120
`
	cases := []struct {
		name   string
		series string
		want   map[string][]string // alert -> partner tenants it fires for
	}{
		{"healthy", "", nil},
		{"blocked customers", `
  mca_customers{partner_tenant="sandbox", state="Blocked"} 3x120`,
			map[string][]string{"MCACustomersBlocked": {"sandbox"}}},
		{"legacy customers", `
  mca_customers{partner_tenant="prod", state="Legacy"} 5x120
  mca_customers_condition{partner_tenant="prod", condition="ReattestationRequired"} 5x120`,
			map[string][]string{"MCACustomersNeedReattestation": {"prod"}}},
		{"legacy gauge at zero", `
  mca_customers{partner_tenant="prod", state="Legacy"} 0x120`, nil},
		{"duplicate signatory", `
  mca_customers_condition{partner_tenant="prod", condition="DuplicateSignatory"} 1x120
  mca_customers_stalled{partner_tenant="prod", reason="DuplicateSignatory"} 1x120`,
			map[string][]string{"MCADuplicateSignatory": {"prod"}}},
		{"stalled for another reason", `
  mca_customers_stalled{partner_tenant="prod", reason="NoResellerRelationship"} 2x120`,
			map[string][]string{"MCACustomersStalled": {"prod"}}},
		{"indirect reseller", `
  mca_customers_condition{partner_tenant="prod", condition="AttestationNotPermitted"} 4x120`,
			map[string][]string{"MCAAttestationNotPermitted": {"prod"}}},
		{"credentials failing", `
  mca_partner_tenant_ready{partner_tenant="sandbox"} 0x120`,
			map[string][]string{"MCAPartnerTenantNotReady": {"sandbox"}}},
		{"sustained throttling", `
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="createAttestation", outcome="success"} 0+60x120
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="createAttestation", outcome="throttled"} 0+30x120`,
			map[string][]string{"MCAPartnerCenterThrottled": {"sandbox"}}},
		{"throttling below 10%", `
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="createAttestation", outcome="success"} 0+60x120
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="createAttestation", outcome="throttled"} 0+5x120`, nil},
		{"partner center failing", `
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="getAgreements", outcome="success"} 0+10x120
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="getAgreements", outcome="server_error"} 0+20x120
  mca_partnercenter_requests_total{partner_tenant="sandbox", operation="getAgreements", outcome="transport_error"} 0+10x120`,
			map[string][]string{"MCAPartnerCenterErrors": {"sandbox"}}},
		{"relay down", `
  mca_link_deliveries_total{partner_tenant="sandbox", channel="Email", kind="Initial", outcome="sent"} 0x120
  mca_link_deliveries_total{partner_tenant="sandbox", channel="Email", kind="Initial", outcome="deferred"} 0+6x120`,
			map[string][]string{"MCALinkDeliveriesFailing": {"sandbox"}}},
		{"webhook receiver refusing", `
  mca_link_deliveries_total{partner_tenant="prod", channel="Webhook", kind="Initial", outcome="sent"} 0+1x120
  mca_link_deliveries_total{partner_tenant="prod", channel="Webhook", kind="Initial", outcome="failed"} 0+2x120`,
			map[string][]string{"MCALinkDeliveriesFailing": {"prod"}, "MCALinkDeliveriesRefused": {"prod"}}},
		{"one unknown recipient among many", `
  mca_link_deliveries_total{partner_tenant="prod", channel="Email", kind="Reminder", outcome="failed"} 0x60 1x60`,
			map[string][]string{"MCALinkDeliveriesRefused": {"prod"}}},
		{"a record without an answer for more than an hour", `
  mca_attestation_records_unknown{partner_tenant="sandbox"} 0x60 1x60`,
			map[string][]string{"MCAAttestationRecordUnknown": {"sandbox"}}},
		{"records completed within the hour", `
  mca_attestation_records_unknown{partner_tenant="prod"} 0x120
  mca_attestation_records_total{partner_tenant="prod", act="StartAttestation", outcome="Unknown"} 0+1x120`, nil},
		{"customers without a CustomerAgreement", `
  mca_partner_center_customers{partner_tenant="prod", managed="true"} 40x120
  mca_partner_center_customers{partner_tenant="prod", managed="false"} 3x120`,
			map[string][]string{"MCAUnmanagedCustomers": {"prod"}}},
		{"every customer managed", `
  mca_partner_center_customers{partner_tenant="prod", managed="true"} 43x120
  mca_partner_center_customers{partner_tenant="prod", managed="false"} 0x120`, nil},
		{"a refusal more than an hour ago", `
  mca_link_deliveries_total{partner_tenant="prod", channel="Email", kind="Reminder", outcome="failed"} 0x30 1x90`, nil},
	}
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storage := promqltest.LoadedStorage(t, "load 1m\n"+strings.TrimSpace(healthy)+"\n"+strings.TrimSpace(tc.series))
			defer storage.Close()
			// Evaluate at the end of the hour and at the start of every alert's `for` window:
			// firing at both means it fires for the whole window (the series are constant rates).
			at := time.Unix(0, 0).Add(119 * time.Minute)
			for alert, expr := range exprs {
				got := map[string]bool{}
				for _, ts := range []time.Time{at, at.Add(-forOf(groups, alert))} {
					q, err := engine.NewInstantQuery(context.Background(), storage, nil, expr, ts)
					if err != nil {
						t.Fatalf("%s: %v", alert, err)
					}
					res := q.Exec(context.Background())
					if res.Err != nil {
						t.Fatalf("%s: %v", alert, res.Err)
					}
					vec, err := res.Vector()
					if err != nil {
						t.Fatalf("%s: %v", alert, err)
					}
					now := map[string]bool{}
					for _, s := range vec {
						now[s.Metric.Get("partner_tenant")] = true
					}
					if ts.Equal(at) {
						got = now
					} else {
						for k := range got {
							if !now[k] {
								delete(got, k)
							}
						}
					}
					q.Close()
				}
				tenants := make([]string, 0, len(got))
				for k := range got {
					tenants = append(tenants, k)
				}
				sort.Strings(tenants)
				want := tc.want[alert]
				if len(tenants) != len(want) || (len(want) > 0 && !equalStrings(tenants, want)) {
					t.Errorf("%s fires for %v, want %v", alert, tenants, want)
				}
			}
		})
	}
}

func forOf(groups *rulefmt.RuleGroups, alert string) time.Duration {
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == alert {
				return time.Duration(r.For)
			}
		}
	}
	return 0
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
