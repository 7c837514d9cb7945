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
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// peakRSS follows a child process's peak RSS: the VmHWM of /proc/PID/status, read while it runs
// (it only grows). The rusage of a waited-for child is no measure of it: Go starts children with
// vfork, and Linux then counts the parent's high-water RSS (this benchmark's: the simulator and
// the tracker of 100,000 customers, hundreds of MiB) as the child's maxrss.
type peakRSS struct {
	kib atomic.Int64
}

// followPeakRSS reads pid's VmHWM every 200 ms until done is closed.
func followPeakRSS(pid int, done <-chan struct{}) *peakRSS {
	p := &peakRSS{}
	p.sample(pid)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				p.sample(pid)
			}
		}
	}()
	return p
}

// sample reads pid's VmHWM now; a process that exited keeps what was read before.
func (p *peakRSS) sample(pid int) {
	if ps, err := memStatus(pid); err == nil && ps.hwmKiB > p.kib.Load() {
		p.kib.Store(ps.hwmKiB)
	}
}

// KiB is the highest VmHWM read.
func (p *peakRSS) KiB() int64 { return p.kib.Load() }

// memStatus reads pid's memory from /proc/PID/status (KiB): its RSS, peak RSS (VmHWM), and the
// anonymous and file-backed parts of its RSS. CPU time is left zero.
func memStatus(pid int) (procStats, error) {
	var ps procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	found := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			ps.rssKiB = v
		case "VmHWM:":
			ps.hwmKiB, found = v, true
		case "RssAnon:":
			ps.anonKiB = v
		case "RssFile:":
			ps.fileKiB = v
		}
	}
	if err := sc.Err(); err != nil {
		return ps, err
	}
	if !found {
		return ps, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
	}
	return ps, nil
}
