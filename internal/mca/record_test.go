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

package mca

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/bits"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestRecordName(t *testing.T) {
	for _, tc := range []struct {
		pt   string
		seq  int64
		want string
	}{
		{"direct-bill", 1, "atr-" + shortSum("direct-bill") + "-0000000001"},
		{"direct-bill", 1234567890, "atr-" + shortSum("direct-bill") + "-1234567890"},
		{strings.Repeat("p", 253), 42, "atr-" + shortSum(strings.Repeat("p", 253)) + "-0000000042"},
	} {
		got := RecordName(tc.pt, tc.seq)
		if got != tc.want {
			t.Errorf("RecordName(%q, %d) = %q, want %q", tc.pt, tc.seq, got, tc.want)
		}
		if len(got) > 63 {
			t.Errorf("RecordName(%q, %d) is %d characters", tc.pt, tc.seq, len(got))
		}
	}
	// Names sort in the order of the chain.
	if !(RecordName("a", 9) < RecordName("a", 10)) {
		t.Error("record names do not sort by sequence")
	}
}

func shortSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

func baseSpec() v1alpha1.AttestationRecordSpec {
	return v1alpha1.AttestationRecordSpec{
		PartnerTenant:     v1alpha1.RecordPartnerTenant{Name: "direct-bill", TenantID: "11111111-1111-1111-1111-111111111111"},
		CustomerTenantID:  "aaaaaaaa-0000-0000-0000-000000000005",
		CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: "customers", Name: "wide-world", UID: "u-1", Generation: 2},
		Act:               v1alpha1.ActStartAttestation,
		RequestID:         "6f1f8a52-0000-4000-8000-000000000001",
		RequestBody:       `{"companyName":"Wide World <Importers>"}`,
		RequestBodySHA256: "ab",
		RequestedBy:       v1alpha1.RequestedBy{Username: "alice", UID: "alice-uid", FieldManager: "kubectl"},
		Sequence:          2,
		Previous:          &v1alpha1.RecordLink{Name: "atr-x-0000000001", Digest: "sha256:00"},
		RetainUntil:       metav1.NewTime(time.Date(2033, 1, 2, 3, 4, 5, 0, time.UTC)),
	}
}

func TestCanonicalRecordSpec(t *testing.T) {
	s := baseSpec()
	want := `mca-attestation-record/v1
partnerTenant.name="direct-bill"
partnerTenant.tenantId="11111111-1111-1111-1111-111111111111"
customerTenantId="aaaaaaaa-0000-0000-0000-000000000005"
customerAgreement.namespace="customers"
customerAgreement.name="wide-world"
customerAgreement.uid="u-1"
customerAgreement.generation=2
act="StartAttestation"
requestId="6f1f8a52-0000-4000-8000-000000000001"
requestBody="{\"companyName\":\"Wide World <Importers>\"}"
requestBodySHA256="ab"
requestedBy.username="alice"
requestedBy.uid="alice-uid"
requestedBy.fieldManager="kubectl"
sequence=2
previous.name="atr-x-0000000001"
previous.digest="sha256:00"
retainUntil="2033-01-02T03:04:05Z"
`
	if got := string(CanonicalRecordSpec(&s)); got != want {
		t.Errorf("CanonicalRecordSpec =\n%s\nwant\n%s", got, want)
	}
	first := baseSpec()
	first.Previous = nil
	if got := string(CanonicalRecordSpec(&first)); !strings.Contains(got, "previous.name=\"\"\nprevious.digest=\"\"\n") {
		t.Errorf("the first record encodes no previous as empty strings:\n%s", got)
	}
}

