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
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type grafanaTarget struct {
	RefID string `json:"refId"`
	Expr  string `json:"expr"`
}

type grafanaPanel struct {
	ID         int             `json:"id"`
	Type       string          `json:"type"`
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	GridPos    *struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Targets []grafanaTarget `json:"targets"`
	Panels  []grafanaPanel  `json:"panels"` // collapsed rows
}

type grafanaDashboard struct {
	UID        string         `json:"uid"`
	Title      string         `json:"title"`
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// grafanaVar matches Grafana template variables: $name, ${name} and ${name:format}.
var grafanaVar = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\$([A-Za-z0-9_]+)`)

// expandGrafanaVars replaces Grafana's variables with values that keep the PromQL parseable the
// way Grafana interpolates them: interval variables become durations, others a regex (.*).
func expandGrafanaVars(expr string) string {
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		switch name {
		case "__rate_interval", "__interval", "__range":
			return "5m"
		case "__interval_ms", "__range_ms":
			return "300000"
		case "__range_s":
			return "300"
		default:
			return ".*"
		}
	})
}

func flattenPanels(ps []grafanaPanel) []grafanaPanel {
	out := make([]grafanaPanel, 0, len(ps))
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flattenPanels(p.Panels)...)
	}
	return out
}

var labelValuesQuery = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "grafana", "mca-operator-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard needs a uid and a title")
	}

	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var s string
			if err := json.Unmarshal(v.Query, &s); err != nil {
				t.Fatalf("variable %s: query is neither an object nor a string", v.Name)
			}
			q.Query = s
		}
		m := labelValuesQuery.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, q.Query)
			continue
		}
		lbls, ok := seriesLabels(m[1])
		if !ok || !slices.Contains(lbls, m[2]) {
			t.Errorf("variable %s: %s has no label %s", v.Name, m[1], m[2])
		}
	}
	if !vars["datasource"] || !vars["partner_tenant"] {
		t.Errorf("dashboard needs the variables datasource and partner_tenant, has %v", vars)
	}

	c := newPromQLChecker(t)
	ids := map[int]string{}
	var exprs []string
	for _, p := range flattenPanels(d.Panels) {
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", prev, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
			t.Errorf("panel %q has no gridPos", p.Title)
		}
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if !strings.Contains(string(p.Datasource), "${datasource}") {
			t.Errorf("panel %q does not use the ${datasource} variable: %s", p.Title, p.Datasource)
		}
		for _, tg := range p.Targets {
			if !strings.Contains(tg.Expr, `partner_tenant=~"$partner_tenant"`) {
				t.Errorf("panel %q query %s ignores the partner_tenant variable", p.Title, tg.RefID)
			}
			for _, m := range grafanaVar.FindAllStringSubmatch(tg.Expr, -1) {
				name := m[1] + m[2]
				if !strings.HasPrefix(name, "__") && !vars[name] {
					t.Errorf("panel %q uses undefined variable $%s", p.Title, name)
				}
			}
			problems := c.check(expandGrafanaVars(tg.Expr))
			for _, pr := range problems {
				t.Errorf("panel %q query %s: %s\n  %s", p.Title, tg.RefID, pr, tg.Expr)
			}
			exprs = append(exprs, tg.Expr)
		}
	}

	// The views the operations guide promises.
	for what, re := range map[string]*regexp.Regexp{
		"customers by state":           regexp.MustCompile(`sum by \(state\) \(mca_customers\{`),
		"stalled by reason":            regexp.MustCompile(`sum by \(reason\) \(mca_customers_stalled\{`),
		"requests by outcome":          regexp.MustCompile(`sum by \(outcome\) \(rate\(mca_partnercenter_requests_total\{`),
		"429s":                         regexp.MustCompile(`mca_partnercenter_requests_total\{outcome="throttled"`),
		"attestation duration p50":     regexp.MustCompile(`histogram_quantile\(0\.5, .*mca_attestation_duration_seconds_bucket`),
		"attestation duration p95":     regexp.MustCompile(`histogram_quantile\(0\.95, .*mca_attestation_duration_seconds_bucket`),
		"partner tenant ready":         regexp.MustCompile(`mca_partner_tenant_ready\{`),
		"customers by condition":       regexp.MustCompile(`sum by \(condition\) \(mca_customers_condition\{`),
		"histogram quantiles keep le":  regexp.MustCompile(`histogram_quantile\([^,]+, sum by \(le\)`),
		"blocked customers at a look":  regexp.MustCompile(`mca_customers\{state="Blocked"`),
		"legacy customers at a look":   regexp.MustCompile(`mca_customers\{state="Legacy"`),
		"rate uses $__rate_interval":   regexp.MustCompile(`rate\(mca_partnercenter_requests_total\{[^}]*\}\[\$__rate_interval\]\)`),
		"errors by outcome (non-2xx)":  regexp.MustCompile(`outcome=~"client_error\|server_error\|transport_error"`),
		"requests by operation":        regexp.MustCompile(`sum by \(operation, outcome\)`),
		"attestations done per method": regexp.MustCompile(`sum by \(method\) \(increase\(mca_attestation_duration_seconds_count\{`),
	} {
		if !slices.ContainsFunc(exprs, re.MatchString) {
			t.Errorf("no panel shows %s (%s)", what, re)
		}
	}
}

func TestGrafanaVariableExpansion(t *testing.T) {
	got := expandGrafanaVars(`rate(x{a=~"$partner_tenant", b=~"${b:regex}"}[$__rate_interval])`)
	want := `rate(x{a=~".*", b=~".*"}[5m])`
	if got != want {
		t.Errorf("expandGrafanaVars = %s, want %s", got, want)
	}
}
