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
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ImportBench is the `import` entry of bench-results.json: `kubectl mca import` of the partner's
// customers, run as its own process (built from ./cmd/kubectl-mca), against the simulator at the
// benchmark's rate.
type ImportBench struct {
	Customers int     `json:"customers"`
	Seconds   float64 `json:"seconds"`
	// BoundSeconds: (customer pages + customer reads) / rate, the time the rate limit alone needs.
	BoundSeconds float64 `json:"boundSeconds"`
	PeakRSSMiB   float64 `json:"peakRSSMiB"`
	Pages        int     `json:"pages"`
	Reads        int     `json:"reads"`
	Throttled    int     `json:"throttled"`
	Written      int     `json:"written"`
}

// importBench imports o.importCustomers customers with the plugin, 100 per page, at o.rate
// requests per second (the simulator's limit and the PartnerTenant's spec.rateLimit).
func importBench(ctx context.Context, o options, tmp string) (*ImportBench, error) {
	bin := filepath.Join(tmp, "kubectl-mca")
	logf("building the plugin (go build -o %s ./cmd/kubectl-mca)", bin)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kubectl-mca")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, err
	}
	cs := customers(o.importCustomers, kindOf)
	sim, simURL, err := newSim(o, cs)
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	caFile := filepath.Join(tmp, "import-ca.pem")
	if err := os.WriteFile(caFile, sim.CACertPEM(), 0o600); err != nil {
		return nil, err
	}
	cp, err := startControlPlane(ctx, o, tmp)
	if err != nil {
		return nil, err
	}
	defer cp.stop()
	if err := cp.createPartnerTenant(ctx, simURL, o.ptQPS, o.ptBurst); err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, "import")
	cmd := exec.CommandContext(ctx, bin, "import", "--partner-tenant", partnerName, "-n", customerNamespace, "--out", out,
		"--kubeconfig", cp.kubeconfig, "--partner-center-ca-file", caFile, "--credentials-namespace", credentialsNamespace)
	logPath := filepath.Join(o.out, "bench-import.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	cmd.Stdout, cmd.Stderr = lf, lf
	sim.ResetRequests()
	logf("importing %d customers with kubectl mca import at %d requests/s", len(cs), o.rate)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kubectl mca import: %w (log: %s)", err, logPath)
	}
	secs := time.Since(start).Seconds()
	res := &ImportBench{Customers: len(cs), Seconds: round(secs, 2)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.PeakRSSMiB = round(float64(ru.Maxrss)/1024, 1) // KiB on Linux
	}
	for _, r := range sim.Requests() {
		switch {
		case r.Status == 429:
			res.Throttled++
		case r.Path == "/v1/customers":
			res.Pages++
		case strings.HasSuffix(r.Path, "/agreements"):
			res.Reads++
		}
	}
	res.BoundSeconds = round(float64(res.Pages+res.Reads)/float64(o.rate), 2)
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") && e.Name() != "kustomization.yaml" {
			res.Written++
		}
	}
	return res, nil
}
