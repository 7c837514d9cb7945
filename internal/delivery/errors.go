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
	"encoding/json"
	"errors"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Outcomes of a send, for the metric mca_link_deliveries_total.
const (
	OutcomeSent     = "sent"
	OutcomeDeferred = "deferred"
	OutcomeFailed   = "failed"
)

// maxErrorLen is the longest error text returned; Delivery.failure holds at most 1024 characters.
const maxErrorLen = 1000

const redacted = "[redacted]"

// Error is a failed send. Its text is redacted: it never holds the acceptance link, the SMTP
// password or the HMAC key, so it may go into a condition, an event or Delivery.failure.
type Error struct {
	Channel v1alpha1.DeliveryChannel
	// Permanent: do not send this message again (SMTP 5xx, webhook 4xx, or too many attempts).
	Permanent bool
	// Code is the SMTP reply code or the HTTP status; 0 for a network error.
	Code int
	msg  string
}

func (e *Error) Error() string { return e.msg }

// IsPermanent reports whether err says the message must not be sent again.
func IsPermanent(err error) bool {
	var de *Error
	return errors.As(err, &de) && de.Permanent
}

// Outcome maps the result of a send to the metric's outcome label.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeSent
	case IsPermanent(err):
		return OutcomeFailed
	default:
		return OutcomeDeferred
	}
}

// Backoff is the wait before retrying a deferred message after its attempt-th try (from 1):
// 30s doubling to at most 30m.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// redactor replaces secrets, and the encodings they may travel in, by [redacted].
type redactor []string

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range withQueryValues(secrets) {
		if len(s) < 4 {
			continue // too short to be a secret worth hiding, and would shred the text
		}
		js, _ := json.Marshal(s)
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s), strings.Trim(string(js), `"`)}
		for _, f := range forms {
			// JSON may also escape the solidus (\/), as PHP's json_encode does.
			r = append(r, f, strings.ReplaceAll(f, "/", `\/`))
		}
	}
	// longest first, so that an encoding containing another one is replaced whole
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && len(r[j]) > len(r[j-1]); j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
	return r
}

// withQueryValues adds the longer query values of the secrets that are URLs: a token quoted
// without the rest of its link is still a credential.
func withQueryValues(secrets []string) []string {
	out := slices.Clone(secrets)
	for _, s := range secrets {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			continue
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= 8 {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// urlRE matches a URL, also with its slashes JSON-escaped (https:\/\/...).
var urlRE = regexp.MustCompile(`(?i)https?:(?:\\?/){2}[^\s"'<>]+`)

// redact returns text without the secrets and without any URL (a partial or re-encoded link is a
// URL too), on one line and bounded in length.
func (r redactor) redact(text string) string {
	for _, s := range r {
		text = strings.ReplaceAll(text, s, redacted)
	}
	text = urlRE.ReplaceAllString(text, "[url]")
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxErrorLen {
		text = strings.ToValidUTF8(text[:maxErrorLen], "") + "…"
	}
	return text
}

func (r redactor) error(ch v1alpha1.DeliveryChannel, permanent bool, code int, text string) *Error {
	return &Error{Channel: ch, Permanent: permanent, Code: code, msg: r.redact(text)}
}
