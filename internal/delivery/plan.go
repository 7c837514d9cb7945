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

package delivery

import (
	"slices"
	"sort"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// DefaultReminders are sent this long before a link expires when the PartnerTenant sets none.
var DefaultReminders = []time.Duration{72 * time.Hour, 24 * time.Hour}

// PlanInput is what Plan needs to know about one attestation.
type PlanInput struct {
	// Channels to deliver on, as Channels resolves them.
	Channels []v1alpha1.DeliveryChannel
	// Reminders are offsets before expiry, as Reminders resolves them.
	Reminders []time.Duration
	// AttestationHandle is status.attestation.handle (message ids derive from it).
	AttestationHandle string
	StartedAt         time.Time
	ExpiresAt         time.Time
	// Renewed: this link replaced an expired one (status.attestation.renewals > 0), so its first
	// message is a Renewed one rather than an Initial one.
	Renewed bool
	// Recorded is status.attestation.deliveries.
	Recorded []v1alpha1.Delivery
	Now      time.Time
}

// Due is one message to send now.
type Due struct {
	Channel v1alpha1.DeliveryChannel
	Kind    v1alpha1.DeliveryKind
	// Reminder is the offset before expiry of a Reminder (0 for the other kinds).
	Reminder  time.Duration
	MessageID string
	// At is when the message fell due.
	At time.Time
	// Resend: a send was attempted (attemptedAt recorded) without a recorded result; send again
	// with the same MessageID.
	Resend bool
}

// Channels resolves the channels of one customer: those the PartnerTenant configures, restricted
// to the CustomerAgreement's spec.linkDelivery.channels when given (nil: all; empty: none).
func Channels(partner *v1alpha1.LinkDelivery, customer *v1alpha1.CustomerLinkDelivery) []v1alpha1.DeliveryChannel {
	if partner == nil {
		return nil
	}
	var configured []v1alpha1.DeliveryChannel
	if partner.Email != nil {
		configured = append(configured, v1alpha1.ChannelEmail)
	}
	if partner.Webhook != nil {
		configured = append(configured, v1alpha1.ChannelWebhook)
	}
	if customer == nil || customer.Channels == nil {
		return configured
	}
	return slices.DeleteFunc(configured, func(c v1alpha1.DeliveryChannel) bool {
		return !slices.Contains(customer.Channels, c)
	})
}

// Reminders resolves the PartnerTenant's reminder offsets, largest first; nil gives
// DefaultReminders, an empty list none. Offsets that are not positive are dropped.
func Reminders(partner *v1alpha1.LinkDelivery) []time.Duration {
	if partner == nil || partner.Reminders == nil {
		return slices.Clone(DefaultReminders)
	}
	var out []time.Duration
	for _, r := range partner.Reminders {
		if r.Duration > 0 && !slices.Contains(out, r.Duration) {
			out = append(out, r.Duration)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] > out[j] })
	return out
}

// Plan lists the messages due at in.Now, per channel: the first message (Initial, or Renewed
// after a renewal) as soon as the attestation started, then a Reminder at each offset before
// expiry. Nothing is due once the link has expired. A message already sent or failed permanently
// is never due again. A Reminder is due only after the first message of its channel was sent,
// only if it falls after that send, and only the latest one whose time has come: a signatory
// gets one reminder, not a burst, after an outage.
func Plan(in PlanInput) []Due {
	if in.AttestationHandle == "" || in.ExpiresAt.IsZero() || mca.LinkExpired(in.ExpiresAt, 0, in.Now) {
		return nil
	}
	var due []Due
	for _, ch := range in.Channels {
		if d, ok := dueOn(in, ch); ok {
			due = append(due, d)
		}
	}
	return due
}

// Next returns when the next message of the attestation falls due after in.Now (for a requeue),
// or false when none will.
func Next(in PlanInput) (time.Time, bool) {
	if in.AttestationHandle == "" || in.ExpiresAt.IsZero() || mca.LinkExpired(in.ExpiresAt, 0, in.Now) {
		return time.Time{}, false
	}
	var next time.Time
	for _, ch := range in.Channels {
		first, ok := firstSent(in, ch)
		if !ok {
			continue // the first message is due now, or will never be
		}
		for _, r := range reminderTimes(in, first) {
			if r.at.After(in.Now) && (next.IsZero() || r.at.Before(next)) {
				next = r.at
			}
		}
	}
	return next, !next.IsZero()
}

func firstKind(in PlanInput) v1alpha1.DeliveryKind {
	if in.Renewed {
		return v1alpha1.DeliveryRenewed
	}
	return v1alpha1.DeliveryInitial
}

// dueOn returns the one message due on a channel, if any.
func dueOn(in PlanInput, ch v1alpha1.DeliveryChannel) (Due, bool) {
	kind := firstKind(in)
	id := MessageID(in.AttestationHandle, kind, 0, ch)
	rec := recorded(in.Recorded, ch, id)
	if rec == nil || pending(rec) {
		return Due{Channel: ch, Kind: kind, MessageID: id, At: in.StartedAt, Resend: rec != nil}, true
	}
	if rec.SentAt == nil {
		return Due{}, false // the channel failed permanently for this attestation
	}
	var last *reminderTime
	for _, r := range reminderTimes(in, rec.SentAt.Time) {
		if !r.at.After(in.Now) {
			last = &r
		}
	}
	if last == nil {
		return Due{}, false
	}
	id = MessageID(in.AttestationHandle, v1alpha1.DeliveryReminder, last.offset, ch)
	rec = recorded(in.Recorded, ch, id)
	if rec != nil && !pending(rec) {
		return Due{}, false
	}
	return Due{Channel: ch, Kind: v1alpha1.DeliveryReminder, Reminder: last.offset, MessageID: id, At: last.at, Resend: rec != nil}, true
}

// firstSent returns when the first message of a channel was sent.
func firstSent(in PlanInput, ch v1alpha1.DeliveryChannel) (time.Time, bool) {
	rec := recorded(in.Recorded, ch, MessageID(in.AttestationHandle, firstKind(in), 0, ch))
	if rec == nil || rec.SentAt == nil {
		return time.Time{}, false
	}
	return rec.SentAt.Time, true
}

type reminderTime struct {
	offset time.Duration
	at     time.Time
}

// reminderTimes lists the reminders that fall after the first send and the start, in time order.
func reminderTimes(in PlanInput, firstSentAt time.Time) []reminderTime {
	var out []reminderTime
	for _, off := range in.Reminders {
		at := in.ExpiresAt.Add(-off)
		if off <= 0 || !at.After(in.StartedAt) || !at.After(firstSentAt) {
			continue
		}
		out = append(out, reminderTime{offset: off, at: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func recorded(recs []v1alpha1.Delivery, ch v1alpha1.DeliveryChannel, id string) *v1alpha1.Delivery {
	for i := range recs {
		if recs[i].Channel == ch && recs[i].MessageID == id {
			return &recs[i]
		}
	}
	return nil
}

// pending: attempted, with neither a success nor a permanent failure recorded.
func pending(d *v1alpha1.Delivery) bool {
	return d.SentAt == nil && d.Failure == ""
}