func TestRecordDigest(t *testing.T) {
	base := baseSpec()
	d := RecordDigest(&base)
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Fatalf("digest %q is not sha256:<64 hex>", d)
	}
	// A time with sub-second precision digests as the API server will store it.
	frac := baseSpec()
	frac.RetainUntil = metav1.NewTime(base.RetainUntil.Add(300 * time.Millisecond))
	if RecordDigest(&frac) != d {
		t.Error("a fraction of a second the API server drops changes the digest")
	}
	// Every field is covered: changing any one changes the digest.
	for name, change := range map[string]func(*v1alpha1.AttestationRecordSpec){
		"partnerTenant.name":           func(s *v1alpha1.AttestationRecordSpec) { s.PartnerTenant.Name = "x" },
		"partnerTenant.tenantId":       func(s *v1alpha1.AttestationRecordSpec) { s.PartnerTenant.TenantID = "x" },
		"customerTenantId":             func(s *v1alpha1.AttestationRecordSpec) { s.CustomerTenantID = "x" },
		"customerAgreement.namespace":  func(s *v1alpha1.AttestationRecordSpec) { s.CustomerAgreement.Namespace = "x" },
		"customerAgreement.name":       func(s *v1alpha1.AttestationRecordSpec) { s.CustomerAgreement.Name = "x" },
		"customerAgreement.uid":        func(s *v1alpha1.AttestationRecordSpec) { s.CustomerAgreement.UID = "x" },
		"customerAgreement.generation": func(s *v1alpha1.AttestationRecordSpec) { s.CustomerAgreement.Generation = 3 },
		"act":                          func(s *v1alpha1.AttestationRecordSpec) { s.Act = v1alpha1.ActCreateAgreement },
		"requestId":                    func(s *v1alpha1.AttestationRecordSpec) { s.RequestID = "x" },
		"requestBody":                  func(s *v1alpha1.AttestationRecordSpec) { s.RequestBody = "{}" },
		"requestBodySHA256":            func(s *v1alpha1.AttestationRecordSpec) { s.RequestBodySHA256 = "cd" },
		"requestedBy.username":         func(s *v1alpha1.AttestationRecordSpec) { s.RequestedBy.Username = "mallory" },
		"requestedBy.uid":              func(s *v1alpha1.AttestationRecordSpec) { s.RequestedBy.UID = "x" },
		"requestedBy.fieldManager":     func(s *v1alpha1.AttestationRecordSpec) { s.RequestedBy.FieldManager = "x" },
		"requestedBy.gitOps set": func(s *v1alpha1.AttestationRecordSpec) {
			s.RequestedBy.GitOps = &v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsFlux, Kind: "Kustomization", Namespace: "flux-system", Name: "x"}
		},
		"sequence":        func(s *v1alpha1.AttestationRecordSpec) { s.Sequence = 3 },
		"previous.name":   func(s *v1alpha1.AttestationRecordSpec) { s.Previous.Name = "x" },
		"previous.digest": func(s *v1alpha1.AttestationRecordSpec) { s.Previous.Digest = "sha256:01" },
		"previous absent": func(s *v1alpha1.AttestationRecordSpec) { s.Previous = nil },
		"retainUntil": func(s *v1alpha1.AttestationRecordSpec) {
			s.RetainUntil = metav1.NewTime(s.RetainUntil.Add(time.Second))
		},
		// A value cannot move into the next field: the encoding quotes it.
		"a value holding a line break": func(s *v1alpha1.AttestationRecordSpec) {
			s.RequestedBy.Username, s.RequestedBy.UID = "alice\"\nrequestedBy.uid=\"alice-uid", ""
		},
	} {
		s := baseSpec()
		change(&s)
		if RecordDigest(&s) == d {
			t.Errorf("changing %s leaves the digest unchanged", name)
		}
	}
}

