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

package ha

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// acquiredLeaseLine is what the leader election logs when the process becomes the leader
// ("Successfully acquired lease"; compared without regard to case).
const acquiredLeaseLine = "successfully acquired lease"

// buildManager builds cmd/manager into bin.
func buildManager(bin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go tool is needed to build cmd/manager: %w", err)
	}
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/manager")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/manager: %w\n%s", err, out)
	}
	return nil
}

// launcher starts manager processes out of a cluster: they are given the leader-election
// namespace with --leader-election-namespace.
type launcher struct {
	bin string
}

func launcherFor(bin string) *launcher { return &launcher{bin: bin} }

type managerProc struct {
	name      string
	hostname  string
	probeAddr string
	logFile   string
	cmd       *exec.Cmd
	done      chan struct{}

	mu       sync.Mutex
	exited   bool
	waitErr  error
	logBytes *bytes.Buffer
}

func (l *launcher) start(t *testing.T, i int, dir string, args []string) *managerProc {
	t.Helper()
	m := &managerProc{name: fmt.Sprintf("manager-%d", i), probeAddr: freeAddr(t), done: make(chan struct{}), logBytes: &bytes.Buffer{}}
	m.logFile = filepath.Join(dir, m.name+".log")
	args = append(append([]string(nil), args...), "--health-probe-bind-address="+m.probeAddr)
	m.hostname, _ = os.Hostname()
	cmd := exec.Command(l.bin, append(args, "--leader-election-namespace="+operatorNamespace)...)
	cmd.Env = append(os.Environ(), "POD_NAMESPACE="+operatorNamespace)
	f, err := os.Create(m.logFile)
	if err != nil {
		t.Fatal(err)
	}
	w := &lockedWriter{mu: &m.mu, file: f, buf: m.logBytes}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", m.name, err)
	}
	m.cmd = cmd
	go func() {
		err := cmd.Wait()
		m.mu.Lock()
		m.exited, m.waitErr = true, err
		m.mu.Unlock()
		_ = f.Close()
		close(m.done)
	}()
	return m
}

// lockedWriter tees a process's output to its log file and to memory.
type lockedWriter struct {
	mu   *sync.Mutex
	file *os.File
	buf  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	return w.file.Write(p)
}

func (m *managerProc) String() string { return m.name }

func (m *managerProc) pid() int { return m.cmd.Process.Pid }

func (m *managerProc) alive() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.exited
}

func (m *managerProc) acquiredLease() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Contains(bytes.ToLower(m.logBytes.Bytes()), []byte(acquiredLeaseLine))
}

func (m *managerProc) tail(n int) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	lines := strings.Split(strings.TrimRight(m.logBytes.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kill sends SIGKILL: no lease release, no graceful shutdown, requests in flight are cut.
func (m *managerProc) kill() error {
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	select {
	case <-m.done:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("still running 10s after SIGKILL")
	}
}

// stop ends the process if it still runs: SIGTERM, then SIGKILL.
func (m *managerProc) stop() {
	if !m.alive() {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Signal(syscall.SIGKILL)
		<-m.done
	}
}

// waitHealthy waits until the process answers its health probe (leader or not).
func (m *managerProc) waitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		if !m.alive() {
			m.mu.Lock()
			err := m.waitErr
			m.mu.Unlock()
			return fmt.Errorf("%s exited before it was healthy: %w\n%s", m.name, err, m.tail(40))
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.probeAddr+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy after %s:\n%s", m.name, timeout, m.tail(40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (m *managerProc) logText() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.logBytes.String()
}
