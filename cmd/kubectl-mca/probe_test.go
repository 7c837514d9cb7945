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
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// probeFleet: five customers, the first two with an MCA record.
func probeFleet() []pcsim.SeedCustomer {
	cs, _, _ := fleet(5)
	return cs
}

// TestProbeMatchesSimulator: against the simulator as modeled, every check matches (with
// --attest too), the exit is 0 and nothing secret is printed.
func TestProbeMatchesSimulator(t *testing.T) {
	o := newOffline(t, "probe-plain", probeFleet(), map[string]string{v1alpha1.AnnotationIntegrationSandbox: "true"})
	out, stderr, err := o.run(tctx(t), "", false, append([]string{"probe", "--partner-tenant", o.pt}, probeAttestFlags...)...)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, " 0 differ") || strings.Contains(out, resultDiffers) {
		t.Errorf("differences against the modeled simulator:\n%s", out)
	}
	for _, c := range []string{"token App+User", "token App-only", "metadata: envelope", "customers: next page", "agreements: envelope", "agreements: record fields", "direct acceptance: isSigned", "document: fields", "error body: code", "enhanced start: acceptanceLink", "enhanced get: status word", "create before acceptance"} {
		if !strings.Contains(out, c) {
			t.Errorf("no check %q:\n%s", c, out)
		}
	}
	noSecrets(t, o.Server, offlineTenantID, out+stderr)
	if len(o.Attestations()) != 1 {
		t.Errorf("%d attestations started, want 1", len(o.Attestations()))
	}
}

// probeAttestFlags: --attest with everything it needs, confirmed.
var probeAttestFlags = []string{"--attest", "--customer", "e0000000-0000-4000-8000-000000000000", "--company", "Contoso Ltd",
	"--signatory-first-name", "Ada", "--signatory-last-name", "Lovelace", "--signatory-email", "ada@contoso.example", "--yes-i-am-attesting"}

// TestProbeAttestIsDeliberate: probe --attest sends nothing unless the PartnerTenant is marked as
// the integration sandbox, the customer, company and a valid signatory are given and the act is
// confirmed (by flag, or by typing yes at a prompt that shows what will be sent).
func TestProbeAttestIsDeliberate(t *testing.T) {
	sandbox := map[string]string{v1alpha1.AnnotationIntegrationSandbox: "true"}
	without := func(flag string, hasValue bool) []string {
		var out []string
		for i := 0; i < len(probeAttestFlags); i++ {
			if probeAttestFlags[i] == flag {
				if hasValue {
					i++
				}
				continue
			}
			out = append(out, probeAttestFlags[i])
		}
		return out
	}
	with := func(flag, value string) []string {
		out := without(flag, true)
		return append(out, flag, value)
	}
	for _, c := range []struct {
		name        string
		annotations map[string]string
		flags       []string
		terminal    bool
		in          string
		want        string // in the error; "" for an attestation sent
		prompt      bool
	}{
		{"not a sandbox", nil, probeAttestFlags, false, "", "is not marked as the integration sandbox", false},
		{"sandbox annotation not true", map[string]string{v1alpha1.AnnotationIntegrationSandbox: "false"}, probeAttestFlags, false, "", "is not marked as the integration sandbox", false},
		{"no customer", sandbox, without("--customer", true), false, "", "--attest needs --customer", false},
		{"no company", sandbox, without("--company", true), false, "", "--attest needs --customer (the customer tenant id) and --company", false},
		{"customer not a GUID", sandbox, with("--customer", "contoso"), false, "", `--customer "contoso" is not a customer tenant id`, false},
		{"no signatory", sandbox, without("--signatory-email", true), false, "", "an email address that spec.signatory does not accept", false},
		{"signatory name with a newline", sandbox, with("--signatory-first-name", "Ada\nEvil"), false, "", "a first name that spec.signatory does not accept", false},
		{"no confirmation, no terminal", sandbox, without("--yes-i-am-attesting", false), false, "", "confirm with --yes-i-am-attesting", false},
		{"prompt refused", sandbox, without("--yes-i-am-attesting", false), true, "no\n", "not confirmed: nothing was sent", true},
		{"prompt confirmed", sandbox, without("--yes-i-am-attesting", false), true, "yes\n", "", true},
		{"confirmed by flag", sandbox, probeAttestFlags, false, "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := newOffline(t, "probe-attest", probeFleet(), c.annotations)
			out, stderr, err := o.run(tctx(t), c.in, c.terminal, append([]string{"probe", "--partner-tenant", o.pt}, c.flags...)...)
			started := 0
			for _, r := range o.Requests() {
				if r.Method == "POST" && !strings.HasSuffix(r.Path, "/oauth2/token") {
					started++
				}
			}
			if c.want == "" {
				if err != nil || len(o.Attestations()) != 1 {
					t.Fatalf("err %v, %d attestations; want one sent\n%s\n%s", err, len(o.Attestations()), out, stderr)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.want) || started != 0 || len(o.Attestations()) != 0 {
				t.Fatalf("err %v (want %q), %d writes to Partner Center (want none)\n%s\n%s", err, c.want, started, out, stderr)
			}
			shown := strings.Contains(stderr, "This starts an enhanced attestation, a legal act") &&
				strings.Contains(stderr, "companyName: Contoso Ltd") && strings.Contains(stderr, "signatoryEmail: ada@contoso.example") &&
				strings.Contains(stderr, "/v1/customers/e0000000-0000-4000-8000-000000000000/agreements")
			if shown != c.prompt {
				t.Errorf("prompt shown %t, want %t:\n%s", shown, c.prompt, stderr)
			}
		})
	}
}

