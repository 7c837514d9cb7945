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
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how far an import is: a bar with an ETA on a terminal, plain lines otherwise.
type progress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	w       io.Writer
	start   time.Time
	done    int
	total   int
	lastOut int
}

func (a *app) newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), total: -1}
	if a.isTerminal(w) {
		p.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("importing customers"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
	}
	return p
}

func (p *progress) setTotal(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total == n {
		return
	}
	p.total = n
	if p.bar != nil {
		p.bar.ChangeMax(n)
	}
}

//nolint:unparam // counts like the progress bar it drives; import adds one object at a time today
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.total > 0 && p.done > p.total {
		// More customers than Partner Center announced (some were added while listing).
		p.total = p.done
		if p.bar != nil {
			p.bar.ChangeMax(p.total)
		}
	}
	if p.bar != nil {
		_ = p.bar.Add(n)
		return
	}
	step := 100
	if p.total > 0 {
		step = max(100, p.total/10)
	}
	if p.done-p.lastOut >= step || p.done == p.total {
		p.lastOut = p.done
		p.line()
	}
}

// line prints one plain progress line (no terminal).
func (p *progress) line() {
	el := time.Since(p.start)
	if p.total > 0 {
		eta := "?"
		if p.done > 0 {
			eta = (time.Duration(float64(el) * float64(p.total-p.done) / float64(p.done))).Round(time.Second).String()
		}
		fmt.Fprintf(p.w, "import: %d/%d customers (%d%%), %s elapsed, ETA %s\n", p.done, p.total, 100*p.done/p.total, el.Round(time.Second), eta)
		return
	}
	fmt.Fprintf(p.w, "import: %d customers, %s elapsed\n", p.done, el.Round(time.Second))
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		return
	}
	if p.done != p.lastOut {
		p.lastOut = p.done
		p.line()
	}
}
