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
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// cleanups end a phase: they run in the reverse order of their adding.
type cleanups []func()

func (c *cleanups) add(f func()) { *c = append(*c, f) }

// run runs them. A pointer receiver, so that `defer st.undo.run()` runs the cleanups added after
// the defer statement too.
func (c *cleanups) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
}

// stage is where a phase measures: the simulator over HTTPS with its CA in a file, a control
// plane, and what ends them.
type stage struct {
	sim    *pcsim.Server
	url    string
	caFile string
	cp     *controlPlane
	undo   cleanups
}

// startStage starts sim, writes its CA to caName under tmp and starts a control plane, logging
// it under the phase's name unless that is empty. The caller runs st.undo.run() when the phase
// ends, after an error too: st is never nil.
func startStage(ctx context.Context, o options, tmp string, sim *pcsim.Server, caName, phase string) (*stage, error) {
	st := &stage{sim: sim}
	url, err := sim.StartTLS("")
	if err != nil {
		return st, err
	}
	st.url = url
	st.undo.add(func() { _ = sim.Close() })
	st.caFile = filepath.Join(tmp, caName)
	if err := os.WriteFile(st.caFile, sim.CACertPEM(), 0o600); err != nil {
		return st, err
	}
	if phase != "" {
		logf("%s: starting the control plane", phase)
	}
	cp, err := startControlPlane(ctx, o, tmp)
	if err != nil {
		return st, err
	}
	st.cp = cp
	st.undo.add(cp.stop)
	return st, nil
}

// createCustomers creates the PartnerTenants of the shards at the options' client rate and the
// CustomerAgreements, and returns the seconds it took.
func (st *stage) createCustomers(ctx context.Context, o options, shards int, cas []*v1alpha1.CustomerAgreement, opts ...client.CreateOption) (float64, error) {
	t0 := time.Now()
	for i := range shards {
		t := benchTenant(i)
		if err := st.cp.createPartnerTenant(ctx, t.name, partnerTenantSpec(t, st.url, o.ptQPS, o.ptBurst)); err != nil {
			return 0, err
		}
	}
	if err := st.cp.createAll(ctx, cas, opts...); err != nil {
		return 0, err
	}
	return round(time.Since(t0).Seconds(), 2), nil
}

// watch follows the customers' CustomerAgreements until the phase ends; the context ends with
// the watch.
func (st *stage) watch(ctx context.Context, total int) (*tracker, context.Context, error) {
	wctx, wcancel := context.WithCancel(ctx)
	st.undo.add(wcancel)
	tr := newTracker(total)
	return tr, wctx, st.cp.watchCustomers(wctx, tr)
}

// startManager starts the manager process, stopped when the phase ends.
func (st *stage) startManager(ctx context.Context, o options, bin string, args []string, logPath string) (*managerProc, error) {
	mgr, err := startManager(ctx, o, bin, args, logPath)
	if err != nil {
		return nil, err
	}
	st.undo.add(mgr.stop)
	return mgr, nil
}
