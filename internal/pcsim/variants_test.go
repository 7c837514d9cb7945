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
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// enh is a valid start body; extra fields are added (a nil value deletes).
func enh(extra map[string]any) map[string]any {
	b := map[string]any{"companyName": "Contoso Ltd", "country": "US", "language": "en-US", "signatoryFirstName": "Ada", "signatoryLastName": "Lovelace", "signatoryEmail": "ada@contoso.example"}
	for k, v := range extra {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

func startAtt(t *testing.T, s *Server, u, app string, body map[string]any) (int, map[string]any) {
	t.Helper()
	st, _, m := call(t, s, http.MethodPost, u+"/v1/attestations/enhanced", app, newUUID(), body)
	return st, m
}

func getAtt(t *testing.T, s *Server, u, app, id string) (int, http.Header, map[string]any) {
	t.Helper()
	return call(t, s, http.MethodGet, u+"/v1/attestations/enhanced/"+id, app, "", nil)
}

func createFrom(t *testing.T, s *Server, u, app, customer, id string) (int, map[string]any) {
	t.Helper()
	st, _, m := call(t, s, http.MethodPost, u+"/v1/customers/"+customer+"/agreements", app, newUUID(), map[string]any{"attestationId": id, "templateId": TemplateMCA, "type": AgreementTypeMCA})
	return st, m
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(ks ...string) []string { sort.Strings(ks); return ks }

func TestAttestationGetMissing(t *testing.T) {
	for _, c := range []struct {
		variant string
		status  int
		code    float64
		allow   string
	}{
		{AttestationGetServed, http.StatusOK, 0, ""},
		{AttestationGet404, http.StatusNotFound, simCodeNotFound, ""},
		{AttestationGet405, http.StatusMethodNotAllowed, simCodeMethodNotAllowed, "POST"},
	} {
		t.Run("variant="+c.variant, func(t *testing.T) {
			s, u := start(t, Options{})
			s.SetWireVariants(WireVariants{AttestationGet: c.variant})
			app := appOnly(t, s, u)
			st, m := startAtt(t, s, u, app, enh(nil))
			if st != http.StatusCreated {
				t.Fatalf("start: %d %v", st, m)
			}
			id := m["attestationId"].(string)
			st, h, m := getAtt(t, s, u, app, id)
			if st != c.status || h.Get("Allow") != c.allow {
				t.Fatalf("GET: %d Allow=%q %v; want %d Allow=%q", st, h.Get("Allow"), m, c.status, c.allow)
			}
			if c.variant == AttestationGetServed {
				if m["attestationId"] != id || m["status"] != StatusLinkGenerated {
					t.Fatalf("GET: %v", m)
				}
				return
			}
			if m["code"] != c.code || m["description"] == "" || m["attestationId"] != nil || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("GET body %v (%s)", m, h.Get("Content-Type"))
			}
			// Every id, and without a token: the endpoint does not exist.
			for _, tok := range []string{app, "", "bogus"} {
				for _, other := range []string{id, newUUID(), "x"} {
					if st, h, _ := getAtt(t, s, u, tok, other); st != c.status || h.Get("Allow") != c.allow {
						t.Fatalf("GET %s with token %q: %d Allow=%q", other, tok, st, h.Get("Allow"))
					}
				}
			}
			// The rest of the flow is untouched and the GETs are counted.
			if err := s.Accept(id); err != nil {
				t.Fatal(err)
			}
			if st, m := createFrom(t, s, u, app, cNoMCA, id); st != http.StatusCreated {
				t.Fatalf("create: %d %v", st, m)
			}
			gets := 0
			for _, r := range s.Requests() {
				if r.Method == http.MethodGet && strings.HasPrefix(r.Path, enhancedPrefix) {
					gets++
					if r.Status != c.status {
						t.Fatalf("logged %d", r.Status)
					}
				}
			}
			if gets != 10 {
				t.Fatalf("%d GETs logged, want 10", gets)
			}
		})
	}
}

func TestNoAcceptanceLinkAndTemplatedLink(t *testing.T) {
	for _, noLink := range []bool{false, true} {
		s, u := start(t, Options{})
		s.SetWireVariants(WireVariants{NoAcceptanceLink: noLink})
		app := appOnly(t, s, u)
		_, m := startAtt(t, s, u, app, enh(nil))
		id := m["attestationId"].(string)
		_, _, g := getAtt(t, s, u, app, id)
		for what, ans := range map[string]map[string]any{"start": m, "GET": g} {
			link, has := ans["acceptanceLink"]
			if has == noLink {
				t.Fatalf("NoAcceptanceLink=%v: %s answer has acceptanceLink=%v: %v", noLink, what, has, ans)
			}
			if has && link != u+"/attest/"+id {
				t.Fatalf("%s link %v", what, link)
			}
		}
		// A link built from a template, with query parameters the page does
		// not know (an attestationId among them must not override the path).
		link := u + "/attest/" + id + "?lang=de-DE&country=DE&attestationId=" + newUUID() + "&utm_source=mail"
		resp, err := s.HTTPClient().Get(link)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`action="/attest/`+id+`"`)) || !bytes.Contains(page, []byte("Contoso Ltd")) {
			t.Fatalf("page with query: %d\n%s", resp.StatusCode, page)
		}
		if err := AcceptThroughPage(s.HTTPClient(), link); err != nil {
			t.Fatal(err)
		}
		if a, _ := s.Attestation(id); a.Status != StatusCustomerAccepted {
			t.Fatalf("status %s after accepting through a link with a query", a.Status)
		}
		if _, _, g := getAtt(t, s, u, app, id); g["status"] != StatusCustomerAccepted || g["acceptedAt"] == nil {
			t.Fatalf("GET after accept: %v", g)
		}
	}
}

