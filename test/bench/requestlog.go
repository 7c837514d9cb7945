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
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// opOf names the Partner Center operation of a simulator request, as the simulator logged it.
func opOf(r pcsim.RequestRecord) string {
	if r.Operation == "" {
		return "Other"
	}
	return r.Operation
}

func customerOf(path string) string {
	const pre = "/v1/customers/"
	if !strings.HasPrefix(path, pre) {
		return ""
	}
	rest := path[len(pre):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return rest
}

// CallStats summarise a request log.
type CallStats struct {
	// Total counts every Partner Center API request (token requests excluded), 429s included.
	Total     int                `json:"total"`
	Token     int                `json:"tokenRequests"`
	Throttled int                `json:"throttled"`
	ByOp      map[string]int     `json:"byOperation"`
	PerCust   float64            `json:"perCustomer"`
	PerCustOp map[string]float64 `json:"perCustomerByOperation"`
	FirstCall time.Time          `json:"-"`
	// ThrottledAt: when the 429s came, in seconds after the first call.
	ThrottledAt []float64 `json:"throttledAt,omitempty"`
}

func callStats(reqs []pcsim.RequestRecord, customers int) CallStats {
	cs := CallStats{ByOp: map[string]int{}, PerCustOp: map[string]float64{}}
	for _, r := range reqs {
		op := opOf(r)
		if op == pcsim.OpToken {
			cs.Token++
			continue
		}
		if cs.FirstCall.IsZero() || r.Time.Before(cs.FirstCall) {
			cs.FirstCall = r.Time
		}
		cs.Total++
		if r.Status == 429 || r.RateLimited {
			cs.Throttled++
			op += " (429)"
		}
		cs.ByOp[op]++
	}
	for _, r := range reqs {
		if opOf(r) != pcsim.OpToken && (r.Status == 429 || r.RateLimited) {
			cs.ThrottledAt = append(cs.ThrottledAt, round(r.Time.Sub(cs.FirstCall).Seconds(), 2))
		}
	}
	for op, n := range cs.ByOp {
		cs.PerCustOp[op] = round(float64(n)/float64(customers), 3)
	}
	cs.PerCust = round(float64(cs.Total)/float64(customers), 3)
	return cs
}