// A GitOps origin follows the v1 fields, after approvalRequired; each of its fields is covered.
func TestCanonicalRecordSpecGitOps(t *testing.T) {
	with := func() v1alpha1.AttestationRecordSpec {
		s := baseSpec()
		s.ApprovalRequired = true
		s.RequestedBy.GitOps = &v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsArgoCD, Kind: "Application", Namespace: "argocd",
			Name: "customers", Revision: "4f1c2e9"}
		return s
	}
	s := with()
	want := `retainUntil="2033-01-02T03:04:05Z"
approvalRequired=true
requestedBy.gitOps.tool="ArgoCD"
requestedBy.gitOps.kind="Application"
requestedBy.gitOps.namespace="argocd"
requestedBy.gitOps.name="customers"
requestedBy.gitOps.revision="4f1c2e9"
`
	if got := string(CanonicalRecordSpec(&s)); !strings.HasSuffix(got, want) {
		t.Errorf("CanonicalRecordSpec =\n%s\nwant it to end with\n%s", got, want)
	}
	d := RecordDigest(&s)
	for name, change := range map[string]func(*v1alpha1.GitOpsOrigin){
		"tool":      func(g *v1alpha1.GitOpsOrigin) { g.Tool = v1alpha1.GitOpsFlux },
		"kind":      func(g *v1alpha1.GitOpsOrigin) { g.Kind = "Kustomization" },
		"namespace": func(g *v1alpha1.GitOpsOrigin) { g.Namespace = "x" },
		"name":      func(g *v1alpha1.GitOpsOrigin) { g.Name = "x" },
		"revision":  func(g *v1alpha1.GitOpsOrigin) { g.Revision = "" },
	} {
		c := with()
		change(c.RequestedBy.GitOps)
		if RecordDigest(&c) == d {
			t.Errorf("changing requestedBy.gitOps.%s leaves the digest unchanged", name)
		}
	}
}

func TestRetainUntil(t *testing.T) {
	acted := time.Date(2026, 3, 1, 10, 0, 0, 500, time.UTC)
	for _, tc := range []struct {
		retention time.Duration
		want      time.Time
	}{
		{0, time.Date(2033, 2, 27, 10, 0, 0, 0, time.UTC)}, // 61320h = 2555 days
		{24 * time.Hour, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)},
		{-time.Hour, time.Date(2033, 2, 27, 10, 0, 0, 0, time.UTC)},
	} {
		if got := RetainUntil(acted, tc.retention); !got.Equal(tc.want) {
			t.Errorf("RetainUntil(%v) = %v, want %v", tc.retention, got, tc.want)
		}
	}
}