func TestStatusWords(t *testing.T) {
	for _, c := range []struct {
		variant                            string
		generated, accepted, expired, done string
	}{
		{StatusWordsDefault, "LinkGenerated", "CustomerAccepted", "Expired", "AgreementCreated"},
		{StatusWordsLower, "linkgenerated", "customeraccepted", "expired", "agreementcreated"},
		{StatusWordsIntegrator, "linkgenerated", "customeraccepted", "linkexpired", "agreementcreated"},
		{StatusWordsUpper, "LINKGENERATED", "CUSTOMERACCEPTED", "EXPIRED", "AGREEMENTCREATED"},
		{StatusWordsUnknown, "PendingReview", "CustomerAccepted", "Expired", "AgreementCreated"},
	} {
		t.Run("variant="+c.variant, func(t *testing.T) {
			clk := &fakeClock{t: time.Now()}
			s, u := start(t, Options{Now: clk.Now, TokenTTL: 48 * time.Hour})
			s.SetWireVariants(WireVariants{StatusWords: c.variant})
			app := appOnly(t, s, u)
			st, m := startAtt(t, s, u, app, enh(nil))
			if st != http.StatusCreated || m["status"] != c.generated {
				t.Fatalf("start: %d status %v, want %s", st, m["status"], c.generated)
			}
			id := m["attestationId"].(string)
			if _, _, g := getAtt(t, s, u, app, id); g["status"] != c.generated {
				t.Fatalf("GET: %v, want %s", g["status"], c.generated)
			}
			if err := s.Accept(id); err != nil {
				t.Fatal(err)
			}
			if _, _, g := getAtt(t, s, u, app, id); g["status"] != c.accepted {
				t.Fatalf("GET after accept: %v, want %s", g["status"], c.accepted)
			}
			if st, m := createFrom(t, s, u, app, cNoMCA, id); st != http.StatusCreated {
				t.Fatalf("create: %d %v", st, m)
			}
			if _, _, g := getAtt(t, s, u, app, id); g["status"] != c.done {
				t.Fatalf("GET after create: %v, want %s", g["status"], c.done)
			}
			_, m = startAtt(t, s, u, app, enh(map[string]any{"expirationTime": 5}))
			id2 := m["attestationId"].(string)
			clk.Advance(5 * time.Minute)
			if _, _, g := getAtt(t, s, u, app, id2); g["status"] != c.expired {
				t.Fatalf("GET after expiry: %v, want %s", g["status"], c.expired)
			}
			// Stored statuses stay canonical whatever the wire says.
			if a, _ := s.Attestation(id2); a.Status != StatusExpired {
				t.Fatalf("stored %s", a.Status)
			}
		})
	}
}

