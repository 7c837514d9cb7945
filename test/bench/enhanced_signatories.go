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

// custState is the bench's knowledge of one customer during the run.
type custState struct {
	c          ecustomer
	atts       []string // attestation ids, in order of start
	firstAt    time.Time
	lastExpiry time.Time
	acceptID   string
	acceptAt   time.Time // when the planned acceptance is due
	acceptedAt time.Time // the simulator's acceptance time
	acceptErr  bool
	agreed     bool
}

// signatories plays the customers' signatories: it follows their attestations in the simulator
// and accepts a link when its signatory's planned time comes.
type signatories struct {
	sim      *pcsim.Server
	states   map[string]*custState // by signatory email
	newState *custState            // the customer created while the others wait
	seen     map[string]bool       // attestation ids
	started  int                   // customers, the newcomer apart, whose first attestation started
}

// pending counts what the run still waits for.
type pending struct {
	accept    int // acceptances to come
	agreement int // accepted, no agreement yet
	renewal   int // never-accepting customers whose link was not renewed yet
}

func newSignatories(sim *pcsim.Server, all []ecustomer, newcomer ecustomer) *signatories {
	states := make(map[string]*custState, len(all))
	for _, c := range all {
		states[strings.ToLower(c.sig.Email)] = &custState{c: c}
	}
	return &signatories{sim: sim, states: states, newState: states[strings.ToLower(newcomer.sig.Email)], seen: map[string]bool{}}
}

// track reads the attestations started so far: new ones, their expiries, and which customers
// have their agreement.
func (s *signatories) track() {
	for _, st := range s.states {
		st.agreed = false
	}
	for _, a := range s.sim.AttestationsStarted(partnerTenantID) {
		st := s.states[strings.ToLower(a.SignatoryEmail)]
		if st == nil {
			continue
		}
		if !s.seen[a.ID] {
			s.seen[a.ID] = true
			s.recordStart(st, a)
		}
		if a.ExpiresAt.After(st.lastExpiry) {
			st.lastExpiry = a.ExpiresAt
		}
		if a.Status == pcsim.StatusAgreementCreated {
			st.agreed = true
		}
	}
}

// recordStart records a new attestation of the customer; the first plans the acceptance.
func (s *signatories) recordStart(st *custState, a pcsim.Attestation) {
	st.atts = append(st.atts, a.ID)
	if len(st.atts) != 1 {
		return
	}
	st.firstAt = a.Created
	if st != s.newState {
		s.started++
	}
	if st.c.fate != fateNever {
		st.acceptID, st.acceptAt = a.ID, a.Created.Add(st.c.offset)
	}
}

// step accepts the links whose time has come and counts the customers awaiting their signatory
// and what the run still waits for.
func (s *signatories) step(now time.Time) (awaiting int, p pending) {
	for _, st := range s.states {
		if len(st.atts) > 0 && !st.agreed {
			awaiting++
		}
		if st.acceptID != "" && st.acceptedAt.IsZero() && !st.acceptErr && !now.Before(st.acceptAt) {
			s.accept(st)
		}
		switch {
		case st == s.newState:
		case st.c.fate != fateNever:
			if st.acceptErr {
				break
			}
			if st.acceptedAt.IsZero() {
				p.accept++
			} else if !st.agreed {
				p.agreement++
			}
		case len(st.atts) < 2:
			p.renewal++
		}
	}
	return awaiting, p
}

// accept has the customer's signatory accept the planned link.
func (s *signatories) accept(st *custState) {
	if err := s.sim.Accept(st.acceptID); err != nil {
		st.acceptErr = true
		logf("enhanced: %s could not accept: %v", st.c.name, err)
	} else if a, ok := s.sim.Attestation(st.acceptID); ok {
		st.acceptedAt = a.AcceptedAt
	}
}
