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
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Results is bench-results.json.
type Results struct {
	Enhanced    *Enhanced    `json:"enhanced,omitempty"`
	Config      ResultConfig `json:"config"`
	Onboarding  *Onboarding  `json:"onboarding,omitempty"`
	Sequential  *Sequential  `json:"sequential,omitempty"`
	SteadyState *SteadyState `json:"steadyState,omitempty"`
	Targets     []Target     `json:"targets"`
	Plot        string       `json:"plot,omitempty"`
	Import      *ImportBench `json:"import,omitempty"`
	Scale       *Scale       `json:"scale,omitempty"`

	// The seconds at which each customer reached its final state, for the plot.
	onboardingCurve, sequentialCurve []float64
}

// ResultConfig records what was run.
type ResultConfig struct {
	Customers               int      `json:"customers"`
	SteadyCustomers         int      `json:"steadyCustomers"`
	LatencyMs               int64    `json:"latencyMs"`
	RateQPS                 int      `json:"rateQps"`
	RateBurst               int      `json:"rateBurst"`
	ClientQPS               int      `json:"clientQps"`
	ClientBurst             int      `json:"clientBurst"`
	MaxConcurrentReconciles int      `json:"maxConcurrentReconciles"`
	SteadyResyncInterval    string   `json:"steadyResyncInterval"`
	GOMAXPROCSHost          int      `json:"cpus"`
	ManagerEnv              []string `json:"managerEnv,omitempty"`
	PCMaxIdleConnsPerHost   int      `json:"pcMaxIdleConnsPerHost,omitempty"`
	StartedAt               string   `json:"startedAt"`
}

func newResults(o options) *Results {
	return &Results{Config: ResultConfig{
		Customers: o.customers, SteadyCustomers: o.steadyCustomers, LatencyMs: o.latency.Milliseconds(),
		RateQPS: o.rate, RateBurst: o.burst, ClientQPS: o.ptQPS, ClientBurst: o.ptBurst, MaxConcurrentReconciles: o.maxConcurrent,
		SteadyResyncInterval: o.resync.String(), ManagerEnv: o.managerEnv, PCMaxIdleConnsPerHost: o.idleConns, GOMAXPROCSHost: numCPU(), StartedAt: time.Now().UTC().Format(time.RFC3339),
	}}
}

// Target is one of the targets with the measurement.
type Target struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

func targets(r *Results) []Target {
	var ts []Target
	if r.Enhanced != nil {
		ts = append(ts, r.Enhanced.Targets...)
	}
	if ob := r.Onboarding; ob != nil {
		ts = append(ts,
			Target{"onboarding efficiency", "≥ 0.9 of the bound", fmt.Sprintf("%.3f (%.2fs bound / %.2fs)", ob.Efficiency, ob.BoundSeconds, ob.Seconds), ob.Efficiency >= 0.9},
			Target{"429s at matching rate", "0", fmt.Sprint(ob.Throttled), ob.Throttled == 0},
			Target{"status writes per customer (onboarding)", "≤ 3", fmt.Sprintf("%.2f (max %d)", ob.StatusWritesPerCustomer, ob.StatusWritesMax), ob.StatusWritesMax <= 3},
		)
	}
	if ss := r.SteadyState; ss != nil {
		ts = append(ts,
			Target{"PC calls per customer per cycle", "≤ 2", fmt.Sprintf("%.3f", ss.CallsPerCustomer), ss.CallsPerCustomer <= 2},
			Target{"API writes per customer per cycle", "0",
				fmt.Sprintf("%.4f (%d status writes; per tenant: %s)", ss.WritesPerCustomer, ss.StatusWrites, kv(tenantOnly(ss.APIWrites))),
				ss.StatusWrites == 0 && ss.WritesPerCustomer == 0},
			Target{fmt.Sprintf("peak RSS with %d customers", ss.Customers), "≤ 150 MiB", fmt.Sprintf("%.1f MiB", ss.RSSMiB), ss.RSSMiB <= 150},
		)
	}
	if sc := r.Scale; sc != nil {
		ts = append(ts, scaleTargets(sc)...)
	}
	return ts
}