func TestExpiryFieldAndNoEcho(t *testing.T) {
	expiryNames := []string{"expiresAt", "expirationTime", "expirationDateTime"}
	echo := []string{"companyName", "country", "language", "signatoryFirstName", "signatoryLastName", "signatoryEmail", "signatoryPhoneNumber"}
	for _, c := range []struct {
		v     WireVariants
		field string // "" = none
	}{
		{WireVariants{}, "expiresAt"},
		{WireVariants{ExpiryField: ExpiryFieldExpiresAt}, "expiresAt"},
		{WireVariants{ExpiryField: ExpiryFieldExpirationTime}, "expirationTime"},
		{WireVariants{ExpiryField: ExpiryFieldExpirationDateTime}, "expirationDateTime"},
		{WireVariants{ExpiryField: ExpiryFieldNone}, ""},
		{WireVariants{NoEcho: true}, "expiresAt"},
		{WireVariants{NoEcho: true, NoAcceptanceLink: true, ExpiryField: ExpiryFieldNone}, ""},
	} {
		clk := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		s, u := start(t, Options{Now: clk.Now, LinkTTL: 90 * time.Minute})
		s.SetWireVariants(c.v)
		app := appOnly(t, s, u)
		_, m := startAtt(t, s, u, app, enh(map[string]any{"signatoryPhoneNumber": "4255550100"}))
		id := m["attestationId"].(string)
		want := []string{"attestationId", "status"}
		if !c.v.NoAcceptanceLink {
			want = append(want, "acceptanceLink")
		}
		if c.field != "" {
			want = append(want, c.field)
		}
		if !c.v.NoEcho {
			want = append(want, echo...)
		}
		check := func(what string, ans map[string]any, want []string) {
			t.Helper()
			if got := keysOf(ans); !reflect.DeepEqual(got, sorted(want...)) {
				t.Fatalf("%+v %s: fields %v, want %v", c.v, what, got, sorted(want...))
			}
			for _, f := range expiryNames {
				if f != c.field && ans[f] != nil {
					t.Fatalf("%+v %s: unexpected %s", c.v, what, f)
				}
			}
			if c.field != "" {
				if ans[c.field] != "2026-03-01T13:30:00Z" {
					t.Fatalf("%+v %s: %s=%v", c.v, what, c.field, ans[c.field])
				}
			}
			if !c.v.NoEcho && (ans["companyName"] != "Contoso Ltd" || ans["signatoryPhoneNumber"] != "4255550100") {
				t.Fatalf("%+v %s: echo %v", c.v, what, ans)
			}
		}
		check("start", m, want)
		_, _, g := getAtt(t, s, u, app, id)
		check("GET", g, want)
		clk.Advance(time.Minute)
		if err := s.Accept(id); err != nil {
			t.Fatal(err)
		}
		_, _, g = getAtt(t, s, u, app, id)
		check("GET after accept", g, append(slices.Clone(want), "acceptedAt"))
		if g["acceptedAt"] != "2026-03-01T12:01:00Z" {
			t.Fatalf("acceptedAt %v", g["acceptedAt"])
		}
	}
}

