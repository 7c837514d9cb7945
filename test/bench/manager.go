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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

// goBuild builds the package (a path relative to the repository root, the working directory)
// into out.
func goBuild(ctx context.Context, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// managerBinary is the manager the phases run: this binary in manager mode for --pprof and
// --pc-max-idle-conns-per-host, else --manager-binary, else ./cmd/manager built under tmp.
func managerBinary(ctx context.Context, o options, tmp string) (string, error) {
	if o.pprof || o.idleConns > 0 {
		return os.Executable()
	}
	if o.managerBin != "" {
		return o.managerBin, nil
	}
	bin := filepath.Join(tmp, "manager")
	logf("building the manager (go build -o %s ./cmd/manager)", bin)
	return bin, goBuild(ctx, bin, "./cmd/manager")
}

type managerProc struct {
	pprofAddr string
	cmd       *exec.Cmd
	started   time.Time
	done      chan struct{}
	logPath   string
	// After exit.
	peakRSSKiB int64
	cpu        time.Duration
	peak       *peakRSS
}

func startManager(ctx context.Context, o options, bin string, args []string, logPath string) (*managerProc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	var pprofAddr string
	if o.pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append([]string{"--pprof-address=" + pprofAddr}, args...)
	}
	if o.idleConns > 0 {
		args = append([]string{"--pc-max-idle-conns-per-host=" + strconv.Itoa(o.idleConns)}, args...)
	}
	if o.pprof || o.idleConns > 0 {
		args = append([]string{managerMode}, args...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(runtime.NumCPU()))
	cmd.Env = append(cmd.Env, o.managerEnv...)
	m := &managerProc{cmd: cmd, done: make(chan struct{}), logPath: logPath, pprofAddr: pprofAddr}
	m.started = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	m.peak = followPeakRSS(cmd.Process.Pid, m.done)
	go func() {
		_ = cmd.Wait()
		lf.Close()
		if ps := cmd.ProcessState; ps != nil {
			m.cpu = ps.UserTime() + ps.SystemTime()
		}
		m.peakRSSKiB = m.peak.KiB()
		close(m.done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = m.cmd.Process.Kill()
		case <-m.done:
		}
	}()
	return m, nil
}

func (m *managerProc) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stop ends the manager (SIGTERM, then SIGKILL) and waits for it.
func (m *managerProc) stop() {
	if m.exited() {
		return
	}
	m.peak.sample(m.cmd.Process.Pid)
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

// procStats are a process's memory (KiB) and CPU time, from /proc.
type procStats struct {
	rssKiB, hwmKiB   int64
	anonKiB, fileKiB int64
	cpu              time.Duration
}

// stats reads the running manager's procStats.
func (m *managerProc) stats() (procStats, error) {
	pid := m.cmd.Process.Pid
	ps, err := memStatus(pid)
	if err != nil {
		return ps, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) < 13 {
		return ps, errors.New("short /proc/pid/stat")
	}
	ut, _ := strconv.ParseInt(rest[11], 10, 64)
	st, _ := strconv.ParseInt(rest[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	ps.cpu = time.Duration(ut+st) * time.Second / clkTck
	return ps, nil
}

func managerArgs(kubeconfig, caFile string, resync time.Duration, maxConcurrent int) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--partner-center-ca-file=" + caFile,
		"--credentials-namespace=" + credentialsNamespace,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=0",
		"--resync-interval=" + resync.String(),
		"--max-concurrent-reconciles=" + strconv.Itoa(maxConcurrent),
	}
}

// profile saves a profile of the manager under dir, when it runs with pprof.
func (m *managerProc) profile(what, path string) {
	if m.pprofAddr == "" {
		return
	}
	if err := fetchProfile(m.pprofAddr, what, path); err != nil {
		logf("profile %s: %v", what, err)
		return
	}
	logf("saved %s", path)
}
