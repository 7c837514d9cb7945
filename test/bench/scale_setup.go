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
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// scaleOptions are the scale phase's flags.
type scaleOptions struct {
	skip      bool
	customers int
	rate      int
	// resync is the first manager's --resync-interval, over which one cycle is measured.
	resync time.Duration
	// restartWindow stands for the first 10 minutes after a restart; the restarted manager runs
	// with a --resync-interval of restartResyncFactor windows, as production's 6 hours are 36
	// times 10 minutes.
	restartWindow time.Duration
	// seriesFlag is --scale-series; series its customer counts below customers, ascending.
	seriesFlag string
	series     []int
	shards     int
}

// restartResyncFactor is production's --resync-interval (6h) over the restart window (10 min).
const restartResyncFactor = 36

func (s *scaleOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&s.skip, "skip-scale", false, "Skip the scale phase.")
	fs.IntVar(&s.customers, "scale-customers", 100000, "Scale: settled CustomerAgreements, created as a GitOps tool applies them (last-applied annotation, managedFields).")
	fs.IntVar(&s.rate, "scale-rate", 500, "Scale: requests per second per partner tenant, in the simulator and in spec.rateLimit (higher than production's, so that the phase runs in minutes).")
	fs.DurationVar(&s.resync, "scale-resync-interval", 0, "Scale: the manager's --resync-interval over the measured cycle "+
		"(0: max(2m, 5ms × customers), about as long as the first cycle takes on 2 cores).")
	fs.DurationVar(&s.restartWindow, "scale-restart-window", time.Minute, "Scale: the window after a restart's caches synced that stands for production's first 10 minutes "+
		"(the restarted manager's --resync-interval is 36 windows, as 6h is 36 × 10 min).")
	fs.StringVar(&s.seriesFlag, "scale-series", "10000,25000,50000", "Scale: customer counts (separated by commas) at which, before the main run, a fresh control plane and one manager "+
		"measure peak RSS over a first start, for bench-scale-rss.png (RSS against customers, with the main run's point when it has one shard). "+
		"Counts not below --scale-customers are left out; empty: none.")
	fs.IntVar(&s.shards, "scale-shards", 1, "Scale: the number of PartnerTenants the main run's customers are split among, each served by a manager of its own "+
		"(--partner-tenants, its own leader election and Kubernetes user). Above 1 the run measures the first start only (each manager's RSS, "+
		"and its writes from the API server's audit log) and skips the resync cycle and the restart.")
}

func (s *scaleOptions) complete() error {
	if s.skip {
		return nil
	}
	if s.customers < 10 || s.rate < 1 || s.rate > 1000 || s.restartWindow < 10*time.Second || s.shards < 1 || s.shards > s.customers/10 {
		return errors.New("--scale-customers must be at least 10, --scale-rate within 1..1000, --scale-restart-window at least 10s " +
			"and --scale-shards within 1..scale-customers/10")
	}
	var err error
	if s.series, err = parseSeries(s.seriesFlag, s.customers); err != nil {
		return err
	}
	if s.resync == 0 {
		s.resync = max(2*time.Minute, time.Duration(s.customers)*5*time.Millisecond)
	}
	return nil
}

// parseSeries reads --scale-series: customer counts separated by commas, each at least 10. It
// returns those below the main run's, ascending and without repeats.
func parseSeries(s string, below int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 10 {
			return nil, fmt.Errorf("--scale-series: %q is not a number of customers of at least 10", f)
		}
		if n < below && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// shippedGoMemLimit is the GOMEMLIMIT that config/manager sets on the manager container.
func shippedGoMemLimit(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, doc := range bytes.Split(b, []byte("\n---\n")) {
		var d appsv1.Deployment
		if err := yaml.Unmarshal(doc, &d); err != nil || d.Kind != "Deployment" {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" {
					return e.Value, nil
				}
			}
		}
	}
	return "", fmt.Errorf("%s sets no GOMEMLIMIT", path)
}

// shippedManifest is config/manager's manifest, relative to the repository root.
var shippedManifest = filepath.Join("config", "manager", "manager.yaml")

// waitLog waits until the manager's log has a line holding every one of needles, and returns
// when this process saw it (the log's timestamps have whole seconds).
func waitLog(ctx context.Context, m *managerProc, needles ...string) (time.Time, error) {
	f, err := os.Open(m.logPath)
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var partial string
	for {
		line, err := r.ReadString('\n')
		partial += line
		if err == nil {
			if containsAll(partial, needles) {
				return time.Now(), nil
			}
			partial = ""
			continue
		}
		if !errors.Is(err, io.EOF) {
			return time.Time{}, err
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-m.done:
			return time.Time{}, fmt.Errorf("the manager exited early (log: %s)", m.logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// waitSynced waits until the manager, elected leader, started the CustomerAgreement controller's
// workers: controller-runtime starts them once its caches synced.
func waitSynced(ctx context.Context, m *managerProc) (time.Time, error) {
	return waitLog(ctx, m, `"msg":"Starting workers"`, `"controller":"customeragreement"`)
}

// metricValue reads one unlabelled metric from the manager's metrics endpoint (served over plain
// HTTP at addr for the benchmark).
func metricValue(ctx context.Context, addr, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("the manager's metrics have no %s", name)
}