func TestStartExpirationTime(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s, u := start(t, Options{Now: clk.Now, LinkTTL: 3 * time.Hour, TokenTTL: 30 * 24 * time.Hour})
	app := appOnly(t, s, u)
	for _, c := range []struct {
		value   any // nil = absent
		minutes int
		ttl     time.Duration
	}{
		{nil, 0, 3 * time.Hour},
		{5, 5, 5 * time.Minute},
		{60.0, 60, time.Hour},
		{10080, 10080, 7 * 24 * time.Hour},
	} {
		body := enh(nil)
		if c.value != nil {
			body["expirationTime"] = c.value
		}
		st, m := startAtt(t, s, u, app, body)
		if st != http.StatusCreated {
			t.Fatalf("expirationTime %v: %d %v", c.value, st, m)
		}
		a, _ := s.Attestation(m["attestationId"].(string))
		if a.Lifetime != c.ttl || a.RequestedMinutes != c.minutes || !a.ExpiresAt.Equal(clk.Now().Add(c.ttl)) {
			t.Fatalf("expirationTime %v: lifetime %v requested %d expires %v", c.value, a.Lifetime, a.RequestedMinutes, a.ExpiresAt)
		}
		if m["expiresAt"] != clk.Now().Add(c.ttl).Format(time.RFC3339) {
			t.Fatalf("expirationTime %v: expiresAt %v", c.value, m["expiresAt"])
		}
	}
	// The requested lifetime is the one that counts.
	_, m := startAtt(t, s, u, app, enh(map[string]any{"expirationTime": 5}))
	short := m["attestationId"].(string)
	clk.Advance(5*time.Minute - time.Second)
	if err := s.Accept(short); err != nil {
		t.Fatalf("accept within 5 minutes: %v", err)
	}
	_, m = startAtt(t, s, u, app, enh(map[string]any{"expirationTime": 5}))
	short = m["attestationId"].(string)
	clk.Advance(5 * time.Minute)
	if err := s.Accept(short); !errors.Is(err, ErrLinkExpired) {
		t.Fatalf("accept after 5 minutes: %v", err)
	}
	for _, bad := range []any{4, 0, -5, 10081, 60.5, "60", true} {
		st, m := startAtt(t, s, u, app, enh(map[string]any{"expirationTime": bad}))
		desc, _ := m["description"].(string)
		if st != http.StatusBadRequest || !strings.Contains(desc, "expirationTime") || !strings.Contains(desc, "5 to 10080") {
			t.Fatalf("expirationTime %#v: %d %v", bad, st, m)
		}
	}
	started := s.AttestationsStarted(pid)
	if len(started) != 6 || started[0].RequestedMinutes != 0 || started[1].RequestedMinutes != 5 || started[3].RequestedMinutes != 10080 {
		t.Fatalf("AttestationsStarted: %+v", started)
	}
	if n := len(s.AttestationsStarted("22222222-2222-2222-2222-222222222222")); n != 0 {
		t.Fatalf("another partner has %d", n)
	}
	starts := s.EnhancedStarts(pid)
	if len(starts) != 13 || starts[12].Status != http.StatusBadRequest || starts[12].ExpirationTime != "true" || starts[12].AttestationID != "" {
		t.Fatalf("EnhancedStarts: %d %+v", len(starts), starts[len(starts)-1])
	}
}

func TestStartPhoneNumber(t *testing.T) {
	s, u := start(t, Options{})
	app := appOnly(t, s, u)
	for _, c := range []struct {
		phone          any // absent when "absent"
		status         int
		present, empty bool
	}{
		{"absent", http.StatusCreated, false, false},
		{"4255550100", http.StatusCreated, true, false},
		{"", http.StatusBadRequest, true, true},
		{"  ", http.StatusBadRequest, true, true},
	} {
		body := enh(nil)
		if c.phone != "absent" {
			body["signatoryPhoneNumber"] = c.phone
		}
		st, m := startAtt(t, s, u, app, body)
		if st != c.status {
			t.Fatalf("phone %#v: %d %v", c.phone, st, m)
		}
		if c.empty {
			if desc, _ := m["description"].(string); !strings.Contains(desc, "signatoryPhoneNumber") || m["code"] != float64(simCodeInvalidRequest) {
				t.Fatalf("phone %#v: %v", c.phone, m)
			}
		}
		starts := s.EnhancedStarts(pid)
		last := starts[len(starts)-1]
		if last.PhoneNumberPresent != c.present || last.PhoneNumberEmpty != c.empty || last.Status != c.status || slices.Contains(last.Fields, "signatoryPhoneNumber") != c.present {
			t.Fatalf("phone %#v: recorded %+v", c.phone, last)
		}
		if st == http.StatusCreated {
			a, _ := s.Attestation(m["attestationId"].(string))
			if a.PhoneNumberSent != c.present || last.AttestationID != a.ID {
				t.Fatalf("phone %#v: attestation %+v", c.phone, a)
			}
		}
	}
	// A replayed start (same MS-RequestId) is not a new start.
	n := len(s.EnhancedStarts(""))
	for range 2 {
		if st, _, _ := call(t, s, http.MethodPost, u+"/v1/attestations/enhanced", app, "same-rid", enh(nil)); st != http.StatusCreated {
			t.Fatal(st)
		}
	}
	if got := len(s.EnhancedStarts("")); got != n+1 {
		t.Fatalf("%d starts after a replay, want %d", got, n+1)
	}
}

