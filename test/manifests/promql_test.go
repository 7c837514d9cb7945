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
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The metrics contract: the families the manager exposes (internal/metrics), their labels, and the
// values the enumerated labels take. Alerts and dashboards may use nothing else.
var metricFamilies = map[string][]string{
	"mca_customers":                    {"partner_tenant", "state"},
	"mca_customers_stalled":            {"partner_tenant", "reason"},
	"mca_customers_condition":          {"partner_tenant", "condition"},
	"mca_partner_tenant_ready":         {"partner_tenant"},
	"mca_partnercenter_requests_total": {"partner_tenant", "operation", "outcome"},
	"mca_attestation_duration_seconds": {"partner_tenant", "method"}, // histogram
	"mca_link_deliveries_total":        {"partner_tenant", "channel", "kind", "outcome"},
	"mca_attestation_records_total":    {"partner_tenant", "act", "outcome"},
	"mca_attestation_records_unknown":  {"partner_tenant"},
	"mca_partner_center_customers":     {"partner_tenant", "managed"},
}

const histogramFamily = "mca_attestation_duration_seconds"

// labelValues are the values of the enumerated labels; "reason" is filled from the API. A key
// "<metric>/<label>" holds the values of a label that means something else in that metric.
func labelValues(t testing.TB) map[string][]string {
	_, reasons := apiConditionVocabulary(t)
	rs := make([]string, 0, len(reasons))
	for r := range reasons {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return map[string][]string{
		"state":     {"Attested", "Legacy", "Blocked", "NoMCA"},
		"condition": {"DuplicateSignatory", "ReattestationRequired", "AwaitingCustomerAcceptance", "AttestationNotPermitted"},
		"outcome":   {"success", "throttled", "client_error", "server_error", "transport_error"},
		"method":    {"PartnerAttestation", "LegacyConfirmation", "CustomerDirect"},
		"reason":    rs,
		"channel":   {"Email", "Webhook"},
		"kind":      {"Initial", "Reminder", "Renewed"},

		"act":     {"StartAttestation", "CreateAgreement", "LegacyConfirmation"},
		"managed": {"true", "false"},

		"mca_link_deliveries_total/outcome":     {"sent", "deferred", "failed"},
		"mca_attestation_records_total/outcome": {"Unknown", "Succeeded", "Refused", "CompletionFailed"},
	}
}

// seriesLabels returns the labels of an exposed series name (histogram series included), or false.
func seriesLabels(name string) ([]string, bool) {
	if l, ok := metricFamilies[name]; ok && name != histogramFamily {
		return l, true
	}
	switch name {
	case histogramFamily + "_bucket":
		return append(slices.Clone(metricFamilies[histogramFamily]), "le"), true
	case histogramFamily + "_sum", histogramFamily + "_count":
		return metricFamilies[histogramFamily], true
	}
	return nil, false
}

func isCounterLike(name string) bool {
	return strings.HasSuffix(name, "_total") || strings.HasSuffix(name, "_bucket") ||
		strings.HasSuffix(name, "_sum") || strings.HasSuffix(name, "_count")
}

var literalAlternation = regexp.MustCompile(`^[A-Za-z0-9_]+(\|[A-Za-z0-9_]+)*$`)

// promqlChecker parses PromQL with Prometheus' parser and checks it against the metrics contract.
type promqlChecker struct {
	p      parser.Parser
	values map[string][]string
}

func newPromQLChecker(t testing.TB) *promqlChecker {
	return &promqlChecker{p: parser.NewParser(parser.Options{}), values: labelValues(t)}
}

// check returns the problems of the expression.
func (c *promqlChecker) check(expr string) (problems []string) {
	e, err := c.p.ParseExpr(expr)
	if err != nil {
		return []string{fmt.Sprintf("does not parse: %v", err)}
	}
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	selected := 0
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			if n.Name == "" {
				bad("selector %s has no metric name", n)
				return nil
			}
			selected++
			lbls, ok := seriesLabels(n.Name)
			if !ok {
				bad("unknown metric %q", n.Name)
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					continue
				}
				if !slices.Contains(lbls, m.Name) {
					bad("%s has no label %q (labels: %v)", n.Name, m.Name, lbls)
					continue
				}
				c.checkValue(n.Name, m, bad)
			}
		case *parser.Call:
			switch n.Func.Name {
			case "rate", "irate", "increase":
				for _, name := range selectorNames(n.Args) {
					if !isCounterLike(name) {
						bad("%s() over %s, which is not a counter", n.Func.Name, name)
					}
				}
			case "histogram_quantile":
				for _, name := range selectorNames(n.Args) {
					if !strings.HasSuffix(name, "_bucket") {
						bad("histogram_quantile() over %s, want a _bucket series", name)
					}
				}
			}
		case *parser.AggregateExpr:
			avail := map[string]bool{}
			for _, name := range selectorNames([]parser.Expr{n.Expr}) {
				l, _ := seriesLabels(name)
				for _, x := range l {
					avail[x] = true
				}
			}
			for _, g := range n.Grouping {
				if !avail[g] {
					bad("%s by (%s): no selected metric has label %q", n.Op, g, g)
				}
			}
		}
		return nil
	})
	if selected == 0 {
		bad("selects no metric")
	}
	return problems
}

