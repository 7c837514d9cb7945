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
	"fmt"
	"image/color"
	"io"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
			Target{"API writes per customer per cycle", "0", fmt.Sprintf("%.4f (%d status writes)", ss.WritesPerCustomer, ss.StatusWrites), ss.StatusWrites == 0 && ss.WritesPerCustomer == 0},
			Target{fmt.Sprintf("peak RSS with %d customers", ss.Customers), "≤ 150 MiB", fmt.Sprintf("%.1f MiB", ss.RSSMiB), ss.RSSMiB <= 150},
		)
	}
	return ts
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
	row := func(k string, v ...any) { fmt.Fprintf(tw, "  %s\t%s\n", k, fmt.Sprint(v...)) }
	printEnhanced(tw, r.Enhanced)
	if ob := r.Onboarding; ob != nil {
		fmt.Fprintf(tw, "\nONBOARDING (%d customers: %d NoMCA+LegacyConfirmation, %d attested, %d legacy+LegacyConfirmation)\n",
			ob.Customers, ob.Mix["NoMCA"], ob.Mix["Attested"], ob.Mix["Legacy"])
		row("time to final state (from manager start)", fmt.Sprintf("%.2f s", ob.Seconds))
		row("  of which startup (start → first PC call)", fmt.Sprintf("%.2f s", ob.StartupSeconds))
		row("  from first PC call", fmt.Sprintf("%.2f s (%.1f req/s achieved)", ob.SecondsFromFirstCall, ob.AchievedQPS))
		row("lower bound", fmt.Sprintf("%d calls / %d req/s = %.2f s (%.2f s crediting the burst of %d)", ob.BoundCalls, c.RateQPS, ob.BoundSeconds, ob.BoundSecondsWithBurst, c.RateBurst))
		row("efficiency (bound / time)", fmt.Sprintf("%.3f (%.3f from first call)", ob.Efficiency, ob.EfficiencyFromFirstCall))
		row("PC calls (token requests apart)", fmt.Sprintf("%d = %.3f per customer (+%d token requests)", ob.Calls.Total, ob.Calls.PerCust, ob.Calls.Token))
		for _, op := range sortedKeys(ob.Calls.ByOp) {
			row("  "+op, fmt.Sprintf("%d = %.3f per customer", ob.Calls.ByOp[op], ob.Calls.PerCustOp[op]))
		}
		row("429s received", fmt.Sprintf("%d (at %v s after the first call)", ob.Throttled, ob.Calls.ThrottledAt))
		row("TCP+TLS connections opened to Partner Center", ob.TCPConnections)
		row("status writes per customer", fmt.Sprintf("%.3f (max %d; histogram %s)", ob.StatusWritesPerCustomer, ob.StatusWritesMax, hist(ob.StatusWritesHistogram)))
		row("all API-server writes by the manager", fmt.Sprintf("%.3f per customer (%s)", ob.APIWritesPerCustomer, kv(ob.APIWrites)))
		row("manager peak RSS", fmt.Sprintf("%.1f MiB", ob.PeakRSSMiB))
		row("manager CPU", fmt.Sprintf("%.2f s", ob.CPUSeconds))
	}
	if sq := r.Sequential; sq != nil {
		fmt.Fprintf(tw, "\nSEQUENTIAL LOOP (same customers, fresh simulator, same client and rate limit, one at a time)\n")
		row("time", fmt.Sprintf("%.2f s", sq.Seconds))
		row("PC calls", fmt.Sprintf("%d = %.3f per customer, %d 429s", sq.Calls.Total, sq.Calls.PerCust, sq.Throttled))
		row("sequential / operator", fmt.Sprintf("%.2f×", sq.Ratio))
	}
	if ss := r.SteadyState; ss != nil {
		fmt.Fprintf(tw, "\nSTEADY STATE (%d attested customers, --resync-interval=%s)\n", ss.Customers, ss.ResyncInterval)
		row("initial sync (manager start → all converged)", fmt.Sprintf("%.1f s", ss.ConvergeSecs))
		row("cycle measured", fmt.Sprintf("%.1f s, %d/%d customers read again", ss.CycleSeconds, ss.CustomersResynced, ss.Customers))
		row("PC calls per customer per cycle", fmt.Sprintf("%.3f (%s; +%d token requests; %d 429s)", ss.CallsPerCustomer, kv(ss.Calls.ByOp), ss.Calls.Token, ss.Calls.Throttled))
		row("API-server writes per customer per cycle", fmt.Sprintf("%.4f (%d status writes; %s)", ss.WritesPerCustomer, ss.StatusWrites, kv(ss.APIWrites)))
		row("TCP+TLS connections opened in the cycle", ss.TCPConnections)
		row("manager peak RSS / at cycle end", fmt.Sprintf("%.1f MiB / %.1f MiB (anonymous %.1f MiB, file-backed %.1f MiB)", ss.RSSMiB, ss.RSSEndMiB, ss.RSSAnonEndMiB, ss.RSSFileEndMiB))
		row("manager CPU per cycle", fmt.Sprintf("%.2f s (%.2f s over the whole run)", ss.CPUSecondsCycle, ss.CPUSecondsTotal))
	}
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

func kv(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func hist(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s writes: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// plotConvergence draws customers in their final state over time, operator against the loop.
func plotConvergence(path string, operator, seq []float64, r *Results) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Onboarding %d customers at %d req/s, %dms latency", r.Config.Customers, r.Config.RateQPS, r.Config.LatencyMs)
	p.X.Label.Text = "seconds"
	p.Y.Label.Text = "customers in their final state"
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(10), vg.Points(10)
	p.Add(plotter.NewGrid())
	add := func(times []float64, name string, c color.Color) error {
		pts := make(plotter.XYs, 0, len(times)+1)
		pts = append(pts, plotter.XY{X: 0, Y: 0})
		for i, t := range times {
			pts = append(pts, plotter.XY{X: t, Y: float64(i + 1)})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = c, vg.Points(2)
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	if err := add(operator, fmt.Sprintf("operator (%.1fs)", r.Onboarding.Seconds), color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}); err != nil {
		return err
	}
	if seq != nil {
		if err := add(seq, fmt.Sprintf("sequential loop (%.1fs)", r.Sequential.Seconds), color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}); err != nil {
			return err
		}
	}
	// The lower bound: every needed call at the full rate.
	if ob := r.Onboarding; ob != nil {
		b, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: ob.BoundSeconds, Y: float64(ob.Customers)}})
		if err != nil {
			return err
		}
		b.Color, b.Dashes = color.Gray{Y: 0x60}, []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(b)
		p.Legend.Add(fmt.Sprintf("lower bound (%.1fs)", ob.BoundSeconds), b)
	}
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}
