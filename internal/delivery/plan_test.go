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
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

const attID = "att-1"

var (
	t0     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	expiry = t0.Add(168 * time.Hour)
	both   = []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail, v1alpha1.ChannelWebhook}
	email  = []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}
)

func id(kind v1alpha1.DeliveryKind, offset time.Duration, ch v1alpha1.DeliveryChannel) string {
	return MessageID(attID, kind, offset, ch)
}

func sent(kind v1alpha1.DeliveryKind, offset time.Duration, ch v1alpha1.DeliveryChannel, at time.Time) v1alpha1.Delivery {
	mt := metav1.NewTime(at)
	return v1alpha1.Delivery{Channel: ch, Kind: kind, MessageID: id(kind, offset, ch), AttemptedAt: &mt, SentAt: &mt}
}

func attempted(kind v1alpha1.DeliveryKind, offset time.Duration, ch v1alpha1.DeliveryChannel, at time.Time) v1alpha1.Delivery {
	d := sent(kind, offset, ch, at)
	d.SentAt = nil
	return d
}

func failed(kind v1alpha1.DeliveryKind, offset time.Duration, ch v1alpha1.DeliveryChannel, at time.Time) v1alpha1.Delivery {
	d := attempted(kind, offset, ch, at)
	d.Failure = "550 5.1.1 unknown recipient"
	return d
}

