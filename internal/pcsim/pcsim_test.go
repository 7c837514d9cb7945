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

package pcsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	pid     = "11111111-1111-1111-1111-111111111111"
	cid     = "0a1b2c3d-0000-4000-8000-00000000c1d1"
	csecret = "sim-client-secret-direct-bill"
	rt0     = "sim-refresh-token-direct-bill-initial"
	cNoMCA  = "aaaaaaaa-0000-0000-0000-000000000005"
	cLegacy = "aaaaaaaa-0000-0000-0000-000000000003"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// start runs the simulator with the sample seed shipped in config/samples.
func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	seed, err := LoadSeed("../../config/samples/pcsim-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := New(seed, opts)
	u, err := s.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, u
}

func token(t *testing.T, s *Server, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(u+"/"+pid+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func appUser(t *testing.T, s *Server, u string) string {
	t.Helper()
	st, m := token(t, s, u, url.Values{"grant_type": {"refresh_token"}, "client_id": {cid}, "client_secret": {csecret}, "refresh_token": {s.CurrentRefreshToken(pid)}, "resource": {Resource}})
	if st != 200 {
		t.Fatalf("token: %d %v", st, m)
	}
	return m["access_token"].(string)
}

func appOnly(t *testing.T, s *Server, u string) string {
	t.Helper()
	st, m := token(t, s, u, url.Values{"grant_type": {"client_credentials"}, "client_id": {cid}, "client_secret": {csecret}, "resource": {Resource}})
	if st != 200 {
		t.Fatalf("token: %d %v", st, m)
	}
	return m["access_token"].(string)
}

func call(t *testing.T, s *Server, method, u, tok, requestID string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rdr io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rdr = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rdr)
	req.Header.Set("Authorization", "Bearer "+tok)
	if requestID != "" {
		req.Header.Set("MS-RequestId", requestID)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, resp.Header, m
}

func TestSampleSeedCoversEveryState(t *testing.T) {
	s, _ := start(t, Options{})
	st := s.State()
	if len(st) != 3 {
		t.Fatalf("%d partners", len(st))
	}
	types := map[string]bool{}
	for _, p := range st {
		types[p.Type] = true
	}
	if !types[PartnerDirectBill] || !types[PartnerIndirectReseller] || !types[PartnerIndirectProvider] {
		t.Fatalf("partner types %v", types)
	}
	var current, direct, legacyOnly, none, cloudOnly, noRel bool
	for _, c := range st[0].Customers {
		var mcaNew, mcaOld, cloud bool
		for _, a := range c.Agreements {
			switch {
			case a.Type == AgreementTypeCloud:
				cloud = true
			case a.DateAgreedTime.Before(CurrentTermsDate):
				mcaOld = true
			default:
				mcaNew = true
			}
		}
		current = current || mcaNew && c.Relationship
		direct = direct || c.DirectSigned && len(c.Agreements) == 0
		legacyOnly = legacyOnly || mcaOld && !mcaNew && !c.DirectSigned
		none = none || len(c.Agreements) == 0 && !c.DirectSigned
		cloudOnly = cloudOnly || cloud && !mcaNew && !mcaOld
		noRel = noRel || !c.Relationship
	}
	if !(current && direct && legacyOnly && none && cloudOnly && noRel) {
		t.Fatalf("states: current=%v direct=%v legacyOnly=%v none=%v cloudOnly=%v noRelationship=%v", current, direct, legacyOnly, none, cloudOnly, noRel)
	}
}

func TestDuplicateRule(t *testing.T) {
	at := func(d string) time.Time { x, _ := parseTime(d); return x }
	ada := SeedContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.com", PhoneNumber: "+1 (425) 555-0100"}
	rec := func(d string, c SeedContact, typ string) *AgreementRecord {
		return &AgreementRecord{SeedAgreement: SeedAgreement{PrimaryContact: c, Type: typ}, DateAgreedTime: at(d)}
	}
	variant := func(f func(*SeedContact)) SeedContact { c := ada; f(&c); return c }
	cases := []struct {
		name     string
		existing []*AgreementRecord
		contact  SeedContact
		dup      bool
	}{
		{"identical, current terms", []*AgreementRecord{rec("2023-04-01", ada, AgreementTypeMCA)}, ada, true},
		{"case and phone formatting ignored", []*AgreementRecord{rec("2024-01-01", ada, AgreementTypeMCA)}, SeedContact{FirstName: " ADA", LastName: "lovelace", Email: "Ada@Contoso.Com", PhoneNumber: "14255550100"}, true},
		{"only a pre-2023 record: first reattestation may reuse it", []*AgreementRecord{rec("2023-03-31T23:59:59", ada, AgreementTypeMCA)}, ada, false},
		{"pre-2023 plus a reattestation: the second is refused", []*AgreementRecord{rec("2022-06-14", ada, AgreementTypeMCA), rec("2025-01-01", ada, AgreementTypeMCA)}, ada, true},
		{"different email", []*AgreementRecord{rec("2024-01-01", ada, AgreementTypeMCA)}, variant(func(c *SeedContact) { c.Email = "ceo.office@contoso.com" }), false},
		{"different phone", []*AgreementRecord{rec("2024-01-01", ada, AgreementTypeMCA)}, variant(func(c *SeedContact) { c.PhoneNumber = "4255550199" }), false},
		{"different signatory", []*AgreementRecord{rec("2024-01-01", ada, AgreementTypeMCA)}, variant(func(c *SeedContact) { c.FirstName = "Augusta" }), false},
		{"Cloud Agreement records do not count", []*AgreementRecord{rec("2024-01-01", ada, AgreementTypeCloud)}, ada, false},
		{"another customer's record is not here", nil, ada, false},
	}
	for _, c := range cases {
		if got := isDuplicate(c.existing, c.contact); got != c.dup {
			t.Errorf("%s: duplicate=%v, want %v", c.name, got, c.dup)
		}
	}
}

func TestPOSTNeedsRequestIDAndReplays(t *testing.T) {
	s, u := start(t, Options{})
	tok := appUser(t, s, u)
	body := map[string]any{"primaryContact": map[string]any{"firstName": "A", "lastName": "B", "email": "a@b.example"}, "templateId": TemplateMCA, "dateAgreed": "2025-01-01T00:00:00Z", "type": AgreementTypeMCA}
	path := u + "/v1/customers/" + cNoMCA + "/agreements"
	if st, _, m := call(t, s, http.MethodPost, path, tok, "", body); st != 400 {
		t.Fatalf("POST without MS-RequestId: %d %v", st, m)
	}
	st1, _, m1 := call(t, s, http.MethodPost, path, tok, "rid-1", body)
	st2, _, m2 := call(t, s, http.MethodPost, path, tok, "rid-1", body)
	if st1 != 201 || st2 != 201 || m1["dateAgreed"] != m2["dateAgreed"] {
		t.Fatalf("%d %v / %d %v", st1, m1, st2, m2)
	}
	if n := len(s.CustomerAgreements(pid, cNoMCA)); n != 1 {
		t.Fatalf("%d records", n)
	}
	// A new request id with the same contact is a duplicate (600061, rich shape).
	st3, _, m3 := call(t, s, http.MethodPost, path, tok, "rid-2", body)
	if st3 != 400 || m3["code"] != float64(600061) || m3["errorName"] != "PartnerConfirmedAgreementAlreadyExists" || m3["isRetryable"] != false {
		t.Fatalf("%d %v", st3, m3)
	}
	// The same request id on another path is refused.
	if st, _, _ := call(t, s, http.MethodPost, u+"/v1/customers/"+cLegacy+"/agreements", tok, "rid-1", body); st != 400 {
		t.Fatalf("reused request id on another path: %d", st)
	}
	if n := len(s.CustomerAgreements(pid, cLegacy)); n != 1 {
		t.Fatalf("reused request id created a record")
	}
}

func TestTokenKindsAndTokenEndpoint(t *testing.T) {
	s, u := start(t, Options{RotateRefreshTokens: true})
	user, app := appUser(t, s, u), appOnly(t, s, u)
	if st, _, _ := call(t, s, http.MethodGet, u+"/v1/agreements?agreementType=MicrosoftCustomerAgreement", app, "", nil); st != 401 {
		t.Fatalf("read with App-only: %d", st)
	}
	enh := map[string]any{"companyName": "C", "signatoryFirstName": "A", "signatoryLastName": "B", "signatoryEmail": "a@b.example"}
	if st, _, _ := call(t, s, http.MethodPost, u+"/v1/attestations/enhanced", user, "r1", enh); st != 401 {
		t.Fatalf("enhanced start with App+User: %d", st)
	}
	if st, _, m := call(t, s, http.MethodPost, u+"/v1/attestations/enhanced", app, "r2", enh); st != 201 || m["status"] != StatusLinkGenerated {
		t.Fatalf("enhanced start: %d %v", st, m)
	}
	if st, h, _ := call(t, s, http.MethodGet, u+"/v1/agreements", "bogus", "", nil); st != 401 || h.Get("WWW-Authenticate") == "" {
		t.Fatalf("bogus token: %d", st)
	}
	// Rotation: the old refresh token stops working.
	old := s.CurrentRefreshToken(pid)
	_ = appUser(t, s, u)
	if s.CurrentRefreshToken(pid) == old {
		t.Fatal("no rotation")
	}
	st, m := token(t, s, u, url.Values{"grant_type": {"refresh_token"}, "client_id": {cid}, "client_secret": {csecret}, "refresh_token": {old}, "resource": {Resource}})
	if st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("old refresh token: %d %v", st, m)
	}
	if st, m := token(t, s, u, url.Values{"grant_type": {"client_credentials"}, "client_id": {cid}, "client_secret": {"nope"}, "resource": {Resource}}); st != 401 || m["error"] != "invalid_client" {
		t.Fatalf("bad secret: %d %v", st, m)
	}
	if st, m := token(t, s, u, url.Values{"grant_type": {"client_credentials"}, "client_id": {cid}, "client_secret": {csecret}, "resource": {"https://graph.windows.net"}}); st != 400 || m["error"] != "invalid_resource" {
		t.Fatalf("wrong resource: %d %v", st, m)
	}
	if _, m := token(t, s, u, url.Values{"grant_type": {"client_credentials"}, "client_id": {cid}, "client_secret": {csecret}, "resource": {Resource}}); m["expires_in"] != "3600" {
		t.Fatalf("expires_in %#v, want the string \"3600\"", m["expires_in"])
	}
	s.RevokeRefreshTokens(pid)
	if st, m := token(t, s, u, url.Values{"grant_type": {"refresh_token"}, "client_id": {cid}, "client_secret": {csecret}, "refresh_token": {old}, "resource": {Resource}}); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("revoked: %d %v", st, m)
	}
}

