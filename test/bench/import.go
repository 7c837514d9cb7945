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
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
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
	if err := goBuild(ctx, bin, "./cmd/kubectl-mca"); err != nil {
		return nil, err
	}
	cs := customers(o.importCustomers, kindOf)
	st, err := startStage(ctx, o, tmp, newSim(o, cs), "import-ca.pem", "")
	defer st.undo.run()
	if err != nil {
		return nil, err
	}
	if err := st.cp.createPartnerTenant(ctx, partnerName, partnerTenantSpec(benchTenant(0), st.url, o.ptQPS, o.ptBurst)); err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, "import")
	cmd := exec.CommandContext(ctx, bin, "import", "--partner-tenant", partnerName, "-n", customerNamespace, "--out", out,
		"--kubeconfig", st.cp.kubeconfig, "--partner-center-ca-file", st.caFile, "--credentials-namespace", credentialsNamespace)
	logPath := filepath.Join(o.out, "bench-import.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	cmd.Stdout, cmd.Stderr = lf, lf
	st.sim.ResetRequests()
	logf("importing %d customers with kubectl mca import at %d requests/s", len(cs), o.rate)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("kubectl mca import: %w", err)
	}
	exited := make(chan struct{})
	peak := followPeakRSS(cmd.Process.Pid, exited)
	err = cmd.Wait()
	close(exited)
	if err != nil {
		return nil, fmt.Errorf("kubectl mca import: %w (log: %s)", err, logPath)
	}
	res := &ImportBench{Customers: len(cs), Seconds: round(time.Since(start).Seconds(), 2), PeakRSSMiB: round(float64(peak.KiB())/1024, 1)}
	countImportRequests(res, st.sim.Requests(), o.rate)
	if res.Written, err = countWritten(out); err != nil {
		return nil, err
	}
	return res, nil
}

// countImportRequests counts the plugin's pages of customers, reads of agreements and 429s, and
// the time the rate limit alone needs for them.
func countImportRequests(res *ImportBench, reqs []pcsim.RequestRecord, rate int) {
	for _, r := range reqs {
		switch {
		case r.Status == 429:
			res.Throttled++
		case r.Operation == pcsim.OpListCustomers:
			res.Pages++
		case r.Operation == pcsim.OpListCustomerAgreements:
			res.Reads++
		}
	}
	res.BoundSeconds = round(float64(res.Pages+res.Reads)/float64(rate), 2)
}

// countWritten counts the CustomerAgreement files the plugin wrote under out.
func countWritten(out string) (int, error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") && e.Name() != "kustomization.yaml" {
			n++
		}
	}
	return n, nil
}