func TestCreateFromAttestationErrors(t *testing.T) {
	for _, c := range []struct {
		variant          string
		pendingStatus    int
		pendingCode      float64
		pendingName      string
		acceptedStatus   int
		expiredCode      float64
		unknownIDStatus  int
		unknownIDCodeNum float64
	}{
		{CreateErrorDefault, 400, 600062, "AttestationNotAccepted", 201, 600063, 404, simCodeNotFound},
		{CreateErrorUnknownBeforeAcceptance, 400, 600099, "AttestationPending", 201, 600063, 404, simCodeNotFound},
		{CreateErrorUnknownAlways, 422, 600098, "UnsupportedAttestation", 422, 600098, 422, 600098},
	} {
		t.Run("variant="+c.variant, func(t *testing.T) {
			clk := &fakeClock{t: time.Now()}
			s, u := start(t, Options{Now: clk.Now, TokenTTL: 48 * time.Hour})
			s.SetWireVariants(WireVariants{CreateFromAttestationError: c.variant})
			app := appOnly(t, s, u)
			_, m := startAtt(t, s, u, app, enh(nil))
			id := m["attestationId"].(string)
			st, m := createFrom(t, s, u, app, cNoMCA, id)
			if st != c.pendingStatus || m["code"] != c.pendingCode || m["errorName"] != c.pendingName || m["description"] == "" {
				t.Fatalf("before acceptance: %d %v", st, m)
			}
			if c.variant == CreateErrorUnknownBeforeAcceptance && m["description"] != "The attestation is not complete." {
				t.Fatalf("description %v", m["description"])
			}
			if c.variant == CreateErrorUnknownAlways && m["description"] != "Unsupported attestation" {
				t.Fatalf("description %v", m["description"])
			}
			if err := s.Accept(id); err != nil {
				t.Fatal(err)
			}
			if st, m := createFrom(t, s, u, app, cNoMCA, id); st != c.acceptedStatus || (st != 201 && m["code"] != c.pendingCode) {
				t.Fatalf("after acceptance: %d %v", st, m)
			}
			_, m = startAtt(t, s, u, app, enh(map[string]any{"signatoryEmail": "other@contoso.example", "expirationTime": 5}))
			expired := m["attestationId"].(string)
			clk.Advance(6 * time.Minute)
			st, m = createFrom(t, s, u, app, cNoMCA, expired)
			wantName := "AttestationExpired"
			if c.variant == CreateErrorUnknownAlways {
				wantName = "UnsupportedAttestation"
			}
			if st != c.pendingStatus || m["code"] != c.expiredCode || m["errorName"] != wantName {
				t.Fatalf("expired: %d %v", st, m)
			}
			if st, m := createFrom(t, s, u, app, cNoMCA, newUUID()); st != c.unknownIDStatus || m["code"] != c.unknownIDCodeNum {
				t.Fatalf("unknown id: %d %v", st, m)
			}
			want := 0
			if c.acceptedStatus == 201 {
				want = 1
			}
			if n := len(s.CustomerAgreements(pid, cNoMCA)); n != want {
				t.Fatalf("%d records, want %d", n, want)
			}
		})
	}
}

func TestCreateErrorsWithStringCodes(t *testing.T) {
	s, u := start(t, Options{})
	s.SetWireVariants(WireVariants{CreateFromAttestationError: CreateErrorUnknownBeforeAcceptance, StringCodes: true})
	app := appOnly(t, s, u)
	_, m := startAtt(t, s, u, app, enh(nil))
	if st, m := createFrom(t, s, u, app, cNoMCA, m["attestationId"].(string)); st != 400 || m["code"] != "600099" {
		t.Fatalf("%d %v", st, m)
	}
}

