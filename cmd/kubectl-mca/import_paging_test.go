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
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestImportStopsEndlessCustomerList: a server whose every page carries a next link with a fresh
// continuation token is followed only as far as the count its first page announced allows, or
// until a page repeats the customers listed before; the import then fails with a clear error.
func TestImportStopsEndlessCustomerList(t *testing.T) {
	const announced, size = 250, 100
	customer := func(i int) map[string]any {
		c := listItem(fmt.Sprintf("b0000000-0000-4000-8000-%012d", i), fmt.Sprintf("b0000000-0000-4000-8000-%012d", i), "endless.example", "Endless "+strconv.Itoa(i))
		c["relationshipToPartner"] = "none"
		return c
	}
	for _, tc := range []struct {
		name string
		page func(n int) []any // the customers of page n (from 0)
		want string
	}{
		{"the same customers on every page", func(int) []any {
			items := make([]any, 0, size)
			for i := range size {
				items = append(items, customer(i))
			}
			return items
		}, "stopped at page 2: it lists only customers listed on earlier pages"},
		{"new customers on every page", func(n int) []any {
			items := make([]any, 0, size)
			for i := range size {
				items = append(items, customer(n*size+i))
			}
			return items
		}, "stopped at page 5: the first page announced 250 customers, 4 pages at most"},
		{"empty pages after the first", func(n int) []any {
			if n > 0 {
				return []any{}
			}
			items := make([]any, 0, size)
			for i := range size {
				items = append(items, customer(i))
			}
			return items
		}, "stopped at page 5: the first page announced 250 customers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			o := newOffline(t, "endless", nil, nil)
			var pages atomic.Int64
			o.intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/v1/customers" {
					return false
				}
				n := int(pages.Add(1)) - 1
				token := fmt.Sprintf("token-%d-%d", n, time.Now().UnixNano())
				writeJSON(t, w, map[string]any{"totalCount": announced, "items": tc.page(n),
					"links": map[string]any{"next": map[string]any{"uri": "/customers?size=100&seekOperation=Next", "method": "GET",
						"headers": []any{map[string]any{"key": "MS-ContinuationToken", "value": token}}}}})
				return true
			}
			stdout, stderr, err := o.run(ctx, "", false, "import", "--partner-tenant", o.pt, "-n", "customers", "--out", filepath.Join(t.TempDir(), "out"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("import: err %v, want %q\nstdout:\n%s\nstderr:\n%s", err, tc.want, stdout, stderr)
			}
			if n := pages.Load(); n > 5 {
				t.Errorf("%d pages requested, want at most 5", n)
			}
			for _, m := range regexp.MustCompile(`\((\d+)%\)`).FindAllStringSubmatch(stderr, -1) {
				if p, _ := strconv.Atoi(m[1]); p > 100 {
					t.Errorf("progress shows %s%%:\n%s", m[1], stderr)
				}
			}
		})
	}
}