func (c *promqlChecker) checkValue(metric string, m *labels.Matcher, bad func(string, ...any)) {
	allowed, enumerated := c.values[metric+"/"+m.Name]
	if !enumerated {
		allowed, enumerated = c.values[m.Name]
	}
	if !enumerated {
		return
	}
	var vals []string
	switch m.Type {
	case labels.MatchEqual, labels.MatchNotEqual:
		vals = []string{m.Value}
	case labels.MatchRegexp, labels.MatchNotRegexp:
		if !literalAlternation.MatchString(m.Value) {
			return // a pattern such as .* or a Grafana variable: nothing to compare
		}
		vals = strings.Split(m.Value, "|")
	}
	for _, v := range vals {
		if !slices.Contains(allowed, v) {
			bad("%s{%s} uses value %q, which the operator never sets (values: %v)", metric, m.Name, v, allowed)
		}
	}
}

func selectorNames(exprs []parser.Expr) []string {
	var names []string
	for _, e := range exprs {
		parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
			if vs, ok := node.(*parser.VectorSelector); ok && vs.Name != "" {
				names = append(names, vs.Name)
			}
			return nil
		})
	}
	return names
}

func TestPromQLCheckerRejectsBadQueries(t *testing.T) {
	c := newPromQLChecker(t)
	cases := []struct{ expr, want string }{
		{`sum(mca_customers{state="Blocked"}) >`, "does not parse"},
		{`mca_customer_count > 0`, "unknown metric"},
		{`up == 0`, "unknown metric"},
		{`mca_customers{status="Blocked"} > 0`, `no label "status"`},
		{`mca_customers{state="Expired"} > 0`, `value "Expired"`},
		{`mca_customers_condition{condition=~"DuplicateSignatory|Bogus"} > 0`, `value "Bogus"`},
		{`mca_customers_stalled{reason="NoSuchReason"} > 0`, `value "NoSuchReason"`},
		{`rate(mca_partnercenter_requests_total{outcome="429"}[5m])`, `value "429"`},
		{`rate(mca_customers[5m])`, "not a counter"},
		{`histogram_quantile(0.9, mca_attestation_duration_seconds_sum)`, "_bucket"},
		{`sum by (state) (mca_partner_tenant_ready)`, `label "state"`},
		{`{__name__=~"mca_.*"}`, "no metric name"},
		{`rate(mca_link_deliveries_total{outcome="success"}[5m])`, `value "success"`},
		{`rate(mca_partnercenter_requests_total{outcome="deferred"}[5m])`, `value "deferred"`},
		{`rate(mca_link_deliveries_total{channel="SMS"}[5m])`, `value "SMS"`},
	}
	for _, tc := range cases {
		problems := c.check(tc.expr)
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
			t.Errorf("%s: want a problem containing %q, got %v", tc.expr, tc.want, problems)
		}
	}
	for _, ok := range []string{
		`sum by (partner_tenant, state) (mca_customers)`,
		`mca_customers_stalled{reason="DuplicateSignatory"} > 0`,
		`histogram_quantile(0.95, sum by (le, method) (rate(mca_attestation_duration_seconds_bucket[1h])))`,
		`sum(rate(mca_partnercenter_requests_total{outcome=~"server_error|transport_error", partner_tenant=~".*"}[5m]))`,
		`sum by (channel, kind) (rate(mca_link_deliveries_total{outcome=~"deferred|failed", kind="Reminder"}[5m]))`,
	} {
		if problems := c.check(ok); len(problems) != 0 {
			t.Errorf("%s: want no problem, got %v", ok, problems)
		}
	}
}

// TestMetricNamesMatchImplementation checks that the manager's metrics package (written alongside
// these manifests) registers every family the alerts and dashboard rely on.
func TestMetricNamesMatchImplementation(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "internal", "metrics")
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(data)
	}
	if src.Len() == 0 {
		t.Skip("internal/metrics has no source yet")
	}
	for name := range metricFamilies {
		if !strings.Contains(src.String(), `"`+name+`"`) {
			t.Errorf("internal/metrics does not define the metric %q that config/prometheus and config/grafana use", name)
		}
	}
}