func TestLegacyRetired(t *testing.T) {
	legacy := func(date string) map[string]any {
		return map[string]any{"primaryContact": map[string]any{"firstName": "Grace", "lastName": "Hopper", "email": "grace@contoso.example"}, "templateId": TemplateMCA, "dateAgreed": date, "type": AgreementTypeMCA}
	}
	path := func(u string) string { return u + "/v1/customers/" + cNoMCA + "/agreements" }
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)

	s, u := start(t, Options{})
	user := appUser(t, s, u)
	if st, _, m := call(t, s, http.MethodPost, path(u), user, newUUID(), legacy(future)); st != 400 || m["code"] != float64(600002) || m["description"] != "Date of agreement cannot be greater than the current date" {
		t.Fatalf("future dateAgreed: %d %v", st, m)
	}
	if st, _, m := call(t, s, http.MethodPost, path(u), user, newUUID(), legacy("2025-01-01T00:00:00Z")); st != 201 {
		t.Fatalf("legacy: %d %v", st, m)
	}
	if st, _, m := call(t, s, http.MethodPost, path(u), user, newUUID(), legacy("2025-02-01T00:00:00Z")); st != 400 || m["code"] != float64(600061) {
		t.Fatalf("duplicate: %d %v", st, m)
	}

	s, u = start(t, Options{})
	s.SetWireVariants(WireVariants{LegacyRetired: true})
	user, app := appUser(t, s, u), appOnly(t, s, u)
	for _, date := range []string{"2025-01-01T00:00:00Z", future} {
		st, _, m := call(t, s, http.MethodPost, path(u), user, newUUID(), legacy(date))
		if st != 400 || m["code"] != float64(600100) || m["errorName"] != "LegacyAttestationRetired" || m["description"] != "The attestation API used was retired on 5 January 2026; use the enhanced attestation." {
			t.Fatalf("retired legacy (%s): %d %v", date, st, m)
		}
	}
	if n := len(s.CustomerAgreements(pid, cNoMCA)); n != 0 {
		t.Fatalf("retired legacy stored %d records", n)
	}
	// The enhanced attestation still works.
	_, m := startAtt(t, s, u, app, enh(nil))
	id := m["attestationId"].(string)
	if err := s.Accept(id); err != nil {
		t.Fatal(err)
	}
	if st, m := createFrom(t, s, u, app, cNoMCA, id); st != 201 {
		t.Fatalf("enhanced under LegacyRetired: %d %v", st, m)
	}
}

func TestWireVariantsValidatedAndOverHTTP(t *testing.T) {
	s, u := start(t, Options{})
	for _, v := range []WireVariants{{StatusWords: "Lower"}, {ExpiryField: "expires"}, {AttestationGet: "410"}, {CreateFromAttestationError: "unknown"}, {MetadataTypeField: "kind"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetWireVariants(%+v) did not panic", v)
				}
			}()
			s.SetWireVariants(v)
		}()
	}
	if s.WireVariants() != (WireVariants{}) {
		t.Fatalf("a refused value changed the variants: %+v", s.WireVariants())
	}
	post := func(body string) int {
		resp, err := s.HTTPClient().Post(u+"/_sim/variants", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(`{"statusWords":"Lower"}`); st != 400 {
		t.Fatalf("bad value over HTTP: %d", st)
	}
	if st := post(`{"statusWord":"lower"}`); st != 400 {
		t.Fatalf("unknown field over HTTP: %d", st)
	}
	if st := post(`{"statusWords":"integrator","attestationGet":"405","noAcceptanceLink":true,"expiryField":"none","noEcho":true,"createFromAttestationError":"unknownAlways","legacyRetired":true}`); st != 200 {
		t.Fatalf("good value over HTTP: %d", st)
	}
	want := WireVariants{StatusWords: StatusWordsIntegrator, AttestationGet: AttestationGet405, NoAcceptanceLink: true, ExpiryField: ExpiryFieldNone, NoEcho: true, CreateFromAttestationError: CreateErrorUnknownAlways, LegacyRetired: true}
	if got := s.WireVariants(); got != want {
		t.Fatalf("variants %+v, want %+v", got, want)
	}
}