// scaleTargets are the scale phase's targets; the memory target is the one at 100,000 customers.
// A run with several shards measures the first start only: each manager's memory and its writes.
func scaleTargets(sc *Scale) []Target {
	if sc.Shards > 1 {
		others := 0
		for _, m := range sc.ShardManagers {
			others += m.WritesForOtherTenants
		}
		return []Target{
			{fmt.Sprintf("scale: peak RSS per manager (%d shards of %d customers)", sc.Shards, sc.Customers/sc.Shards), "≤ 600 MiB at 100,000",
				fmt.Sprintf("%.1f MiB", sc.PeakRSSMiB), sc.PeakRSSMiB <= 600},
			{"scale: writes by a shard for another's tenant", "0", fmt.Sprint(others), others == 0},
		}
	}
	return []Target{
		{fmt.Sprintf("scale: peak RSS with %d customers", sc.Customers), "≤ 600 MiB at 100,000", fmt.Sprintf("%.1f MiB", sc.PeakRSSMiB), sc.PeakRSSMiB <= 600},
		{"scale: start to caches synced (restart)", "≤ 60 s", fmt.Sprintf("%.1f s", sc.StartToSyncedSeconds), sc.StartToSyncedSeconds <= 60},
		{"scale: new customer's start during the restart", "≤ 2 s", fmt.Sprintf("%.2f s", sc.NewCustomerStartSeconds), sc.NewCustomerStartSeconds <= 2},
		{"scale: reads in the restart's first 10 minutes", "≤ 1.2 × expected",
			fmt.Sprintf("%d (expected %.0f)", sc.RestartReadsFirst10Min, sc.RestartReadsExpected), float64(sc.RestartReadsFirst10Min) <= 1.2*sc.RestartReadsExpected},
		{"scale: status writes after the restart", "0", fmt.Sprint(sc.RestartStatusWrites), sc.RestartStatusWrites == 0},
		{"scale: PC calls per customer per resync", "1.0", fmt.Sprintf("%.3f", sc.CallsPerCustomerPerResync), sc.CallsPerCustomerPerResync <= 1.01},
		{"scale: API writes per customer per resync", "0", fmt.Sprintf("%.4f", sc.WritesPerCustomerPerResync), sc.WritesPerCustomerPerResync == 0},
	}
}

// writeResults draws the onboarding plot and the scale phase's, writes bench-results.json and
// prints the table.
func writeResults(o options, res *Results) error {
	if res.onboardingCurve != nil {
		png := filepath.Join(o.out, "bench-convergence.png")
		if err := plotConvergence(png, res); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		res.Plot = png
	}
	if sc := res.Scale; sc != nil && len(sc.Series) > 0 {
		png := filepath.Join(o.out, "bench-scale-rss.png")
		if err := plotScaleRSS(png, sc); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		sc.RSSPlot = png
	}
	path := filepath.Join(o.out, "bench-results.json")
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil { //nolint:gosec // G306: the results are for anyone to read
		return err
	}
	printTable(os.Stdout, res)
	if imp := res.Import; imp != nil {
		fmt.Printf("\nkubectl mca import: %d customers in %.1fs (bound %.1fs: %d pages + %d reads at %d/s), peak RSS %.1f MiB, %d throttled\n",
			imp.Customers, imp.Seconds, imp.BoundSeconds, imp.Pages, imp.Reads, o.rate, imp.PeakRSSMiB, imp.Throttled)
	}
	fmt.Printf("\nwrote %s", path)
	if res.Plot != "" {
		fmt.Printf(" and %s", res.Plot)
	}
	if res.Enhanced != nil {
		fmt.Printf(" and %s", res.Enhanced.Plot)
	}
	if res.Scale != nil && res.Scale.RSSPlot != "" {
		fmt.Printf(" and %s", res.Scale.RSSPlot)
	}
	fmt.Println()
	return nil
}

