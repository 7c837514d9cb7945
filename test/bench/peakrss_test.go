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
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// A small child of a big parent has a small peak RSS: the child's own VmHWM, not the parent's
// high-water mark, which the rusage of the waited-for child reports after a vfork.
func TestPeakRSSIsTheChildsOwn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	const big = 192 << 20
	ballast := make([]byte, big)
	for i := range ballast {
		ballast[i] = byte(i) // resident, not merely reserved
	}
	cmd := exec.Command("sleep", "0.5")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary: ", err)
	}
	done := make(chan struct{})
	peak := followPeakRSS(cmd.Process.Pid, done)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	close(done)
	runtime.KeepAlive(ballast)
	if kib := peak.KiB(); kib <= 0 || kib > 32<<10 {
		t.Fatalf("the child's peak RSS: %d KiB, want its own (a few MiB), not this process's %d MiB", kib, big>>20)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.Logf("the child's peak RSS %d KiB; its rusage maxrss %d KiB", peak.KiB(), ru.Maxrss)
	}
}
