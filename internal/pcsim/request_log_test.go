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
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLogNamesTheOperation: every request of the log names its Partner Center operation,
// whether it was answered or refused (here without a token), and a request that is no operation
// names none.
func TestRequestLogNamesTheOperation(t *testing.T) {
	s := New(nil, Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	const customer = "/v1/customers/a0000000-0000-4000-8000-000000000001"
	for _, c := range []struct{ method, path, op string }{
		{"POST", "/f0000000-0000-4000-8000-000000000001/oauth2/token", OpToken},
		{"GET", "/v1/agreements?agreementType=MicrosoftCustomerAgreement", OpGetAgreementMetadata},
		{"GET", "/v1/customers?size=10", OpListCustomers},
		{"GET", customer + "/agreements?agreementType=MicrosoftCustomerAgreement", OpListCustomerAgreements},
		{"POST", customer + "/agreements", OpCreateAgreement},
		{"GET", customer + "/directSignedMicrosoftCustomerAgreementStatus", OpGetDirectSignedStatus},
		{"GET", "/v1/agreementtemplates/117a77b0-9360-443b-8795-c6dedc750cf9/document", OpGetAgreementDocument},
		{"POST", "/v1/attestations/enhanced", OpStartEnhancedAttestation},
		{"GET", "/v1/attestations/enhanced/b0000000-0000-4000-8000-000000000001", OpGetEnhancedAttestation},
		{"GET", "/v1/nothing-here", ""},
	} {
		s.ResetRequests()
		req, err := http.NewRequest(c.method, hs.URL+c.path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		log := s.Requests()
		if len(log) != 1 || log[0].Operation != c.op {
			t.Errorf("%s %s: request log %+v, want one request of operation %q", c.method, c.path, log, c.op)
		}
	}
	s.SetWireVariants(WireVariants{AttestationGet: "405"})
	s.ResetRequests()
	res, err := hs.Client().Get(hs.URL + "/v1/attestations/enhanced/b0000000-0000-4000-8000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if log := s.Requests(); len(log) != 1 || log[0].Operation != OpGetEnhancedAttestation || log[0].Status != http.StatusMethodNotAllowed {
		t.Errorf("an attestation GET answered 405 by the variant: request log %+v", log)
	}
}
