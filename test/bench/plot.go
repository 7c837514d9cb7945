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
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"k8s.io/apimachinery/pkg/api/resource"
)

var (
	blue = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	red  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	gray = color.Gray{Y: 0x60}
)

// newPlot is a plot with a title, axis labels, a grid and the legend at the bottom right.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(10), vg.Points(10)
	p.Add(plotter.NewGrid())
	return p
}

// addLine adds a solid line (a measurement) to p and to its legend.
func addLine(p *plot.Plot, pts plotter.XYs, name string, c color.Color) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color, l.Width = c, vg.Points(2)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// addLinePoints adds a solid line with a mark at each point (measurements far apart) to p and to
// its legend.
func addLinePoints(p *plot.Plot, pts plotter.XYs, name string, c color.Color) error {
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	l.Color, l.Width = c, vg.Points(2)
	s.Color, s.Shape, s.Radius = c, draw.CircleGlyph{}, vg.Points(3)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// addDashed adds a dashed line (a bound or a target) to p and to its legend.
func addDashed(p *plot.Plot, pts plotter.XYs, name string, c color.Color) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color, l.Dashes = c, []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

func savePlot(p *plot.Plot, path string) error {
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}

// plotConvergence draws customers in their final state over time, operator against the loop.
func plotConvergence(path string, r *Results) error {
	p := newPlot(fmt.Sprintf("Onboarding %d customers at %d req/s, %dms latency", r.Config.Customers, r.Config.RateQPS, r.Config.LatencyMs),
		"seconds", "customers in their final state")
	if err := addLine(p, convergenceCurve(r.onboardingCurve), fmt.Sprintf("operator (%.1fs)", r.Onboarding.Seconds), blue); err != nil {
		return err
	}
	if r.sequentialCurve != nil {
		if err := addLine(p, convergenceCurve(r.sequentialCurve), fmt.Sprintf("sequential loop (%.1fs)", r.Sequential.Seconds), red); err != nil {
			return err
		}
	}
	// The lower bound: every needed call at the full rate.
	ob := r.Onboarding
	if err := addDashed(p, plotter.XYs{{X: 0, Y: 0}, {X: ob.BoundSeconds, Y: float64(ob.Customers)}}, fmt.Sprintf("lower bound (%.1fs)", ob.BoundSeconds), gray); err != nil {
		return err
	}
	return savePlot(p, path)
}

// convergenceCurve is the number of customers in their final state at each of the times.
func convergenceCurve(times []float64) plotter.XYs {
	pts := make(plotter.XYs, 0, len(times)+1)
	pts = append(pts, plotter.XY{X: 0, Y: 0})
	for i, t := range times {
		pts = append(pts, plotter.XY{X: t, Y: float64(i + 1)})
	}
	return pts
}

// plotAcceptanceCDF draws the share of accepted customers whose agreement exists against the
// time since acceptance, with the poll-budget bound and 1.5 times it.
func plotAcceptanceCDF(path string, sorted []float64, r *Enhanced) error {
	p := newPlot(fmt.Sprintf("Acceptance → agreement, %d customers at %d req/s, pollShare %s", r.Customers, r.Settings.RateQPS, r.Settings.PollShare),
		"seconds from the signatory's acceptance to the agreement", "share of accepted customers")
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Min, p.X.Max = 0, 1.05*max(1.5*r.BoundSeconds, r.AcceptedDelayMax, 1)
	pts := make(plotter.XYs, 0, len(sorted)+1)
	pts = append(pts, plotter.XY{X: 0, Y: 0})
	for i, d := range sorted {
		pts = append(pts, plotter.XY{X: d, Y: float64(i+1) / float64(len(sorted))})
	}
	if err := addLine(p, pts, fmt.Sprintf("operator (p95 %.1fs)", r.AcceptedDelayP95), blue); err != nil {
		return err
	}
	for _, b := range []struct {
		x    float64
		name string
		c    color.Color
	}{
		{r.BoundSeconds, fmt.Sprintf("poll-budget bound (%.1fs)", r.BoundSeconds), gray},
		{1.5 * r.BoundSeconds, fmt.Sprintf("target: 1.5 × bound (%.1fs)", 1.5*r.BoundSeconds), red},
	} {
		if err := addDashed(p, plotter.XYs{{X: b.x, Y: 0}, {X: b.x, Y: 1}}, b.name, b.c); err != nil {
			return err
		}
	}
	return savePlot(p, path)
}

// plotScaleRSS draws the manager's peak RSS against customers, with the 600 MiB target and the
// GOMEMLIMIT.
func plotScaleRSS(path string, sc *Scale) error {
	p := newPlot(fmt.Sprintf("Manager peak RSS against settled customers (%d req/s, GOMEMLIMIT=%s)", sc.RateQPS, sc.GoMemLimit),
		"customers", "peak RSS (MiB)")
	pts := make(plotter.XYs, len(sc.Series))
	yMax := 600.0
	for i, pt := range sc.Series {
		pts[i] = plotter.XY{X: float64(pt.Customers), Y: pt.PeakRSSMiB}
		yMax = max(yMax, pt.PeakRSSMiB)
	}
	if err := addLinePoints(p, pts, "peak RSS", blue); err != nil {
		return err
	}
	xMax := pts[len(pts)-1].X
	if err := addDashed(p, plotter.XYs{{X: 0, Y: 600}, {X: xMax, Y: 600}}, "target: 600 MiB at 100,000 customers", red); err != nil {
		return err
	}
	// GOMEMLIMIT's units (KiB, MiB, ...) are a Quantity's binary suffixes followed by B.
	if q, err := resource.ParseQuantity(strings.TrimSuffix(sc.GoMemLimit, "B")); err == nil {
		limit := float64(q.Value()) / (1 << 20)
		if err := addDashed(p, plotter.XYs{{X: 0, Y: limit}, {X: xMax, Y: limit}}, "GOMEMLIMIT ("+sc.GoMemLimit+")", gray); err != nil {
			return err
		}
		yMax = max(yMax, limit)
	}
	// The legend at the top left, above the lines: memory is lowest at few customers.
	p.Legend.Top, p.Legend.Left, p.Legend.XOffs, p.Legend.YOffs = true, true, vg.Points(10), -vg.Points(10)
	p.X.Min, p.Y.Min = 0, 0
	p.Y.Max = math.Ceil(1.3*yMax/100) * 100
	return savePlot(p, path)
}