func TestPlan(t *testing.T) {
	const (
		em = v1alpha1.ChannelEmail
		wh = v1alpha1.ChannelWebhook
	)
	initial, reminder, renewed := v1alpha1.DeliveryInitial, v1alpha1.DeliveryReminder, v1alpha1.DeliveryRenewed
	h := time.Hour
	cases := []struct {
		name string
		in   PlanInput
		want []Due
	}{
		{"first message on every channel", PlanInput{Channels: both, Now: t0}, []Due{
			{Channel: em, Kind: initial, MessageID: id(initial, 0, em), At: t0},
			{Channel: wh, Kind: initial, MessageID: id(initial, 0, wh), At: t0},
		}},
		{"a renewed link is announced as Renewed", PlanInput{Channels: email, Renewed: true, Now: t0}, []Due{
			{Channel: em, Kind: renewed, MessageID: id(renewed, 0, em), At: t0},
		}},
		{"no channel, nothing", PlanInput{Channels: []v1alpha1.DeliveryChannel{}, Now: t0}, nil},
		{"sent: nothing until the first reminder", PlanInput{Channels: email, Now: expiry.Add(-72*h - time.Second),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, nil},
		{"attempted without a result: sent again with the same id", PlanInput{Channels: email, Now: t0.Add(time.Minute),
			Recorded: []v1alpha1.Delivery{attempted(initial, 0, em, t0)}}, []Due{
			{Channel: em, Kind: initial, MessageID: id(initial, 0, em), At: t0, Resend: true},
		}},
		{"failed permanently: never again, no reminders either", PlanInput{Channels: email, Now: expiry.Add(-h),
			Recorded: []v1alpha1.Delivery{failed(initial, 0, em, t0)}}, nil},
		{"only the channel not yet sent", PlanInput{Channels: both, Now: t0.Add(time.Minute),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, []Due{
			{Channel: wh, Kind: initial, MessageID: id(initial, 0, wh), At: t0},
		}},
		{"first reminder at expiry-72h", PlanInput{Channels: email, Now: expiry.Add(-72 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, []Due{
			{Channel: em, Kind: reminder, Reminder: 72 * h, MessageID: id(reminder, 72*h, em), At: expiry.Add(-72 * h)},
		}},
		{"second reminder at expiry-24h", PlanInput{Channels: email, Now: expiry.Add(-24 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0), sent(reminder, 72*h, em, expiry.Add(-72*h))}}, []Due{
			{Channel: em, Kind: reminder, Reminder: 24 * h, MessageID: id(reminder, 24*h, em), At: expiry.Add(-24 * h)},
		}},
		{"after an outage only the latest reminder", PlanInput{Channels: email, Now: expiry.Add(-23 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, []Due{
			{Channel: em, Kind: reminder, Reminder: 24 * h, MessageID: id(reminder, 24*h, em), At: expiry.Add(-24 * h)},
		}},
		{"every reminder sent", PlanInput{Channels: email, Now: expiry.Add(-h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0), sent(reminder, 72*h, em, expiry.Add(-72*h)), sent(reminder, 24*h, em, expiry.Add(-24*h))}}, nil},
		{"reminder attempted without a result: resent", PlanInput{Channels: email, Now: expiry.Add(-71 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0), attempted(reminder, 72*h, em, expiry.Add(-72*h))}}, []Due{
			{Channel: em, Kind: reminder, Reminder: 72 * h, MessageID: id(reminder, 72*h, em), At: expiry.Add(-72 * h), Resend: true},
		}},
		{"reminder failed permanently: not again", PlanInput{Channels: email, Now: expiry.Add(-71 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0), failed(reminder, 72*h, em, expiry.Add(-72*h))}}, nil},
		{"expired link: nothing, not even the first message", PlanInput{Channels: both, Now: expiry}, nil},
		{"a reminder before the start is skipped", PlanInput{Channels: email, ExpiresAt: t0.Add(48 * h), Now: t0.Add(time.Minute),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, nil},
		{"short link: the 24h reminder still comes", PlanInput{Channels: email, ExpiresAt: t0.Add(48 * h), Now: t0.Add(24 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, []Due{
			{Channel: em, Kind: reminder, Reminder: 24 * h, MessageID: id(reminder, 24*h, em), At: t0.Add(24 * h)},
		}},
		{"a reminder before the (late) first send is skipped", PlanInput{Channels: email, Now: expiry.Add(-70 * h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, expiry.Add(-71*h))}}, nil},
		{"no reminder before the first message was sent", PlanInput{Channels: email, Now: expiry.Add(-23 * h),
			Recorded: []v1alpha1.Delivery{attempted(initial, 0, em, t0)}}, []Due{
			{Channel: em, Kind: initial, MessageID: id(initial, 0, em), At: t0, Resend: true},
		}},
		{"deliveries of another attestation do not count", PlanInput{Channels: email, Now: t0,
			Recorded: []v1alpha1.Delivery{{Channel: em, Kind: initial, MessageID: MessageID("att-0", initial, 0, em), SentAt: &metav1.Time{Time: t0.Add(-200 * h)}}}}, []Due{
			{Channel: em, Kind: initial, MessageID: id(initial, 0, em), At: t0},
		}},
		{"no reminders configured", PlanInput{Channels: email, Reminders: []time.Duration{}, Now: expiry.Add(-h),
			Recorded: []v1alpha1.Delivery{sent(initial, 0, em, t0)}}, nil},
		{"no attestation id: nothing", PlanInput{Channels: email, Now: t0}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.AttestationHandle == "" && tc.name != "no attestation id: nothing" {
				in.AttestationHandle = attID
			}
			if in.StartedAt.IsZero() {
				in.StartedAt = t0
			}
			if in.ExpiresAt.IsZero() {
				in.ExpiresAt = expiry
			}
			if in.Reminders == nil {
				in.Reminders = DefaultReminders
			}
			got := Plan(in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Plan:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestNext(t *testing.T) {
	h := time.Hour
	em := v1alpha1.ChannelEmail
	base := PlanInput{Channels: email, Reminders: DefaultReminders, AttestationHandle: attID, StartedAt: t0, ExpiresAt: expiry}
	cases := []struct {
		name     string
		now      time.Time
		recorded []v1alpha1.Delivery
		want     time.Time
	}{
		{"first message not sent: due now, nothing later", t0, nil, time.Time{}},
		{"after the first message: the first reminder", t0.Add(h), []v1alpha1.Delivery{sent(v1alpha1.DeliveryInitial, 0, em, t0)}, expiry.Add(-72 * h)},
		{"after the first reminder: the second", expiry.Add(-72 * h), []v1alpha1.Delivery{sent(v1alpha1.DeliveryInitial, 0, em, t0)}, expiry.Add(-24 * h)},
		{"after the last reminder: none", expiry.Add(-24 * h), []v1alpha1.Delivery{sent(v1alpha1.DeliveryInitial, 0, em, t0)}, time.Time{}},
		{"expired: none", expiry, []v1alpha1.Delivery{sent(v1alpha1.DeliveryInitial, 0, em, t0)}, time.Time{}},
	}
	for _, tc := range cases {
		in := base
		in.Now, in.Recorded = tc.now, tc.recorded
		got, ok := Next(in)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("%s: Next = %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
}

func TestChannels(t *testing.T) {
	emailOnly := &v1alpha1.LinkDelivery{Email: &v1alpha1.EmailDelivery{}}
	both := &v1alpha1.LinkDelivery{Email: &v1alpha1.EmailDelivery{}, Webhook: &v1alpha1.WebhookDelivery{}}
	cases := []struct {
		name     string
		partner  *v1alpha1.LinkDelivery
		customer *v1alpha1.CustomerLinkDelivery
		want     []v1alpha1.DeliveryChannel
	}{
		{"no delivery configured", nil, nil, nil},
		{"customer says nothing: every configured channel", both, nil, []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail, v1alpha1.ChannelWebhook}},
		{"channels absent: every configured channel", emailOnly, &v1alpha1.CustomerLinkDelivery{}, []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}},
		{"channels [] sends nothing", both, &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{}}, []v1alpha1.DeliveryChannel{}},
		{"a subset", both, &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelWebhook}}, []v1alpha1.DeliveryChannel{v1alpha1.ChannelWebhook}},
		{"a channel the tenant does not configure", emailOnly, &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelWebhook}}, []v1alpha1.DeliveryChannel{}},
	}
	for _, tc := range cases {
		got := Channels(tc.partner, tc.customer)
		if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("%s: Channels = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReminders(t *testing.T) {
	d := func(s ...time.Duration) []metav1.Duration {
		out := make([]metav1.Duration, 0, len(s))
		for _, x := range s {
			out = append(out, metav1.Duration{Duration: x})
		}
		return out
	}
	h := time.Hour
	if got := Reminders(nil); !reflect.DeepEqual(got, []time.Duration{72 * h, 24 * h}) {
		t.Errorf("nil: %v", got)
	}
	if got := Reminders(&v1alpha1.LinkDelivery{}); !reflect.DeepEqual(got, []time.Duration{72 * h, 24 * h}) {
		t.Errorf("unset: %v", got)
	}
	if got := Reminders(&v1alpha1.LinkDelivery{Reminders: d()}); len(got) != 0 {
		t.Errorf("[]: %v, want none", got)
	}
	if got := Reminders(&v1alpha1.LinkDelivery{Reminders: d(24*h, 0, 96*h, 24*h)}); !reflect.DeepEqual(got, []time.Duration{96 * h, 24 * h}) {
		t.Errorf("sorted, deduplicated, positive: %v", got)
	}
}
