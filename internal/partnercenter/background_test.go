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

package partnercenter_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// The customers list read in the background (AsBackground), with the whole rate as its share,
// while bursts of first reads arrive: no burst waits behind the list, and the list still advances
// with the tokens the bursts leave.
func TestBackgroundListNeverDelaysABurst(t *testing.T) {
	e := newEnv(t, withConfig(func(c *pc.Config) { c.QPS, c.Burst, c.PollShare = 10, 10, 1 }))
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.client.GetAgreementMetadata(c); err != nil { // tokens first
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the bucket full again
	e.sim.ResetRequests()

	bg, stop := context.WithCancel(c)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var pages, deferrals int
	for i := range 3 { // three lists at once, as many PartnerTenants of one partner tenant would
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cur *pc.CustomersCursor
			for bg.Err() == nil {
				_, next, err := e.client.ListCustomersPage(bg, 1, cur, pc.AsBackground(fmt.Sprint("customers-", i)))
				if after, ok := pc.RetryAfter(err); ok && pc.KindOf(err) == pc.KindResyncDeferred {
					mu.Lock()
					deferrals++
					mu.Unlock()
					sleepCtx(bg, after)
					continue
				}
				if err == nil {
					mu.Lock()
					pages++
					mu.Unlock()
				}
				cur = next
			}
		}()
	}

	var slowest time.Duration
	for range 5 {
		time.Sleep(time.Second) // the list has the whole rate meanwhile
		var bw sync.WaitGroup
		for range 9 {
			bw.Add(1)
			go func() {
				defer bw.Done()
				asked := time.Now()
				if _, err := e.client.ListCustomerAgreements(c, custNoMCA2); err != nil {
					t.Error(err)
				}
				mu.Lock()
				slowest = max(slowest, time.Since(asked))
				mu.Unlock()
			}()
		}
		bw.Wait()
	}
	stop()
	wg.Wait()

	var listed int
	for _, r := range apiRequests(e.sim.Requests()) {
		if strings.HasPrefix(r.Path, "/v1/customers") && !strings.Contains(r.Path, custNoMCA2) {
			listed++
		}
	}
	if slowest > 60*time.Millisecond {
		t.Errorf("a burst of 9 first reads (within the burst of 10) waited %s behind the background list; want no wait", slowest.Round(time.Millisecond))
	}
	if listed < 10 || pages < 10 {
		t.Errorf("%d pages listed (%d requests) in 5 s at 10 requests/s: the list did not use the spare rate", pages, listed)
	}
	t.Logf("slowest first read %s; %d pages listed, %d deferrals", slowest.Round(time.Millisecond), pages, deferrals)
}
