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
	"net/mail"
	"regexp"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestMessageID(t *testing.T) {
	h := time.Hour
	em, wh := v1alpha1.ChannelEmail, v1alpha1.ChannelWebhook
	emailRE := regexp.MustCompile(`^[0-9a-f]{32}\.[a-z0-9-]+@mca-operator\.partnercenter\.mca\.dev$`)
	webhookRE := regexp.MustCompile(`^[0-9a-f]{32}\.[a-z0-9-]+$`)
	cases := []struct {
		kind   v1alpha1.DeliveryKind
		offset time.Duration
		ch     v1alpha1.DeliveryChannel
		suffix string
	}{
		{v1alpha1.DeliveryInitial, 0, em, ".initial@mca-operator.partnercenter.mca.dev"},
		{v1alpha1.DeliveryInitial, 5 * h, em, ".initial@mca-operator.partnercenter.mca.dev"}, // the offset is a Reminder's only
		{v1alpha1.DeliveryRenewed, 0, em, ".renewed@mca-operator.partnercenter.mca.dev"},
		{v1alpha1.DeliveryReminder, 72 * h, em, ".reminder-72h@mca-operator.partnercenter.mca.dev"},
		{v1alpha1.DeliveryReminder, 90 * time.Minute, em, ".reminder-1h30m@mca-operator.partnercenter.mca.dev"},
		{v1alpha1.DeliveryReminder, 24 * h, wh, ".reminder-24h"},
		{v1alpha1.DeliveryInitial, 0, wh, ".initial"},
	}
	for _, tc := range cases {
		got := MessageID("att-1", tc.kind, tc.offset, tc.ch)
		if got != MessageID("att-1", tc.kind, tc.offset, tc.ch) {
			t.Errorf("%s/%s: not stable", tc.kind, tc.ch)
		}
		if len(got) != 32+len(tc.suffix) || got[32:] != tc.suffix {
			t.Errorf("%s/%v/%s = %q, want <hash>%s", tc.kind, tc.offset, tc.ch, got, tc.suffix)
		}
		re := webhookRE
		if tc.ch == em {
			re = emailRE
			if _, err := mail.ParseAddress("x <" + got + ">"); err != nil {
				t.Errorf("%q is not an RFC 5322 msg-id: %v", got, err)
			}
		}
		if !re.MatchString(got) {
			t.Errorf("%q does not match %s", got, re)
		}
		if len(got) > 256 {
			t.Errorf("%q is longer than Delivery.messageId allows", got)
		}
	}
	// Anything that names another message gives another id.
	base := MessageID("att-1", v1alpha1.DeliveryReminder, 72*h, em)
	for _, other := range []string{
		MessageID("att-2", v1alpha1.DeliveryReminder, 72*h, em),
		MessageID("att-1", v1alpha1.DeliveryReminder, 24*h, em),
		MessageID("att-1", v1alpha1.DeliveryReminder, 72*h, wh) + "@" + MessageIDDomain,
		MessageID("att-1", v1alpha1.DeliveryInitial, 0, em),
	} {
		if other == base {
			t.Errorf("collision: %q", other)
		}
	}
	// The derivation is part of the stored state: a changed one would resend every message after
	// an upgrade under a new id.
	if got, want := MessageID("att-1", v1alpha1.DeliveryInitial, 0, em), golden; got != want {
		t.Errorf("MessageID(att-1, Initial, Email) = %q, want %q", got, want)
	}
}

const golden = "5f61a23e8e36f7bca27d179cfb8d4312.initial@mca-operator.partnercenter.mca.dev"
