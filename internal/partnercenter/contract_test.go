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
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// TestContract runs every case of the wire contract through the client
// against the simulator over HTTPS. Each case runs under every wire variant
// the contract says occurs (collections vs bare arrays, numeric vs string
// codes, agreementType vs type, timestamps with and without zone).
func TestContract(t *testing.T) {
	variants := map[string]pcsim.WireVariants{
		"default":                  {},
		"bare-arrays+string-codes": {BareArrays: true, StringCodes: true, MetadataTypeField: "type", ZonedTimestamps: true},
	}
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	type tc struct {
		name string
		run  func(t *testing.T, e *env)
	}
	cases := []tc{
		{"3.1 metadata: template id read with agreementType=MCA", func(t *testing.T, e *env) {
			m, err := e.client.GetAgreementMetadata(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if m.TemplateID != pcsim.TemplateMCA || m.AgreementType != pc.AgreementTypeMCA || m.AgreementLink != pcsim.AgreementLinkMCA {
				t.Fatalf("metadata = %+v", m)
			}
			reqs := apiRequests(e.sim.Requests())
			if len(reqs) != 1 || reqs[0].Path != "/v1/agreements" || reqs[0].Query != "agreementType=MicrosoftCustomerAgreement" {
				t.Fatalf("requests = %+v", reqs)
			}
		}},
		{"3.2 attestations: one current record", func(t *testing.T, e *env) {
			list, err := e.client.ListCustomerAgreements(ctx(t), custCurrent)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 {
				t.Fatalf("got %d records", len(list))
			}
			a := list[0]
			want := pc.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.com", PhoneNumber: "4255550100"}
			if a.PrimaryContact != want || !a.DateAgreed.Equal(date("2023-09-15T00:00:00Z")) || a.DateAgreed.Location() != time.UTC ||
				a.TemplateID != pcsim.TemplateMCA || a.Type != pc.AgreementTypeMCA || a.AgreementLink == "" || a.UserID != "" {
				t.Fatalf("record = %+v", a)
			}
		}},
		{"3.2 attestations: several records, newest in force", func(t *testing.T, e *env) {
			list, err := e.client.ListCustomerAgreements(ctx(t), custReatt)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || !list[0].DateAgreed.Before(list[1].DateAgreed) {
				t.Fatalf("records not sorted oldest first: %+v", list)
			}
			latest, ok := pc.LatestAgreement(list)
			if !ok || !latest.DateAgreed.Equal(date("2024-02-20T10:30:00Z")) {
				t.Fatalf("latest = %+v", latest)
			}
		}},
		{"3.2 Cloud Agreement trap: client always asks for MCA", func(t *testing.T, e *env) {
			list, err := e.client.ListCustomerAgreements(ctx(t), custCloud)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Fatalf("Cloud Agreement customer has no MCA, got %+v", list)
			}
			// Without the parameter the simulator answers with Cloud
			// Agreement records, as the service does.
			body := rawGET(t, e, "/v1/customers/"+custCloud+"/agreements")
			if !strings.Contains(body, pcsim.AgreementTypeCloud) || strings.Contains(body, `"type":"MicrosoftCustomerAgreement"`) {
				t.Fatalf("raw answer without agreementType: %s", body)
			}
			body = rawGET(t, e, "/v1/agreements")
			if !strings.Contains(body, pcsim.TemplateCloud) {
				t.Fatalf("metadata without agreementType should be the Cloud Agreement: %s", body)
			}
			for _, r := range apiRequests(e.sim.Requests()) {
				if r.RequestID != "" && strings.Contains(r.Path, "/agreements") && r.Method == http.MethodGet {
					q, _ := url.ParseQuery(r.Query)
					if q.Get("agreementType") != pc.AgreementTypeMCA {
						t.Fatalf("client request without agreementType=MCA: %+v", r)
					}
				}
			}
		}},
		{"3.2 unknown customer: 404", func(t *testing.T, e *env) {
			_, err := e.client.ListCustomerAgreements(ctx(t), custUnknown)
			pe := wantKind(t, err, pc.KindCustomerNotFound)
			if pe.StatusCode != 404 || pe.Retryable() {
				t.Fatalf("%+v", pe)
			}
		}},
		{"3.2 no reseller relationship: 403 / 20002", func(t *testing.T, e *env) {
			_, err := e.client.ListCustomerAgreements(ctx(t), custNoRel)
			pe := wantKind(t, err, pc.KindNoRelationship)
			if pe.StatusCode != 403 || pe.Code != "20002" || pe.Retryable() {
				t.Fatalf("%+v", pe)
			}
			_, err = e.client.GetDirectSignedStatus(ctx(t), custNoRel)
			_ = wantKind(t, err, pc.KindNoRelationship)
		}},
		{"3.3 direct acceptance", func(t *testing.T, e *env) {
			for cust, want := range map[string]bool{custDirect: true, custCurrent: false} {
				got, err := e.client.GetDirectSignedStatus(ctx(t), cust)
				if err != nil || got != want {
					t.Fatalf("%s: got %v, %v; want %v", cust, got, err, want)
				}
			}
			_, err := e.client.GetDirectSignedStatus(ctx(t), custUnknown)
			_ = wantKind(t, err, pc.KindCustomerNotFound)
		}},
		{"3.4 agreement document: defaults, upper-case country, fresh download link", func(t *testing.T, e *env) {
			d1, err := e.client.GetAgreementDocument(ctx(t), pcsim.TemplateMCA, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if d1.Language != "en-US" || d1.Country != "US" || d1.DisplayURI == "" || d1.DownloadURI == "" {
				t.Fatalf("%+v", d1)
			}
			d2, err := e.client.GetAgreementDocument(ctx(t), pcsim.TemplateMCA, "de-DE", "de")
			if err != nil {
				t.Fatal(err)
			}
			if d2.Country != "DE" || d2.Language != "de-DE" || d2.DownloadURI == d1.DownloadURI {
				t.Fatalf("%+v", d2)
			}
			_, err = e.client.GetAgreementDocument(ctx(t), strings.ToUpper(pcsim.TemplateMCA), "", "")
			_ = wantKind(t, err, pc.KindNotFound)
		}},
		{"2 MFA required: 401 / 900421", func(t *testing.T, e *env) {
			c := e.clientFor(mfaID, "mfa-client", "mfa-secret-abcdef", "mfa-rt-abcdef")
			_, err := c.ListCustomerAgreements(ctx(t), "cccccccc-0000-0000-0000-000000000001")
			pe := wantKind(t, err, pc.KindMFARequired)
			if pe.StatusCode != 401 || pe.Code != "900421" || pe.Retryable() {
				t.Fatalf("%+v", pe)
			}
		}},
		{"4.1 enhanced attestation: start, wait, create", func(t *testing.T, e *env) {
			req := pc.EnhancedAttestationRequest{CompanyName: "Wide World Importers", Country: "us", SignatoryFirstName: "Mary", SignatoryLastName: "Jackson", SignatoryEmail: "mary@wwi.example", SignatoryPhoneNumber: "4255550199"}
			att, err := e.client.StartEnhancedAttestation(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if att.AttestationID == "" || att.Status != pc.StatusLinkGenerated || !strings.HasPrefix(att.AcceptanceLink, e.url+"/attest/") ||
				att.ExpiresAt.IsZero() || !att.StatusKnown {
				t.Fatalf("started = %+v", att)
			}
			if sent, _ := e.sim.Attestation(att.AttestationID); sent.Country != "US" || sent.Language != "en-US" || sent.SignatoryEmail != req.SignatoryEmail {
				t.Fatalf("the simulator received %+v", sent)
			}
			md, err := e.client.GetAgreementMetadata(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.client.CreateAgreementFromAttestation(ctx(t), custNoMCA, att.AttestationID, md.TemplateID)
			pe := wantKind(t, err, pc.KindAttestationNotAccepted)
			if !pe.Retryable() || pe.Code != "600062" {
				t.Fatalf("%+v", pe)
			}
			if err := e.sim.Accept(att.AttestationID); err != nil {
				t.Fatal(err)
			}
			got, err := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != pc.StatusCustomerAccepted || got.AcceptedAt.IsZero() {
				t.Fatalf("after accept = %+v", got)
			}
			a, err := e.client.CreateAgreementFromAttestation(ctx(t), custNoMCA, att.AttestationID, md.TemplateID)
			if err != nil {
				t.Fatal(err)
			}
			if a.PrimaryContact != req.Contact() || !a.DateAgreed.Equal(got.AcceptedAt.Truncate(time.Second)) || a.Type != pc.AgreementTypeMCA {
				t.Fatalf("agreement = %+v (accepted %v)", a, got.AcceptedAt)
			}
			got, _ = e.client.GetEnhancedAttestation(ctx(t), att.AttestationID)
			if got.Status != pc.StatusAgreementCreated {
				t.Fatalf("status = %s", got.Status)
			}
			list, err := e.client.ListCustomerAgreements(ctx(t), custNoMCA)
			if err != nil || len(list) != 1 || list[0].PrimaryContact != req.Contact() {
				t.Fatalf("list = %+v, %v", list, err)
			}
			// A 404 cannot be told from a GET Partner Center does not serve: the client stops
			// asking, and the caller polls by attempting the create.
			_, err = e.client.GetEnhancedAttestation(ctx(t), "00000000-0000-0000-0000-000000000000")
			_ = wantKind(t, err, pc.KindNotSupported)
			if e.client.AttestationGetSupported() {
				t.Fatal("the client still GETs attestations after a 404")
			}
		}},
		{"4.1 indirect reseller may not attest: 403", func(t *testing.T, e *env) {
			c := e.clientFor(resellerID, "reseller-client", "reseller-secret-abcdef", "reseller-rt-abcdef")
			_, err := c.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "Coho", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"})
			pe := wantKind(t, err, pc.KindForbidden)
			if pe.StatusCode != 403 || pe.Retryable() {
				t.Fatalf("%+v", pe)
			}
			// Reads still work for the reseller.
			if _, err := c.ListCustomerAgreements(ctx(t), "bbbbbbbb-0000-0000-0000-000000000001"); err != nil {
				t.Fatal(err)
			}
		}},
		{"4.2 legacy confirmation creates a visible record", func(t *testing.T, e *env) {
			md, _ := e.client.GetAgreementMetadata(ctx(t))
			contact := pc.Contact{FirstName: "Dorothy", LastName: "Vaughan", Email: "dv@wwi.example", PhoneNumber: "425-555-0177"}
			agreed := time.Now().Add(-time.Hour).Truncate(time.Second)
			a, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, contact, md.TemplateID, agreed)
			if err != nil {
				t.Fatal(err)
			}
			if a.PrimaryContact != contact || !a.DateAgreed.Equal(agreed) || a.UserID == "" {
				t.Fatalf("agreement = %+v", a)
			}
			list, err := e.client.ListCustomerAgreements(ctx(t), custNoMCA)
			if err != nil || len(list) != 1 || list[0].PrimaryContact != contact {
				t.Fatalf("list = %+v, %v", list, err)
			}
		}},
		{"4.2 dateAgreed in the future: refused (client and server)", func(t *testing.T, e *env) {
			_, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, pc.Contact{FirstName: "A", LastName: "B", Email: "a@b.example"}, pcsim.TemplateMCA, time.Now().Add(48*time.Hour))
			pe := wantKind(t, err, pc.KindBadRequest)
			if pe.StatusCode != 0 {
				t.Fatalf("client should refuse before calling: %+v", pe)
			}
			// A client whose clock runs days ahead sends it; the server refuses.
			e.cfg.Now = func() time.Time { return time.Now().Add(72 * time.Hour) }
			c := e.newClient()
			_, err = c.CreateLegacyAgreement(ctx(t), custNoMCA, pc.Contact{FirstName: "A", LastName: "B", Email: "a@b.example"}, pcsim.TemplateMCA, time.Now().Add(24*time.Hour))
			pe = wantKind(t, err, pc.KindBadRequest)
			if pe.StatusCode != 400 {
				t.Fatalf("%+v", pe)
			}
			if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA)); n != 0 {
				t.Fatalf("%d records created", n)
			}
		}},
		{"4.3 duplicate contact under current terms: 600061, final", func(t *testing.T, e *env) {
			// Same person as the 2023-09-15 record, differently written.
			dup := pc.Contact{FirstName: "ADA", LastName: "lovelace", Email: "Ada@Contoso.COM", PhoneNumber: "(425) 555-0100"}
			_, err := e.client.CreateLegacyAgreement(ctx(t), custCurrent, dup, pcsim.TemplateMCA, time.Now().Add(-time.Minute))
			pe := wantKind(t, err, pc.KindDuplicateSignatory)
			if pe.Code != "600061" || pe.ErrorName != "PartnerConfirmedAgreementAlreadyExists" || pe.Retryable() || pe.StatusCode != 400 {
				t.Fatalf("%+v", pe)
			}
			// A different phone number is another contact: allowed.
			other := dup
			other.PhoneNumber = "4255550111"
			if _, err := e.client.CreateLegacyAgreement(ctx(t), custCurrent, other, pcsim.TemplateMCA, time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}},
		{"4.3 first reattestation of a pre-2023 customer may reuse the contact, the second may not", func(t *testing.T, e *env) {
			old := pc.Contact{FirstName: "Grace", LastName: "Hopper", Email: "grace@northwind.example", PhoneNumber: "14255550101"}
			if _, err := e.client.CreateLegacyAgreement(ctx(t), custLegacy, old, pcsim.TemplateMCA, time.Now().Add(-time.Minute)); err != nil {
				t.Fatalf("first reattestation refused: %v", err)
			}
			_, err := e.client.CreateLegacyAgreement(ctx(t), custLegacy, old, pcsim.TemplateMCA, time.Now().Add(-time.Minute))
			_ = wantKind(t, err, pc.KindDuplicateSignatory)
			// The enhanced flow follows the same rule.
			att, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "Northwind", SignatoryFirstName: "grace", SignatoryLastName: "HOPPER", SignatoryEmail: "grace@northwind.example", SignatoryPhoneNumber: "+1 425 555 0101"})
			if err != nil {
				t.Fatal(err)
			}
			_ = e.sim.Accept(att.AttestationID)
			_, err = e.client.CreateAgreementFromAttestation(ctx(t), custLegacy, att.AttestationID, pcsim.TemplateMCA)
			_ = wantKind(t, err, pc.KindDuplicateSignatory)
			if n := len(e.sim.CustomerAgreements(partnerID, custLegacy)); n != 2 {
				t.Fatalf("want 2 records (seed + first reattestation), got %d", n)
			}
		}},
		{"1 idempotent replay by MS-RequestId", func(t *testing.T, e *env) {
			contact := pc.Contact{FirstName: "Hedy", LastName: "Lamarr", Email: "hedy@wwi.example"}
			a1, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA2, contact, pcsim.TemplateMCA, time.Now().Add(-time.Hour), pc.WithRequestID("6f1c0d6e-1111-4a6a-9a0e-000000000001"))
			if err != nil {
				t.Fatal(err)
			}
			// A restarted controller repeats the create with the same id.
			a2, err := e.newClient().CreateLegacyAgreement(ctx(t), custNoMCA2, contact, pcsim.TemplateMCA, time.Now().Add(-time.Hour), pc.WithRequestID("6f1c0d6e-1111-4a6a-9a0e-000000000001"))
			if err != nil {
				t.Fatalf("replay answered with an error (a duplicate would be 600061): %v", err)
			}
			if a1 != a2 {
				t.Fatalf("replay differs: %+v vs %+v", a1, a2)
			}
			if n := len(e.sim.CustomerAgreements(partnerID, custNoMCA2)); n != 1 {
				t.Fatalf("%d records", n)
			}
			replayed := 0
			for _, r := range e.sim.Requests() {
				if r.Replayed && r.RequestID == "6f1c0d6e-1111-4a6a-9a0e-000000000001" {
					replayed++
				}
			}
			if replayed != 1 {
				t.Fatalf("replayed = %d", replayed)
			}
		}},
		{"1 headers: every call has ids; new operation, new request id", func(t *testing.T, e *env) {
			for i := 0; i < 3; i++ {
				if _, err := e.client.ListCustomerAgreements(ctx(t), custCurrent); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]bool{}
			for _, r := range apiRequests(e.sim.Requests()) {
				if r.RequestID == "" || r.CorrelationID == "" {
					t.Fatalf("missing ids: %+v", r)
				}
				if seen[r.RequestID] {
					t.Fatalf("request id reused across operations: %s", r.RequestID)
				}
				seen[r.RequestID] = true
			}
			if len(seen) != 3 {
				t.Fatalf("%d requests", len(seen))
			}
		}},
		{"2 tokens: string expires_in, cached, right kind per call", func(t *testing.T, e *env) {
			for i := 0; i < 3; i++ {
				if _, err := e.client.ListCustomerAgreements(ctx(t), custCurrent); err != nil {
					t.Fatal(err)
				}
				if _, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "X", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"}); err != nil {
					t.Fatal(err)
				}
			}
			recs := e.sim.Requests()
			if r, c := tokenRequests(recs, "refresh_token"), tokenRequests(recs, "client_credentials"); r != 1 || c != 1 {
				t.Fatalf("token requests: refresh=%d client_credentials=%d", r, c)
			}
			for _, r := range apiRequests(recs) {
				want := pcsim.KindAppUser
				if strings.Contains(r.Path, "attestations") {
					want = pcsim.KindAppOnly
				}
				if r.TokenKind != want || r.Status >= 300 {
					t.Fatalf("%s %s used %s (status %d)", r.Method, r.Path, r.TokenKind, r.Status)
				}
			}
		}},
		{"2 revoked refresh token: invalid_grant", func(t *testing.T, e *env) {
			e.sim.RevokeRefreshTokens(partnerID)
			err := e.client.CheckCredentials(ctx(t))
			pe := wantKind(t, err, pc.KindInvalidGrant)
			if pe.Retryable() || pe.StatusCode != 400 || pe.Code != "invalid_grant" {
				t.Fatalf("%+v", pe)
			}
			if n := tokenRequests(e.sim.Requests(), "refresh_token"); n > 2 {
				t.Fatalf("invalid_grant retried %d times", n)
			}
		}},
	}
	for vname, v := range variants {
		t.Run(vname, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					e := newEnv(t)
					e.sim.SetWireVariants(v)
					c.run(t, e)
				})
			}
		})
	}
}

// clientFor makes a client for another seeded partner (static credentials).
func (e *env) clientFor(tenant, id, secret, rt string) *pc.Client {
	cfg := e.cfg
	cfg.TenantID = tenant
	cfg.Credentials = pc.NewStaticCredentialStore(pc.Credentials{ClientID: id, ClientSecret: secret, RefreshToken: rt})
	c, err := pc.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// rawGET calls the simulator directly with an App+User token of the partner.
func rawGET(t *testing.T, e *env, path string) string {
	t.Helper()
	tok := rawToken(t, e, partnerID, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {clientSec}, "refresh_token": {e.sim.CurrentRefreshToken(partnerID)}, "resource": {pcsim.Resource}})
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.sim.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func rawToken(t *testing.T, e *env, tenant string, form url.Values) string {
	t.Helper()
	resp, err := e.sim.HTTPClient().PostForm(e.url+"/"+tenant+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ta struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   any    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ta); err != nil || ta.AccessToken == "" {
		t.Fatalf("token: %v %d", err, resp.StatusCode)
	}
	if _, isString := ta.ExpiresIn.(string); !isString {
		t.Fatalf("expires_in is %T, the contract says string", ta.ExpiresIn)
	}
	return ta.AccessToken
}