func TestLinkExpiry(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	s, u := start(t, Options{LinkTTL: time.Hour, Now: clk.Now, TokenTTL: 48 * time.Hour})
	app := appOnly(t, s, u)
	_, _, m := call(t, s, http.MethodPost, u+"/v1/attestations/enhanced", app, "r1", map[string]any{"companyName": "C", "signatoryFirstName": "A", "signatoryLastName": "B", "signatoryEmail": "a@b.example"})
	id := m["attestationId"].(string)
	link := m["acceptanceLink"].(string)
	if !strings.HasPrefix(link, u+"/attest/") {
		t.Fatalf("link %s", link)
	}
	clk.Advance(61 * time.Minute)
	if _, _, m := call(t, s, http.MethodGet, u+"/v1/attestations/enhanced/"+id, app, "", nil); m["status"] != StatusExpired {
		t.Fatalf("status %v", m["status"])
	}
	if err := s.Accept(id); !errors.Is(err, ErrLinkExpired) {
		t.Fatalf("accept after expiry: %v", err)
	}
	resp, err := s.HTTPClient().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("expired page: %d", resp.StatusCode)
	}
	resp, _ = s.HTTPClient().PostForm(link, url.Values{"agree": {"yes"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("expired submit: %d", resp.StatusCode)
	}
	st, _, m := call(t, s, http.MethodPost, u+"/v1/customers/"+cNoMCA+"/agreements", app, "r2", map[string]any{"attestationId": id, "templateId": TemplateMCA, "type": AgreementTypeMCA})
	if st != 400 || m["errorName"] != "AttestationExpired" {
		t.Fatalf("create from expired: %d %v", st, m)
	}
}

func TestRateLimitVisibilityAndRequestLog(t *testing.T) {
	s, u := start(t, Options{RateLimitQPS: 1, RateLimitBurst: 1, VisibilityDelay: time.Hour})
	tok := appUser(t, s, u)
	path := u + "/v1/customers/" + cNoMCA + "/agreements?agreementType=MicrosoftCustomerAgreement"
	if st, _, _ := call(t, s, http.MethodGet, path, tok, "", nil); st != 200 {
		t.Fatal(st)
	}
	st, h, m := call(t, s, http.MethodGet, path, tok, "", nil)
	if st != 429 || h.Get("Retry-After") != "1" || !strings.Contains(m["message"].(string), "Rate limit is exceeded") {
		t.Fatalf("%d %v %v", st, h, m)
	}
	s.SetRateLimit(0, 0)
	body := map[string]any{"primaryContact": map[string]any{"firstName": "A", "lastName": "B", "email": "a@b.example"}, "templateId": TemplateMCA, "dateAgreed": "2025-01-01T00:00:00Z", "type": AgreementTypeMCA}
	if st, _, _ := call(t, s, http.MethodPost, u+"/v1/customers/"+cNoMCA+"/agreements", tok, "r1", body); st != 201 {
		t.Fatal(st)
	}
	if _, _, m := call(t, s, http.MethodGet, path, tok, "", nil); m["totalCount"] != float64(0) {
		t.Fatalf("record visible before the visibility delay: %v", m)
	}
	if n := len(s.CustomerAgreements(pid, cNoMCA)); n != 1 {
		t.Fatalf("stored %d", n)
	}
	s.SetVisibilityDelay(0)
	// The log over HTTP never holds tokens or secrets.
	resp, err := s.HTTPClient().Get(u + "/_sim/requests")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var recs []RequestRecord
	if err := json.Unmarshal(raw, &recs); err != nil || len(recs) < 5 {
		t.Fatalf("request log: %v (%d)", err, len(recs))
	}
	state, _ := json.Marshal(s.State())
	for _, secret := range append(s.IssuedSecrets(pid), csecret, rt0) {
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(state, []byte(secret)) {
			t.Fatal("request log or state leaks a secret")
		}
	}
	limited := 0
	for _, r := range recs {
		if r.RateLimited {
			limited++
		}
	}
	if limited != 1 {
		t.Fatalf("rate limited = %d", limited)
	}
}

func TestSeedValidation(t *testing.T) {
	bad := []string{
		"partners: [{tenantId: p, clientId: c}]",
		"partners: [{tenantId: p, clientId: c, clientSecret: s, type: Reseller}]",
		"partners: [{tenantId: p, clientId: c, clientSecret: s, customers: [{tenantId: x, agreements: [{dateAgreed: yesterday}]}]}]",
		"partners: [{tenantId: p, clientId: c, clientSecret: s, unknownField: 1}]",
	}
	for _, b := range bad {
		if _, err := ParseSeed([]byte(b)); err == nil {
			t.Errorf("accepted bad seed %q", b)
		}
	}
}