func printTable(w io.Writer, r *Results) {
	c := r.Config
	fmt.Fprintf(w, "\nmca-operator benchmark — simulator latency %dms, %d req/s burst %d per partner tenant (PartnerTenant rateLimit qps %d burst %d), --max-concurrent-reconciles=%d, %d CPUs\n",
		c.LatencyMs, c.RateQPS, c.RateBurst, c.ClientQPS, c.ClientBurst, c.MaxConcurrentReconciles, c.GOMAXPROCSHost)
	if c.PCMaxIdleConnsPerHost > 0 {
		fmt.Fprintf(w, "experiment: the manager's Partner Center client keeps %d idle connections per host\n", c.PCMaxIdleConnsPerHost)
	}
	if len(c.ManagerEnv) > 0 {
		fmt.Fprintf(w, "manager environment: %s\n", strings.Join(c.ManagerEnv, " "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	printEnhanced(tw, r.Enhanced)
	printOnboarding(tw, r.Onboarding, c)
	printSequential(tw, r.Sequential)
	printSteadyState(tw, r.SteadyState)
	printScale(tw, r.Scale)
	fmt.Fprintf(tw, "\nTARGETS\n")
	for _, t := range r.Targets {
		mark := "MET"
		if !t.Met {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.Name, t.Target, t.Measured, mark)
	}
	tw.Flush()
}

// row prints one row of the table: a name and its value.
func row(w io.Writer, k string, v ...any) { fmt.Fprintf(w, "  %s\t%s\n", k, fmt.Sprint(v...)) }

// printCallsByOp prints one row per operation: its calls and their share per customer.
func printCallsByOp(w io.Writer, cs CallStats) {
	for _, op := range sortedKeys(cs.ByOp) {
		row(w, "  "+op, fmt.Sprintf("%d = %.3f per customer", cs.ByOp[op], cs.PerCustOp[op]))
	}
}

func printOnboarding(w io.Writer, ob *Onboarding, c ResultConfig) {
	if ob == nil {
		return
	}
	fmt.Fprintf(w, "\nONBOARDING (%d customers: %d NoMCA+LegacyConfirmation, %d attested, %d legacy+LegacyConfirmation)\n",
		ob.Customers, ob.Mix["NoMCA"], ob.Mix["Attested"], ob.Mix["Legacy"])
	row(w, "time to final state (from manager start)", fmt.Sprintf("%.2f s", ob.Seconds))
	row(w, "  of which startup (start → first PC call)", fmt.Sprintf("%.2f s", ob.StartupSeconds))
	row(w, "  from first PC call", fmt.Sprintf("%.2f s (%.1f req/s achieved)", ob.SecondsFromFirstCall, ob.AchievedQPS))
	row(w, "lower bound", fmt.Sprintf("%d calls / %d req/s = %.2f s (%.2f s crediting the burst of %d)", ob.BoundCalls, c.RateQPS, ob.BoundSeconds, ob.BoundSecondsWithBurst, c.RateBurst))
	row(w, "efficiency (bound / time)", fmt.Sprintf("%.3f (%.3f from first call)", ob.Efficiency, ob.EfficiencyFromFirstCall))
	row(w, "PC calls (token requests apart)", fmt.Sprintf("%d = %.3f per customer (+%d token requests)", ob.Calls.Total, ob.Calls.PerCust, ob.Calls.Token))
	printCallsByOp(w, ob.Calls)
	row(w, "429s received", fmt.Sprintf("%d (at %v s after the first call)", ob.Throttled, ob.Calls.ThrottledAt))
	row(w, "TCP+TLS connections opened to Partner Center", ob.TCPConnections)
	row(w, "status writes per customer", fmt.Sprintf("%.3f (max %d; histogram %s)", ob.StatusWritesPerCustomer, ob.StatusWritesMax, hist(ob.StatusWritesHistogram)))
	row(w, "API-server writes by the manager", fmt.Sprintf("%.3f per customer, Leases and PartnerTenants apart (%s)", ob.APIWritesPerCustomer, kv(ob.APIWrites)))
	row(w, "manager peak RSS", fmt.Sprintf("%.1f MiB", ob.PeakRSSMiB))
	row(w, "manager CPU", fmt.Sprintf("%.2f s", ob.CPUSeconds))
}

func printSequential(w io.Writer, sq *Sequential) {
	if sq == nil {
		return
	}
	fmt.Fprintf(w, "\nSEQUENTIAL LOOP (same customers, fresh simulator, same client and rate limit, one at a time)\n")
	row(w, "time", fmt.Sprintf("%.2f s", sq.Seconds))
	row(w, "PC calls", fmt.Sprintf("%d = %.3f per customer, %d 429s", sq.Calls.Total, sq.Calls.PerCust, sq.Throttled))
	row(w, "sequential / operator", fmt.Sprintf("%.2f×", sq.Ratio))
}

func printSteadyState(w io.Writer, ss *SteadyState) {
	if ss == nil {
		return
	}
	fmt.Fprintf(w, "\nSTEADY STATE (%d attested customers, --resync-interval=%s)\n", ss.Customers, ss.ResyncInterval)
	row(w, "initial sync (manager start → all converged)", fmt.Sprintf("%.1f s", ss.ConvergeSecs))
	row(w, "cycle measured", fmt.Sprintf("%.1f s, %d/%d customers read again", ss.CycleSeconds, ss.CustomersResynced, ss.Customers))
	row(w, "PC calls per customer per cycle", fmt.Sprintf("%.3f (%s; +%d token requests; %d 429s)", ss.CallsPerCustomer, kv(ss.Calls.ByOp), ss.Calls.Token, ss.Calls.Throttled))
	row(w, "API-server writes per customer per cycle", fmt.Sprintf("%.4f, Leases and PartnerTenants apart (%d status writes; %s)", ss.WritesPerCustomer, ss.StatusWrites, kv(ss.APIWrites)))
	row(w, "TCP+TLS connections opened in the cycle", ss.TCPConnections)
	row(w, "manager peak RSS / at cycle end", fmt.Sprintf("%.1f MiB / %.1f MiB (anonymous %.1f MiB, file-backed %.1f MiB)", ss.RSSMiB, ss.RSSEndMiB, ss.RSSAnonEndMiB, ss.RSSFileEndMiB))
	row(w, "manager CPU per cycle", fmt.Sprintf("%.2f s (%.2f s over the whole run)", ss.CPUSecondsCycle, ss.CPUSecondsTotal))
}

func printScale(w io.Writer, sc *Scale) {
	if sc == nil {
		return
	}
	fmt.Fprintf(w, "\nSCALE (%d settled customers applied as GitOps applies them, %d shard(s), %d req/s, GOMEMLIMIT=%s)\n", sc.Customers, sc.Shards, sc.RateQPS, sc.GoMemLimit)
	row(w, "create", fmt.Sprintf("%.1f s", sc.CreateSeconds))
	if sc.Shards > 1 {
		printShards(w, sc)
	} else {
		printScaleRun(w, sc)
	}
	for _, pt := range sc.Series {
		row(w, fmt.Sprintf("series: %d customers (peak RSS; live heap; synced; all converged)", pt.Customers),
			fmt.Sprintf("%.1f MiB; %.1f MiB; %.1f s; %.1f s", pt.PeakRSSMiB, pt.HeapLiveMiB, pt.StartToSyncedSeconds, pt.FirstCycleSeconds))
	}
}

// printScaleRun prints the run of one manager: its first start, resync cycle and restart.
func printScaleRun(w io.Writer, sc *Scale) {
	row(w, "start → caches synced (first start / restart)", fmt.Sprintf("%.1f s / %.1f s", sc.FirstStartToSyncedSeconds, sc.StartToSyncedSeconds))
	row(w, "first cycle (start → all Attested and Ready)", fmt.Sprintf("%.1f s", sc.FirstCycleSeconds))
	row(w, "manager peak RSS; live heap settled", fmt.Sprintf("%.1f MiB; %.1f MiB = %.2f MiB per 1,000 customers", sc.PeakRSSMiB, sc.HeapLiveMiB, sc.HeapMiBPerThousand))
	row(w, "per customer per resync (--resync-interval="+sc.ResyncInterval+")", fmt.Sprintf("%.3f PC calls, %.4f API writes", sc.CallsPerCustomerPerResync, sc.WritesPerCustomerPerResync))
	row(w, "restart: reads in the window for the first 10 min", fmt.Sprintf("%d (expected %.0f: window %s, --resync-interval=%s)",
		sc.RestartReadsFirst10Min, sc.RestartReadsExpected, sc.RestartWindow, sc.RestartResyncInterval))
	row(w, "restart: status writes; new customer's start", fmt.Sprintf("%d; %.2f s", sc.RestartStatusWrites, sc.NewCustomerStartSeconds))
}

// printShards prints the first start of a run with several shards, a row per manager.
func printShards(w io.Writer, sc *Scale) {
	row(w, "start → caches synced (slowest shard)", fmt.Sprintf("%.1f s", sc.FirstStartToSyncedSeconds))
	row(w, "first cycle (start → all Attested and Ready)", fmt.Sprintf("%.1f s", sc.FirstCycleSeconds))
	for _, m := range sc.ShardManagers {
		row(w, fmt.Sprintf("manager of %s (%d customers)", m.PartnerTenant, m.Customers),
			fmt.Sprintf("peak RSS %.1f MiB, live heap %.1f MiB, %d writes, %d for another shard's tenant", m.PeakRSSMiB, m.HeapLiveMiB, m.Writes, m.WritesForOtherTenants))
	}
}

func kv(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func hist(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s writes: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
