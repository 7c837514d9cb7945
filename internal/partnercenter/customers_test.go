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

package partnercenter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// TestListCustomersPages lists 250 extra customers (258 in all) 100 at a time over HTTPS: three
// requests, each page after the first carrying the MS-ContinuationToken of the previous one, every
// customer exactly once with its company profile.
func TestListCustomersPages(t *testing.T) {
	e := newEnv(t)
	for i := range 250 {
		e.sim.AddCustomer(partnerID, pcsim.SeedCustomer{TenantID: fmt.Sprintf("dddddddd-0000-4000-8000-%012d", i), CompanyName: fmt.Sprintf("Paged Co %03d", i)})
	}
	e.sim.ResetRequests()
	seen := map[string]pc.Customer{}
	var sizes []int
	total := 0
	err := e.client.ListCustomers(ctx(t), 100, func(p pc.CustomersPage) error {
		sizes = append(sizes, len(p.Customers))
		total = p.TotalCount
		for _, c := range p.Customers {
			if _, dup := seen[c.TenantID]; dup {
				t.Errorf("customer %s listed twice", c.TenantID)
			}
			seen[c.TenantID] = c
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[100 100 58]" || total != 258 || len(seen) != 258 {
		t.Fatalf("pages %v, totalCount %d, distinct %d; want [100 100 58], 258, 258", sizes, total, len(seen))
	}
	c := seen["dddddddd-0000-4000-8000-000000000007"]
	if c.CompanyName != "Paged Co 007" || c.Domain != "pagedco007.onmicrosoft.com" || !c.IsReseller() || c.ID != c.TenantID {
		t.Errorf("customer 7 = %+v", c)
	}
	if seen[custNoRel].IsReseller() {
		t.Errorf("a customer without relationship is listed as reseller: %+v", seen[custNoRel])
	}
	reqs := apiRequests(e.sim.Requests())
	if len(reqs) != 3 {
		t.Fatalf("%d API requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		next := strings.Contains(r.Query, "seekOperation=Next")
		if r.Path != "/v1/customers" || r.Status != http.StatusOK || next != (i > 0) || !strings.Contains(r.Query, "size=100") {
			t.Errorf("request %d: %s?%s → %d", i, r.Path, r.Query, r.Status)
		}
	}
}

// TestListCustomersStopsOnCallbackError: the callback's error ends the listing after one page.
func TestListCustomersStopsOnCallbackError(t *testing.T) {
	e := newEnv(t)
	stop := errors.New("stop")
	pages := 0
	err := e.client.ListCustomers(ctx(t), 3, func(pc.CustomersPage) error { pages++; return stop })
	if !errors.Is(err, stop) || pages != 1 {
		t.Fatalf("err %v after %d pages; want stop after 1", err, pages)
	}
}

// TestSimulatorRefusesForeignContinuationToken: a token the simulator did not issue is a 400, and
// so is seekOperation=Next without a token.
func TestSimulatorRefusesForeignContinuationToken(t *testing.T) {
	e := newEnv(t)
	tok, err := accessToken(t, e)
	if err != nil {
		t.Fatal(err)
	}
	for name, hdr := range map[string]string{"forged": "not-a-token-we-issued", "missing": ""} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.url+"/v1/customers?size=2&seekOperation=Next", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if hdr != "" {
			req.Header.Set(pc.HeaderContinuationToken, hdr)
		}
		resp, err := e.sim.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s token: HTTP %d, want 400", name, resp.StatusCode)
		}
	}
}

// accessToken obtains an App+User token from the simulator's token endpoint.
func accessToken(t *testing.T, e *env) (string, error) {
	t.Helper()
	resp, err := e.sim.HTTPClient().PostForm(e.url+"/"+partnerID+"/oauth2/token", map[string][]string{
		"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {clientSec},
		"refresh_token": {initialRT}, "resource": {pc.Resource},
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var a struct {
		AccessToken string `json:"access_token"`
	}
	if err := jsonDecode(resp, &a); err != nil {
		return "", err
	}
	return a.AccessToken, nil
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
