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

package mca

import "time"

// AttestationPhase is where an enhanced attestation stands, as far as the rules care. Partner
// Center's own status words are modeled in the client, which gives each its phase.
type AttestationPhase int

const (
	// PhaseAwaitingCustomer: the acceptance link is out and the signatory has not accepted.
	PhaseAwaitingCustomer AttestationPhase = iota
	// PhaseAccepted: the signatory accepted (or the agreement was already created from it).
	PhaseAccepted
	// PhaseExpired: the link expired before the signatory accepted.
	PhaseExpired
)

// RenewalGrace is how long past its expiresAt an attestation that Partner Center still calls
// pending is given before a new one is started. Partner Center saying Expired renews at once; the
// grace covers a clock far off the server's, and the old attestation stays followed either way.
const RenewalGrace = 24 * time.Hour

// LinkExpired is the one rule of a link's expiry by the manager's clock: the link that expires at
// expiresAt counts as expired from grace after it on. An unknown expiry (zero) never expires by
// the clock; only Partner Center's word ends such a link.
func LinkExpired(expiresAt time.Time, grace time.Duration, now time.Time) bool {
	return !expiresAt.IsZero() && !now.Before(expiresAt.Add(grace))
}

// Phase gives an attestation's phase from Partner Center's word (told: the phase the client gave
// the status word Partner Center answered just now; otherwise the phase of the word last
// recorded, when Partner Center does not serve the read of an attestation), its expiry, its
// lifetime and now. A word Partner Center said is taken as it is: its clock decides. A recorded
// word is not news: the link counts as expired a margin after its expiry, a tenth of its lifetime
// and at most an hour (an hour when the lifetime is unknown), so that a manager clock ahead of the
// server's renews no link early.
func Phase(word AttestationPhase, told bool, expiresAt time.Time, lifetime time.Duration, now time.Time) AttestationPhase {
	if told || word != PhaseAwaitingCustomer {
		return word
	}
	if LinkExpired(expiresAt, renewalMargin(lifetime), now) {
		return PhaseExpired
	}
	return PhaseAwaitingCustomer
}

func renewalMargin(lifetime time.Duration) time.Duration {
	if lifetime <= 0 {
		return time.Hour
	}
	return min(time.Hour, lifetime/10)
}
