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
	"fmt"
	"strings"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// TestNoSecretsInLogsErrorsOrMetrics drives the client through success,
// rotation, faults and every error kind with verbose logging captured, then
// checks that no token, secret or refresh token appears in the logs, in any
// error text or in any observer label.
func TestNoSecretsInLogsErrorsOrMetrics(t *testing.T) {
	e := newEnv(t)
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	_, err := e.client.GetAgreementMetadata(ctx(t))
	note(err)
	_, err = e.client.ListCustomerAgreements(ctx(t), custCurrent)
	note(err)
	e.sim.FailNext(1, 503)
	e.sim.Throttle(1, 0)
	_, err = e.client.ListCustomerAgreements(ctx(t), custReatt)
	note(err)
	att, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "X", SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"})
	note(err)
	_, err = e.client.CreateAgreementFromAttestation(ctx(t), custNoMCA, att.AttestationID, pcsim.TemplateMCA)
	note(err) // not accepted
	e.sim.DropNextPOSTResponses(1)
	_ = e.sim.Accept(att.AttestationID)
	_, err = e.client.CreateAgreementFromAttestation(ctx(t), custNoMCA, att.AttestationID, pcsim.TemplateMCA)
	note(err)
	_, err = e.client.CreateLegacyAgreement(ctx(t), custCurrent, pc.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.com", PhoneNumber: "4255550100"}, pcsim.TemplateMCA, time.Now().Add(-time.Minute))
	note(err) // duplicate
	_, err = e.client.ListCustomerAgreements(ctx(t), custUnknown)
	note(err)
	_, err = e.client.ListCustomerAgreements(ctx(t), custNoRel)
	note(err)
	e.sim.Throttle(1, 5*time.Second)
	_, err = e.client.GetDirectSignedStatus(ctx(t), custDirect)
	note(err)
	e.sim.RevokeAccessTokens(partnerID)
	_, err = e.newClient().GetDirectSignedStatus(ctx(t), custDirect)
	note(err)
	mfa := e.clientFor(mfaID, "mfa-client", "mfa-secret-abcdef", "mfa-rt-abcdef")
	_, err = mfa.ListCustomerAgreements(ctx(t), "cccccccc-0000-0000-0000-000000000001")
	note(err)
	bad := e.clientFor(partnerID, clientID, "wrong-secret-value-123", "whatever-refresh-token-456")
	note(bad.CheckCredentials(ctx(t)))
	e.sim.RevokeRefreshTokens(partnerID)
	note(e.newClient().CheckCredentials(ctx(t)))

	if len(texts) < 10 {
		t.Fatalf("the scenario produced only %d error texts; it no longer covers the error paths", len(texts))
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "requestId") || !strings.Contains(logs, "acquired partner center token") {
		t.Fatalf("expected verbose logs, got:\n%s", logs)
	}
	secrets := append(e.sim.IssuedSecrets(partnerID), e.sim.IssuedSecrets(mfaID)...)
	secrets = append(secrets, clientSec, "mfa-secret-abcdef", "wrong-secret-value-123", "whatever-refresh-token-456", initialRT)
	if len(secrets) < 8 {
		t.Fatalf("only %d secrets issued; scenario too small", len(secrets))
	}
	e.obs.mu.Lock()
	labels := strings.Join(e.obs.calls, "\n")
	e.obs.mu.Unlock()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log leaks a secret (%d chars, prefix %.6s)", len(s), s)
		}
		if strings.Contains(labels, s) {
			t.Errorf("observer label leaks a secret")
		}
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Errorf("error text leaks a secret: prefix %.6s", s)
			}
		}
	}
	// Credentials never print their values.
	creds := pc.Credentials{ClientID: clientID, ClientSecret: clientSec, RefreshToken: initialRT}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, creds); strings.Contains(out, clientSec) || strings.Contains(out, initialRT) {
			t.Errorf("Credentials formatted with %s leaks: %s", f, out)
		}
	}
}

// An attestation id completes the acceptance link: the GET of an attestation, answered or failed
// in transport, shows its path without the id in the logs and in the error.
func TestNoAttestationIDInLogsOrErrors(t *testing.T) {
	e := newEnv(t)
	att, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "X", Country: "US", Language: "en-US",
		SignatoryFirstName: "A", SignatoryLastName: "B", SignatoryEmail: "a@b.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID); err != nil {
		t.Fatal(err)
	}
	_ = e.sim.Close() // the next call fails in transport, with the URL in Go's error
	_, err = e.client.GetEnhancedAttestation(ctx(t), att.AttestationID)
	if err == nil {
		t.Fatal("a GET of a closed server succeeded")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "/v1/attestations/enhanced/{attestationId}") {
		t.Fatalf("the logs do not show the GET of the attestation:\n%s", logs)
	}
	for _, txt := range []string{logs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(txt, att.AttestationID) {
			t.Errorf("the attestation id leaks: %s", txt)
		}
	}
}
