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
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// MessageIDDomain is the right-hand side of every email Message-ID the operator sends.
const MessageIDDomain = "mca-operator.partnercenter.mca.dev"

// MessageID derives the id of one message: the same attestation, kind, reminder offset and channel
// always give the same id, so a message sent again after a crash carries the id of the first. For
// Email it is an RFC 5322 msg-id without its angle brackets; for Webhook, the CloudEvent's id.
// reminder is the offset before expiry of a Reminder and ignored for the other kinds.
func MessageID(attestation string, kind v1alpha1.DeliveryKind, reminder time.Duration, channel v1alpha1.DeliveryChannel) string {
	label := kindLabel(kind, reminder)
	sum := sha256.Sum256([]byte(strings.Join([]string{attestation, label, string(channel)}, "\x00")))
	id := hex.EncodeToString(sum[:16]) + "." + label
	if channel == v1alpha1.ChannelEmail {
		id += "@" + MessageIDDomain
	}
	return id
}

func kindLabel(kind v1alpha1.DeliveryKind, reminder time.Duration) string {
	label := strings.ToLower(string(kind))
	if kind == v1alpha1.DeliveryReminder {
		label += "-" + shortDuration(reminder)
	}
	return label
}

// shortDuration writes 72h0m0s as 72h and 1h30m0s as 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
