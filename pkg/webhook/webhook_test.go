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

package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	key  = []byte("whsec-0123456789abcdef-test-key")
	body = []byte(`{"id":"x","data":{"acceptanceLink":"https://accept.example/a"}}`)
	at   = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

func signed(now time.Time) http.Header {
	h := http.Header{}
	SignRequest(h, body, key, now)
	return h
}

func TestSignatureShape(t *testing.T) {
	h := signed(at)
	if h.Get(TimestampHeader) != strconv.FormatInt(at.Unix(), 10) {
		t.Errorf("timestamp %q", h.Get(TimestampHeader))
	}
	if sig := h.Get(SignatureHeader); !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Errorf("signature %q", sig)
	}
}

func TestVerify(t *testing.T) {
	good := signed(at)
	swapped := good.Clone()
	swapped.Set(TimestampHeader, signed(at.Add(time.Second)).Get(TimestampHeader))
	cases := []struct {
		name string
		h    http.Header
		body []byte
		key  []byte
		now  time.Time
		tol  time.Duration
		want error
	}{
		{name: "good", h: good, body: body, key: key, now: at.Add(time.Minute)},
		{name: "clock behind the sender", h: good, body: body, key: key, now: at.Add(-time.Minute)},
		{name: "tampered body", h: good, body: []byte(strings.Replace(string(body), "accept.example", "evil.example", 1)), key: key, now: at, want: ErrBadSignature},
		{name: "wrong secret", h: good, body: body, key: []byte("another-key"), now: at, want: ErrBadSignature},
		{name: "timestamp swapped", h: swapped, body: body, key: key, now: at, want: ErrBadSignature},
		{name: "stale (a replay)", h: good, body: body, key: key, now: at.Add(DefaultTolerance + time.Second), want: ErrStaleTimestamp},
		{name: "from the future", h: good, body: body, key: key, now: at.Add(-DefaultTolerance - time.Second), want: ErrStaleTimestamp},
		{name: "within a wider tolerance", h: good, body: body, key: key, now: at.Add(time.Hour), tol: 2 * time.Hour},
		{name: "outside a narrower tolerance", h: good, body: body, key: key, now: at.Add(2 * time.Minute), tol: time.Minute, want: ErrStaleTimestamp},
		{name: "no headers", h: http.Header{}, body: body, key: key, now: at, want: ErrNoSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Verify(c.h, c.body, c.key, c.tol, c.now); !errors.Is(err, c.want) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}