func TestRedactAttestationID(t *testing.T) {
	id := "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"
	handle := v1alpha1.AttestationHandle(id)
	for _, tc := range []struct {
		name, body, want string
		fails            bool
	}{
		{"the create's body", `{"attestationId":"` + id + `","templateId":"t","type":"MicrosoftCustomerAgreement"}`,
			`{"attestationId":"` + handle + `","templateId":"t","type":"MicrosoftCustomerAgreement"}`, false},
		{"spacing kept", "{ \"attestationId\" : \"" + id + "\" }", "{ \"attestationId\" : \"" + handle + "\" }", false},
		{"no id in the body", `{"companyName":"x"}`, `{"companyName":"x"}`, false},
		{"the id inside a longer string is not redactable", `{"note":"see ` + id + `"}`, "", true},
		{"the id escaped", `{"attestationId":"\u0030f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f","x":"` + id + `x"}`, "", true},
	} {
		got, err := RedactAttestationID([]byte(tc.body), id)
		if (err != nil) != tc.fails {
			t.Errorf("%s: error %v, want failure %v", tc.name, err, tc.fails)
			continue
		}
		if !tc.fails && string(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
	if got, err := RedactAttestationID([]byte(`{"a":"b"}`), ""); err != nil || string(got) != `{"a":"b"}` {
		t.Errorf("no id: %s, %v", got, err)
	}
}

func TestChainHead(t *testing.T) {
	errProbe := errors.New("API server down")
	for _, tc := range []struct {
		name      string
		from      int64
		last      int64 // records from..last exist
		failAt    int64 // a probe of this sequence fails
		want      int64
		wantErr   bool
		maxProbes int
	}{
		{name: "empty chain", last: 0, want: 0, maxProbes: 1},
		{name: "one record", last: 1, want: 1, maxProbes: 3},
		{name: "seven", last: 7, want: 7, maxProbes: 7},
		{name: "100000 records", last: 100000, want: 100000, maxProbes: 2*bits.Len64(100000) + 1},
		{name: "from a known head that did not move", from: 500, last: 500, want: 500, maxProbes: 1},
		{name: "from a known head that moved by one", from: 500, last: 501, want: 501, maxProbes: 3},
		{name: "from a kept first record", from: 90000, last: 100000, want: 100000, maxProbes: 2*bits.Len64(10000) + 1},
		{name: "a probe fails", last: 100, failAt: 3, wantErr: true},
	} {
		probes := 0
		got, err := ChainHead(tc.from, func(n int64) (bool, error) {
			probes++
			if n == tc.failAt {
				return false, errProbe
			}
			return n >= 1 && n <= tc.last, nil
		})
		if tc.wantErr {
			if !errors.Is(err, errProbe) {
				t.Errorf("%s: error %v, want the probe's", tc.name, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: ChainHead = %d, %v; want %d", tc.name, got, err, tc.want)
		}
		if probes > tc.maxProbes {
			t.Errorf("%s: %d probes, want at most %d", tc.name, probes, tc.maxProbes)
		}
	}
}

func TestRecordOutcome(t *testing.T) {
	for status, want := range map[int]v1alpha1.RecordOutcome{
		0: v1alpha1.OutcomeUnknown, 200: v1alpha1.OutcomeSucceeded, 201: v1alpha1.OutcomeSucceeded,
		302: v1alpha1.OutcomeUnknown, 400: v1alpha1.OutcomeRefused, 401: v1alpha1.OutcomeUnknown,
		403: v1alpha1.OutcomeRefused, 404: v1alpha1.OutcomeRefused, 408: v1alpha1.OutcomeUnknown,
		409: v1alpha1.OutcomeRefused, 429: v1alpha1.OutcomeUnknown, 500: v1alpha1.OutcomeUnknown,
		503: v1alpha1.OutcomeUnknown,
	} {
		if got := RecordOutcome(status); got != want {
			t.Errorf("RecordOutcome(%d) = %s, want %s", status, got, want)
		}
	}
}

func TestSpecManager(t *testing.T) {
	at := func(h int) *metav1.Time { t := metav1.NewTime(time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC)); return &t }
	fields := metav1.NewFieldsV1
	spec := `{"f:spec":{"f:companyName":{}}}`
	for _, tc := range []struct {
		name    string
		entries []metav1.ManagedFieldsEntry
		want    string
	}{
		{"none", nil, ""},
		{"the one that set spec", []metav1.ManagedFieldsEntry{
			{Manager: "kubectl-client-side-apply", Time: at(1), FieldsV1: fields(spec)},
			{Manager: "mca-operator", Time: at(2), FieldsV1: fields(`{"f:metadata":{"f:annotations":{}}}`)},
		}, "kubectl-client-side-apply"},
		{"the latest of two", []metav1.ManagedFieldsEntry{
			{Manager: "argocd-controller", Time: at(3), FieldsV1: fields(spec)},
			{Manager: "kubectl-edit", Time: at(1), FieldsV1: fields(spec)},
		}, "argocd-controller"},
		{"the status subresource does not count", []metav1.ManagedFieldsEntry{
			{Manager: "kustomize-controller", Time: at(1), FieldsV1: fields(spec)},
			{Manager: "mca-operator", Time: at(5), Subresource: "status", FieldsV1: fields(`{"f:status":{}}`)},
		}, "kustomize-controller"},
		{"f:spec only nested does not count", []metav1.ManagedFieldsEntry{
			{Manager: "x", Time: at(1), FieldsV1: fields(`{"f:metadata":{"f:spec":{}}}`)},
		}, ""},
		{"undecodable fields are skipped", []metav1.ManagedFieldsEntry{
			{Manager: "x", Time: at(1), FieldsV1: fields(`{`)},
		}, ""},
	} {
		if got := SpecManager(tc.entries); got != tc.want {
			t.Errorf("%s: SpecManager = %q, want %q", tc.name, got, tc.want)
		}
	}
}
