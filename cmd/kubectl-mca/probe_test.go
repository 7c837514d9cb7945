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
	needCluster(t)
	s := newSim(t, "probe-plain", "f2000000-0000-4000-8000-000000000001", probeFleet(), &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}, pcsim.Options{})
	out, stderr, err := run(tctx(t), s.caFile, "probe", "--partner-tenant", s.pt, "--attest")
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
	noSecrets(t, s, out+stderr)
	if len(s.Attestations()) != 1 {
		t.Errorf("%d attestations started, want 1", len(s.Attestations()))
	}
}

// noSecrets: no token, secret, refresh token or link in the output.
func noSecrets(t *testing.T, s *sim, out string) {
	t.Helper()
	for _, secret := range append(s.IssuedSecrets(s.tenant), testClientSecret, testRefreshToken, "https://", "/attest/") {
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
			noSecrets(t, s, out+stderr)
		})
	}
}
