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

package helm_test

import (
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// goMemLimitBytes parses a GOMEMLIMIT as the Go runtime does: a number of bytes with an optional
// unit B, KiB, MiB, GiB or TiB.
func goMemLimitBytes(t *testing.T, v string) int64 {
	t.Helper()
	units := []struct {
		suffix string
		factor int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	factor := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, factor = n, u.factor
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("GOMEMLIMIT %q does not parse: %v", v, err)
	}
	return n * factor
}

// TestGoMemLimitBelowMemoryLimit: the manager's GOMEMLIMIT, in the chart as in config/manager
// (TestChartMatchesKustomize holds them equal), leaves a quarter of the container's memory
// limit at least for what the Go runtime does not count, and is sized for 100,000 customers
// (make bench's scale phase: at most 600 MiB peak RSS).
func TestGoMemLimitBelowMemoryLimit(t *testing.T) {
	for name, objs := range map[string][]object{"chart": renderChart(t, ""), "config/default": renderKustomize(t, "default")} {
		dep := find(t, objs, "Deployment", "")
		var env, limit string
		for _, c := range nested(dep, "spec", "template", "spec", "containers").([]any) {
			c := c.(map[string]any)
			if c["name"] != "manager" {
				continue
			}
			limit, _ = nested(c, "resources", "limits", "memory").(string)
			for _, e := range c["env"].([]any) {
				if e := e.(map[string]any); e["name"] == "GOMEMLIMIT" {
					env, _ = e["value"].(string)
				}
			}
		}
		if env == "" || limit == "" {
			t.Fatalf("%s: the manager container sets no GOMEMLIMIT (%q) or memory limit (%q)", name, env, limit)
		}
		q := resource.MustParse(limit)
		soft, hard := goMemLimitBytes(t, env), q.Value()
		if soft > hard*3/4 {
			t.Errorf("%s: GOMEMLIMIT %s leaves less than a quarter of the memory limit %s", name, env, limit)
		}
		if soft < 512<<20 {
			t.Errorf("%s: GOMEMLIMIT %s is below the 512MiB that 100,000 customers need", name, env)
		}
	}
}