// noSecrets: no token, secret, refresh token or link in the output.
func noSecrets(t *testing.T, s *pcsim.Server, tenant, out string) {
	t.Helper()
	for _, secret := range append(s.IssuedSecrets(tenant), testClientSecret, testRefreshToken, "https://", "/attest/") {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("the output shows a secret or link (%.12s...):\n%s", secret, out)
		}
	}
}

// TestProbeReportsWireVariants: against each wire variant of the simulator the probe names the
// check that differs and what the answer was, and exits with 2.
func TestProbeReportsWireVariants(t *testing.T) {
	needCluster(t)
	for _, c := range []struct {
		name    string
		variant pcsim.WireVariants
		check   string
		actual  string
	}{
		{"bare arrays (metadata)", pcsim.WireVariants{BareArrays: true}, "metadata: envelope", "bare array"},
		{"bare arrays (agreements)", pcsim.WireVariants{BareArrays: true}, "agreements: envelope", "bare array"},
		{"string codes", pcsim.WireVariants{StringCodes: true}, "error body: code", "a JSON string (900404)"},
		{"metadata type field", pcsim.WireVariants{MetadataTypeField: "type"}, "metadata: type field", "fields agreementLink, templateId, type, versionRank"},
		{"zoned timestamps", pcsim.WireVariants{ZonedTimestamps: true}, "agreements: dateAgreed", "with a zone suffix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptName := "probe-" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(c.name, " ", "-"), "(", ""), ")", "")
			s := newSim(t, ptName, "f2000000-0000-4000-8000-000000000002", probeFleet(), nil, pcsim.Options{})
			s.SetWireVariants(c.variant)
			out, stderr, err := run(tctx(t), s.caFile, "probe", "--partner-tenant", s.pt, "-o", "json")
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 2 {
				t.Fatalf("err %v, want exit 2\n%s\n%s", err, out, stderr)
			}
			var rep ProbeReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			found := false
			for _, ch := range rep.Checks {
				if ch.Check == c.check {
					found = true
					if ch.Result != resultDiffers || ch.Actual != c.actual {
						t.Errorf("%s: %s %q, want DIFFERS %q", c.check, ch.Result, ch.Actual, c.actual)
					}
				}
			}
			if !found || rep.Differences == 0 {
				t.Errorf("check %q not reported:\n%s", c.check, out)
			}
			noSecrets(t, s.Server, s.tenant, out+stderr)
		})
	}
}

// TestProbeEscapesServerText: field names and codes the server chose reach the report only with
// their control characters escaped, so an answer cannot drive the terminal that shows it.
func TestProbeEscapesServerText(t *testing.T) {
	const hostile = "\x1b]0;pwned\x07\x1b[2J\r\u202e"
	o := newOffline(t, "probe-escape", probeFleet(), nil)
	o.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		var v any
		switch {
		case r.URL.Path == "/v1/agreements":
			v = map[string]any{"totalCount": 1, "items": []any{map[string]any{hostile + "type": "MicrosoftCustomerAgreement", "templateId": "117a77b0-9360-443b-8795-c6dedc750cf9"}}}
		case strings.HasSuffix(r.URL.Path, "/directSignedMicrosoftCustomerAgreementStatus"):
			v = map[string]any{hostile: true}
		case strings.HasPrefix(r.URL.Path, "/v1/customers/") && strings.HasSuffix(r.URL.Path, "/agreements") && !strings.HasPrefix(r.URL.Path, "/v1/customers/e0000000"):
			w.WriteHeader(http.StatusNotFound)
			v = map[string]any{"code": hostile, "description": "unknown customer"}
		default:
			return false
		}
		writeJSON(t, w, v)
		return true
	}
	for _, output := range []string{"", "json"} {
		out, stderr, err := o.run(tctx(t), "", false, "probe", "--partner-tenant", o.pt, "-o", output)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Fatalf("-o %q: err %v, want exit 2\n%s\n%s", output, err, out, stderr)
		}
		if strings.ContainsAny(out+stderr, "\x1b\x07\r\u202e") {
			t.Errorf("-o %q: the report holds the server's control characters raw:\n%q", output, out)
		}
		if output == "" && (!strings.Contains(out, `\x1b]0;pwned\a`) || !strings.Contains(out, `\u202e`)) {
			t.Errorf("the report does not show the server's text escaped:\n%s", out)
		}
	}
}
