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

package operator

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestFlags(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "partner-ops")
	o := Defaults()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.Flags(fs)
	if o.CredentialsNamespace != "partner-ops" {
		t.Fatalf("credentials namespace defaults to %q, want POD_NAMESPACE", o.CredentialsNamespace)
	}
	err := fs.Parse([]string{"--reattestation-cutoff=2024-01-01", "--enforcement-date=2027-02-03", "--resync-interval=2h",
		"--attestation-poll-interval=30s", "--max-concurrent-reconciles=4", "--credentials-namespace=creds"})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Policy.ReattestationCutoff.Format("2006-01-02"); got != "2024-01-01" {
		t.Errorf("cutoff = %s", got)
	}
	if got := o.Policy.EnforcementDate.Format("2006-01-02"); got != "2027-02-03" {
		t.Errorf("enforcement = %s", got)
	}
	if o.ResyncInterval != 2*time.Hour || o.PollInterval != 30*time.Second || o.MaxConcurrent != 4 || o.CredentialsNamespace != "creds" {
		t.Errorf("flags not applied: %+v", o)
	}
	if err := fs.Parse([]string{"--enforcement-date=7 October 2025"}); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("a malformed date should be refused with the expected format, got %v", err)
	}
}

func TestDefaultCredentialsNamespace(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "")
	if got := DefaultCredentialsNamespace(); got != "mca-operator-system" {
		t.Fatalf("got %q", got)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:1"}
	bad := func(f func(*Options)) Options { o := Defaults(); f(&o); return o }
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		o    Options
		want string
	}{
		"zero resync":                 {bad(func(o *Options) { o.ResyncInterval = 0 }), "must be positive"},
		"cutoff after enforcement":    {bad(func(o *Options) { o.Policy.ReattestationCutoff = o.Policy.EnforcementDate.AddDate(0, 0, 1) }), "must lie before"},
		"CA file that holds no PEM":   {bad(func(o *Options) { o.CAFile = notPEM }), "no certificate"},
		"CA file that does not exist": {bad(func(o *Options) { o.CAFile = filepath.Join(dir, "missing.pem") }), "reading --partner-center-ca-file"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), cfg, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want an error containing %q", err, c.want)
			}
		})
	}
}
