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
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestRedact(t *testing.T) {
	const password = "pa ss&word<1>"
	red := newRedactor(testLink, password, "ab")
	cases := map[string]string{
		"raw":          "550 refused " + testLink,
		"query":        "bad param url=" + url.QueryEscape(testLink),
		"json":         `{"acceptanceLink":"https://partner.microsoft.com/attest/accept?attestationId=att-123\u0026token=s3cr3t-Tok3n_9f8e7d6c5b4a"}`,
		"html":         "<a href=\"" + html.EscapeString(testLink) + "\">",
		"cut link":     "body: {\"link\":\"https://partner.microsoft.com/attest/accept?attestationId=att-123&tok",
		"password":     "535 bad credentials user:" + password,
		"html pass":    "535 bad credentials " + html.EscapeString(password),
		"query pass":   "535 bad credentials " + url.QueryEscape(password),
		"line breaks":  "550 5.1.1\r\n" + testLink + "\nnext",
		"no URL match": "token=s3cr3t-Tok3n_9f8e7d6c5b4a",
	}
	for name, in := range cases {
		out := red.redact(in)
		for _, s := range []string{"s3cr3t-Tok3n", "att-123&", "ss&word", "ss&amp;word", "ss%26word", "\n", "\r"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q still holds %q", name, out, s)
			}
		}
	}
	if got := red.redact("abc 550 ab"); got != "abc 550 ab" {
		t.Errorf("a too-short secret shredded the text: %q", got)
	}
	long := red.redact(strings.Repeat("é", 2000))
	if len(long) > maxErrorLen+len("…") || !utf8.ValidString(long) {
		t.Errorf("long text: %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
}

func TestErrorAndOutcome(t *testing.T) {
	perm := newRedactor().error(v1alpha1.ChannelEmail, true, 550, "550 no such user")
	temp := newRedactor().error(v1alpha1.ChannelEmail, false, 451, "451 later")
	wrapped := fmt.Errorf("delivering: %w", perm)
	for _, tc := range []struct {
		err       error
		permanent bool
		outcome   string
	}{
		{nil, false, OutcomeSent},
		{perm, true, OutcomeFailed},
		{wrapped, true, OutcomeFailed},
		{temp, false, OutcomeDeferred},
		{errors.New("other"), false, OutcomeDeferred},
	} {
		if IsPermanent(tc.err) != tc.permanent || Outcome(tc.err) != tc.outcome {
			t.Errorf("%v: permanent %v outcome %s, want %v %s", tc.err, IsPermanent(tc.err), Outcome(tc.err), tc.permanent, tc.outcome)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 30 * time.Minute, 100: 30 * time.Minute} {
		if got := Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}
