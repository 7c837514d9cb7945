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

	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
)

// Deliveries counts the messages the mailbox received during the enhanced phase.
type Deliveries struct {
	Initial  int `json:"initial"`
	Reminder int `json:"reminder"`
	Renewed  int `json:"renewed"`
	// Duplicates: messages whose Message-ID the mailbox had received already.
	Duplicates int `json:"duplicates"`
	// PerSecond: messages over the time from the first to the last.
	PerSecond float64 `json:"perSecond"`
	// MaxPerMinute is the PartnerTenant's send rate.
	MaxPerMinute int `json:"maxPerMinute"`
}

// countDeliveries reads the mailbox: the kind is in the Message-ID the operator derives.
func countDeliveries(mb *mailbox.Server, perMinute int) Deliveries {
	d := Deliveries{MaxPerMinute: perMinute}
	seen := map[string]bool{}
	var first, last time.Time
	for _, m := range mb.Messages() {
		p, err := m.Parse()
		if err != nil {
			continue
		}
		id := p.Header.Get("Message-Id")
		if seen[id] {
			d.Duplicates++
		}
		seen[id] = true
		switch {
		case strings.Contains(id, ".initial@"):
			d.Initial++
		case strings.Contains(id, ".renewed@"):
			d.Renewed++
		case strings.Contains(id, ".reminder"):
			d.Reminder++
		}
		if first.IsZero() || m.Received.Before(first) {
			first = m.Received
		}
		if m.Received.After(last) {
			last = m.Received
		}
	}
	if n := d.Initial + d.Reminder + d.Renewed; n > 1 && last.After(first) {
		d.PerSecond = round(float64(n)/last.Sub(first).Seconds(), 2)
	}
	return d
}
