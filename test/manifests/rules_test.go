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
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

var severities = []string{"critical", "warning", "info"}

// loadPrometheusRule reads config/prometheus/rules.yaml and returns its spec.groups as the YAML a
// Prometheus rule file holds.
func loadPrometheusRule(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := splitYAML(t, data)
	if len(objs) != 1 || str(objs[0], "kind") != "PrometheusRule" || str(objs[0], "apiVersion") != "monitoring.coreos.com/v1" {
		t.Fatalf("rules.yaml must hold one monitoring.coreos.com/v1 PrometheusRule")
	}
	groups := nested(objs[0], "spec", "groups")
	if groups == nil {
		t.Fatal("PrometheusRule has no spec.groups")
	}
	out, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrometheusRules(t *testing.T) {
	groups, errs := rulefmt.Parse(loadPrometheusRule(t), false, model.UTF8Validation, parser.NewParser(parser.Options{}))
	for _, err := range errs {
		t.Errorf("rulefmt: %v", err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	ops, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := markdownAnchors(string(ops))

	c := newPromQLChecker(t)
	alerts := map[string]string{} // alert -> expr
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts[r.Alert] = r.Expr
			problems := c.check(r.Expr)
			for _, p := range problems {
				t.Errorf("alert %s: %s", r.Alert, p)
			}
			if !slices.Contains(severities, r.Labels["severity"]) {
				t.Errorf("alert %s: severity label %q, want one of %v", r.Alert, r.Labels["severity"], severities)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s has no %s annotation", r.Alert, a)
				}
			}
			if r.For == 0 {
				t.Errorf("alert %s has no `for`: a single scrape would page", r.Alert)
			}
			// The runbook link points at a section of docs/operations.md that exists.
			if u := r.Annotations["runbook_url"]; u != "" {
				i := strings.LastIndex(u, "#")
				if i < 0 || !strings.HasSuffix(u[:i], "docs/operations.md") {
					t.Errorf("alert %s: runbook_url %q does not point into docs/operations.md", r.Alert, u)
				} else if !anchors[u[i+1:]] {
					t.Errorf("alert %s: docs/operations.md has no section #%s", r.Alert, u[i+1:])
				}
			}
		}
	}

	// The alerts the operations runbook promises, with the signal each must watch.
	want := map[string]*regexp.Regexp{
		"MCACustomersBlocked":           regexp.MustCompile(`mca_customers\{state="Blocked"\}.*> 0`),
		"MCACustomersNeedReattestation": regexp.MustCompile(`mca_customers\{state="Legacy"\}`),
		"MCADuplicateSignatory":         regexp.MustCompile(`condition="DuplicateSignatory"`),
		"MCAPartnerTenantNotReady":      regexp.MustCompile(`mca_partner_tenant_ready\)? == 0`),
		"MCAPartnerCenterThrottled":     regexp.MustCompile(`(?s)rate\(mca_partnercenter_requests_total\{outcome="throttled"\}\[15m\]\).*/.*rate\(mca_partnercenter_requests_total\[15m\]\)`),
		"MCALinkDeliveriesFailing":      regexp.MustCompile(`(?s)rate\(mca_link_deliveries_total\{outcome=~"deferred\|failed"\}\[30m\]\).*/.*rate\(mca_link_deliveries_total\[30m\]\)`),
		"MCALinkDeliveriesRefused":      regexp.MustCompile(`increase\(mca_link_deliveries_total\{outcome="failed"\}\[1h\]\)\) > 0`),
		"MCAAttestationRecordUnknown":   regexp.MustCompile(`mca_attestation_records_unknown\) > 0`),
		"MCAUnmanagedCustomers":         regexp.MustCompile(`mca_partner_center_customers\{managed="false"\}\) > 0`),
	}
	for name, re := range want {
		expr, ok := alerts[name]
		if !ok {
			t.Errorf("alert %s is missing", name)
			continue
		}
		if !re.MatchString(expr) {
			t.Errorf("alert %s: expr %q does not match %s", name, expr, re)
		}
	}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "MCAPartnerTenantNotReady" && r.For != model.Duration(10*60*1e9) {
				t.Errorf("MCAPartnerTenantNotReady: for = %s, want 10m", r.For)
			}
		}
	}
}

// TestPrometheusRuleRendersWithKustomize checks config/prometheus renders and lands in the operator
// namespace with the name prefix when config/default includes it.
func TestPrometheusRuleRendersWithKustomize(t *testing.T) {
	r := render(t, "prometheus")
	if len(find(r.objects, "PrometheusRule", "")) != 1 || len(find(r.objects, "ServiceMonitor", "")) != 1 {
		t.Fatalf("config/prometheus must render one PrometheusRule and one ServiceMonitor")
	}
	sm := find(r.objects, "ServiceMonitor", "")[0]
	eps, _ := nested(sm, "spec", "endpoints").([]any)
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints = %v", eps)
	}
	ep, _ := eps[0].(map[string]any)
	if ep["port"] != "https" || ep["scheme"] != "https" || ep["path"] != "/metrics" {
		t.Errorf("ServiceMonitor endpoint = %v, want https port, https scheme, /metrics", ep)
	}
	// Its selector must pick the metrics Service of config/default.
	def := render(t, "default")
	svcs := find(def.objects, "Service", namePrefix+"controller-manager-metrics-service")
	if len(svcs) != 1 {
		t.Fatal("metrics Service not rendered")
	}
	sel, _ := nested(sm, "spec", "selector", "matchLabels").(map[string]any)
	svcLabels, _ := nested(svcs[0], "metadata", "labels").(map[string]any)
	if len(sel) == 0 {
		t.Fatal("ServiceMonitor has no selector")
	}
	for k, v := range sel {
		if svcLabels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%v; the metrics Service has %v", k, v, svcLabels[k])
		}
	}
}

var headingRE = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)

// markdownAnchors returns GitHub's anchors for the headings of a markdown document.
func markdownAnchors(doc string) map[string]bool {
	out := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(doc, -1) {
		h := strings.ToLower(m[1])
		var b strings.Builder
		for _, r := range h {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		out[b.String()] = true
	}
	return out
}
