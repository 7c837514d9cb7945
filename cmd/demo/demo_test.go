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
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// syncBuffer lets the test read what run wrote so far while run is still writing.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func needControlPlane(t *testing.T) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: the demo needs kube-apiserver and etcd; run `make test`, or KUBEBUILDER_ASSETS=$PWD/bin/k8s/1.37.2-linux-amd64 go test ./cmd/demo/")
	}
}

// TestDemoConverges runs the demo as `make demo DEMO_ARGS="--until-converged --accept-links"`
// does and checks that every sample reached what its annotations expect, that the output tells a
// person what they need, and that everything was stopped and removed afterwards.
func TestDemoConverges(t *testing.T) {
	needControlPlane(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	start := time.Now()
	err := run(ctx, []string{"--until-converged", "--accept-links", "--timeout", "2m"}, &out)
	text := out.String()
	t.Logf("demo finished in %s", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, text)
	}

	for _, want := range []string{
		"NAMESPACE", "NAME", "CUSTOMER", "COMPANY", "STATE", "ACCEPTED BY", "READY", "REASON", "AGE", // the table header
		"KUBECONFIG=",
		"Partner Center   https://127.0.0.1:",
		"Acceptance link for customers/wide-world-partner-attestation",
		"--accept-links: opened the link and pressed Accept",
		"Invitation for customers/coho-winery-customer-direct",
		fmt.Sprintf("All %d CustomerAgreements reached their expected state", countAgreementSamples(t)),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	header := regexp.MustCompile(`(?m)^NAMESPACE\s+NAME\s+CUSTOMER\s+COMPANY\s+STATE\s+ACCEPTED BY\s+READY\s+REASON\s+AGE$`)
	if !header.MatchString(text) {
		t.Errorf("the output has no table header like kubectl's")
	}

	// The last table printed shows every sample as expected.
	last := text[strings.LastIndex(text, "\nNAMESPACE"):]
	samples, err := loadSamples(samplesDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		ca, ok := s.Object.(*v1alpha1.CustomerAgreement)
		if !ok {
			continue
		}
		exp, _ := expectationOf(ca)
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(ca.Namespace) + `\s+` + regexp.QuoteMeta(ca.Name) + `\s.*$`).FindString(last)
		if row == "" {
			t.Errorf("the final table has no row for %s", ca.Name)
			continue
		}
		fields := regexp.MustCompile(`\s{2,}`).Split(row, -1)
		if exp.Final.State != "" && !containsField(fields, string(exp.Final.State)) {
			t.Errorf("%s: want state %s in %q", ca.Name, exp.Final.State, row)
		}
		if !containsField(fields, exp.Final.Reason) {
			t.Errorf("%s: want Ready reason %s in %q", ca.Name, exp.Final.Reason, row)
		}
	}

	// Everything was stopped and removed: the kubeconfig's directory is gone, and neither the API
	// server nor the simulator accepts connections any more.
	if m := regexp.MustCompile(`KUBECONFIG=(\S+)`).FindStringSubmatch(text); m == nil {
		t.Error("no KUBECONFIG path in the output")
	} else if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo left %s behind (stat: %v)", m[1], err)
	}
	for _, re := range []string{`Kubernetes API\s+(\S+)`, `Partner Center\s+(\S+)`} {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no %s in the output", re)
			continue
		}
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the demo returned", u.Host)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func containsField(fields []string, want string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) == want {
			return true
		}
	}
	return false
}

// TestDemoUntilConvergedAlone is `make demo DEMO_ARGS=--until-converged`: nobody accepts the link,
// so the PartnerAttestation sample settles awaiting its signatory, which is enough.
func TestDemoUntilConvergedAlone(t *testing.T) {
	needControlPlane(t)
	if testing.Short() {
		t.Skip("-short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	if err := run(ctx, []string{"--until-converged", "--timeout", "90s"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	last := text[strings.LastIndex(text, "\nNAMESPACE"):]
	if !regexp.MustCompile(`(?m)^customers\s+wide-world-partner-attestation\s.*NoMCA\s.*AwaitingCustomerAcceptance`).MatchString(last) {
		t.Errorf("the PartnerAttestation sample does not wait for its signatory in the final table:\n%s", last)
	}
	for _, want := range []string{
		"Open it in a browser",
		"customers/wide-world-partner-attestation still wait(s) for a person",
		fmt.Sprintf("All %d CustomerAgreements reached their expected state", countAgreementSamples(t)),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if strings.Contains(text, "--accept-links:") {
		t.Error("the demo accepted a link without --accept-links")
	}
	if t.Failed() {
		t.Log(text)
	}
}

// TestDemoTimesOut checks the failure form with a sample whose expectation cannot be met:
// --until-converged fails at --timeout with the table and what is missing printed.
func TestDemoTimesOut(t *testing.T) {
	needControlPlane(t)
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	src := samplesDir(t)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte("demo.mca.dev/expected-ready-reason: AcceptedByCustomer"), []byte("demo.mca.dev/expected-ready-reason: AgreementCreated"), 1)
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncBuffer
	err = run(ctx, []string{"--until-converged", "--accept-links", "--timeout", "8s", "--samples", dir}, &out)
	text := out.String()
	if err == nil {
		t.Fatalf("run succeeded although a sample cannot meet its expectation:\n%s", text)
	}
	for _, want := range []string{
		"Timed out after 8s",
		"Not as expected:",
		"customers/fabrikam-accepted-by-customer: want Attested/AgreementCreated, have Attested/AcceptedByCustomer",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if i := strings.Index(text, "Timed out"); i < 0 || !strings.Contains(text[i:], "\nNAMESPACE") {
		t.Error("the table is not printed after the timeout")
	}
	if t.Failed() {
		t.Log(text)
	}
}

// TestDemoStopsOnCancel is the Ctrl-C path: the interactive demo returns nil when its context ends.
func TestDemoStopsOnCancel(t *testing.T) {
	needControlPlane(t)
	if testing.Short() {
		t.Skip("-short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, &out) }()
	deadline := time.After(90 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("the demo did not start:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop within 60s of Ctrl-C")
	}
	if !strings.Contains(out.String(), "Stopping the manager, the simulator and the control plane") {
		t.Errorf("no stop message:\n%s", out.String())
	}
}

func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseFlags([]string{"--bogus"}, &out); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if _, err := parseFlags([]string{"extra"}, &out); err == nil {
		t.Error("a positional argument was accepted")
	}
	o, err := parseFlags([]string{"--until-converged", "--accept-links", "--timeout", "3m"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !o.untilConverged || !o.acceptLinks || o.timeout != 3*time.Minute || !strings.HasSuffix(o.seedPath, "config/samples/pcsim-seed.yaml") {
		t.Errorf("parsed %+v", o)
	}
	t.Setenv("KUBEBUILDER_ASSETS", "")
	if err := run(context.Background(), nil, &out); err == nil || !strings.Contains(err.Error(), "make demo") {
		t.Errorf("without KUBEBUILDER_ASSETS: %v", err)
	}
}

// countAgreementSamples is the number of CustomerAgreement samples the demo applies.
func countAgreementSamples(t *testing.T) int {
	t.Helper()
	samples, err := loadSamples(filepath.Join("..", "..", "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range samples {
		if _, ok := s.Object.(*v1alpha1.CustomerAgreement); ok {
			n++
		}
	}
	return n
}
