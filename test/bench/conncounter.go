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
	"strconv"
	"strings"
	"sync"
	"time"
)

// connCounter samples /proc/net/tcp{,6} and collects the client ports of every connection to the
// simulator's port it sees (open or in TIME_WAIT): the number of TCP (and so TLS) connections the
// manager opened. TIME_WAIT lasts 60s, so sampling every second misses none.
type connCounter struct {
	port  int
	mu    sync.Mutex
	ports map[int]bool
}

func newConnCounter(ctx context.Context, simURL string) *connCounter {
	c := &connCounter{ports: map[int]bool{}}
	if i := strings.LastIndexByte(simURL, ':'); i >= 0 {
		c.port, _ = strconv.Atoi(simURL[i+1:])
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			c.sample()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return c
}

func (c *connCounter) sample() {
	seen := map[int]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 4 {
				continue
			}
			lp, rp := hexPort(fs[1]), hexPort(fs[2])
			var client int
			switch {
			case rp == c.port:
				client = lp
			case lp == c.port && rp != 0:
				client = rp
			default:
				continue
			}
			seen[client] = true
		}
	}
	c.mu.Lock()
	for p := range seen {
		c.ports[p] = true
	}
	c.mu.Unlock()
}

// count returns the connections seen so far.
func (c *connCounter) count() int {
	c.sample()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ports)
}

func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	v, err := strconv.ParseInt(addr[i+1:], 16, 32)
	if err != nil {
		return -1
	}
	return int(v)
}
