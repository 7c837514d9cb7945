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
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

const testLink = "https://partner.microsoft.com/attest/accept?attestationId=att-123&token=s3cr3t-Tok3n_9f8e7d6c5b4a"

var sendTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func testMessage(kind v1alpha1.DeliveryKind, ch v1alpha1.DeliveryChannel) Message {
	return Message{
		ID:               MessageID("att-123", kind, 0, ch),
		Kind:             kind,
		AttestationID:    "att-123",
		AcceptanceLink:   testLink,
		ExpiresAt:        sendTime.Add(72*time.Hour + 30*time.Minute),
		Partner:          "Contoso Cloud",
		PartnerTenant:    "contoso",
		Customer:         types.NamespacedName{Namespace: "customers", Name: "fabrikam"},
		CustomerTenantID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		CompanyName:      "Fabrikam, Inc.",
		Language:         "en-US",
		Signatory:        v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example"},
	}
}

func newTestMailer(t *testing.T, r *relay, cfg SMTPConfig) *Mailer {
	t.Helper()
	cfg.Host, cfg.Port = "127.0.0.1", r.addr.Port
	if cfg.From == "" {
		cfg.From = "Contoso Billing <mca@contoso.example>"
	}
	cfg.Timeout = 10 * time.Second
	m, err := NewMailer(cfg, BuiltinTemplates(), func() time.Time { return sendTime })
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parsedMail is a received message, decoded.
type parsedMail struct {
	header     mail.Header
	text, html string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	out := parsedMail{header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body := decodePart(t, p)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			out.text = body
		case "text/html":
			out.html = body
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	return out
}

func decodePart(t *testing.T, p *multipart.Part) string {
	var r io.Reader = p
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(p)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	textLinkRE = regexp.MustCompile(`https://partner\.microsoft\.com/\S+`)
	hrefRE     = regexp.MustCompile(`href="(https://partner\.microsoft\.com/[^"]+)"`)
)

// checkMail asserts what the signatory receives.
func checkMail(t *testing.T, got received, m Message) parsedMail {
	t.Helper()
	if got.from != "mca@contoso.example" {
		t.Errorf("MAIL FROM %q", got.from)
	}
	if len(got.rcpt) != 1 || got.rcpt[0] != m.Signatory.Email {
		t.Errorf("RCPT TO %v, want only %s", got.rcpt, m.Signatory.Email)
	}
	p := parseMail(t, got.data)
	if from, err := mail.ParseAddress(p.header.Get("From")); err != nil || from.Address != "mca@contoso.example" || from.Name != "Contoso Billing" {
		t.Errorf("From %q", p.header.Get("From"))
	}
	if to, err := mail.ParseAddress(p.header.Get("To")); err != nil || to.Address != m.Signatory.Email || to.Name != "Ada Lovelace" {
		t.Errorf("To %q", p.header.Get("To"))
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "Contoso Cloud") || !strings.Contains(subject, "Fabrikam, Inc.") {
		t.Errorf("Subject %q", subject)
	}
	if got := p.header.Get("Message-Id"); got != "<"+m.ID+">" {
		t.Errorf("Message-ID %q, want <%s>", got, m.ID)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(sendTime) {
		t.Errorf("Date %q", p.header.Get("Date"))
	}
	if links := textLinkRE.FindAllString(p.text, -1); len(links) != 1 || links[0] != m.AcceptanceLink {
		t.Errorf("links in the text part %q, want exactly [%s]", links, m.AcceptanceLink)
	}
	hrefs := hrefRE.FindAllStringSubmatch(p.html, -1)
	if len(hrefs) != 1 || html.UnescapeString(hrefs[0][1]) != m.AcceptanceLink {
		t.Errorf("links in the HTML part %q, want one href to %s", hrefs, m.AcceptanceLink)
	}
	for _, want := range []string{"Ada Lovelace", "Fabrikam, Inc.", "Contoso Cloud", AgreementURL, "Thursday, 5 March 2026 at 10:00 UTC", "in 3 days"} {
		if !strings.Contains(p.text, want) || !strings.Contains(html.UnescapeString(p.html), want) {
			t.Errorf("a part does not say %q:\n%s\n%s", want, p.text, p.html)
		}
	}
	return p
}

func TestEmailStartTLSWithAuth(t *testing.T) {
	ca := newTestCA(t)
	for _, mech := range []string{sasl.Plain, sasl.Login} {
		t.Run(mech, func(t *testing.T) {
			r := startRelay(t, relayOptions{startTLS: ca.serverConfig(), user: "relay-user", pass: "hunter2-relay-password", mechs: []string{mech}})
			m := newTestMailer(t, r, SMTPConfig{TLS: v1alpha1.SMTPTLSStartTLS, Username: "relay-user", Password: "hunter2-relay-password", RootCAs: ca.pool, ReplyTo: "billing@contoso.example"})
			msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelEmail)
			// Twice, as after a crash between the send and the status write.
			for range 2 {
				if err := m.Send(context.Background(), msg); err != nil {
					t.Fatal(err)
				}
			}
			got := r.messages()
			if len(got) != 2 {
				t.Fatalf("received %d messages, want 2", len(got))
			}
			for _, g := range got {
				if !g.tls || !g.auth {
					t.Errorf("message received with tls=%v auth=%v, want both", g.tls, g.auth)
				}
				p := checkMail(t, g, msg)
				if p.header.Get("Reply-To") != "<billing@contoso.example>" {
					t.Errorf("Reply-To %q", p.header.Get("Reply-To"))
				}
			}
			if a, b := parseMail(t, got[0].data).header.Get("Message-Id"), parseMail(t, got[1].data).header.Get("Message-Id"); a != b {
				t.Errorf("Message-ID changed between sends: %s, %s", a, b)
			}
		})
	}
}

func TestEmailPlain(t *testing.T) {
	r := startRelay(t, relayOptions{})
	m := newTestMailer(t, r, SMTPConfig{TLS: v1alpha1.SMTPTLSNone})
	msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelEmail)
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 || got[0].tls {
		t.Fatalf("received %d messages (tls=%v), want 1 in plain text", len(got), len(got) == 1 && got[0].tls)
	}
	checkMail(t, got[0], msg)
}

func TestEmailImplicitTLS(t *testing.T) {
	ca := newTestCA(t)
	r := startRelay(t, relayOptions{implicitTLS: ca.serverConfig()})
	m := newTestMailer(t, r, SMTPConfig{TLS: v1alpha1.SMTPTLSImplicit, RootCAs: ca.pool})
	msg := testMessage(v1alpha1.DeliveryReminder, v1alpha1.ChannelEmail)
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 || !got[0].tls {
		t.Fatalf("received %v, want one message over TLS", got)
	}
	p := checkMail(t, got[0], msg)
	if s := p.header.Get("Subject"); !strings.HasPrefix(s, "Reminder:") {
		t.Errorf("reminder subject %q", s)
	}
}

func TestEmailErrors(t *testing.T) {
	ca := newTestCA(t)
	const password = "hunter2-relay-password"
	msg := testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelEmail)
	type check struct {
		permanent bool
		code      int
	}
	cases := []struct {
		name  string
		relay relayOptions
		cfg   SMTPConfig
		setup func(*relay)
		want  check
	}{
		{"550 unknown recipient is permanent", relayOptions{}, SMTPConfig{TLS: v1alpha1.SMTPTLSNone},
			func(r *relay) {
				r.failRcpt(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
			}, check{true, 550}},
		{"451 is retried", relayOptions{}, SMTPConfig{TLS: v1alpha1.SMTPTLSNone},
			func(r *relay) {
				r.failRcpt(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"})
			}, check{false, 451}},
		{"554 on the content that repeats the link is permanent and redacted", relayOptions{}, SMTPConfig{TLS: v1alpha1.SMTPTLSNone},
			func(r *relay) {
				r.failData(&smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "refused: contains " + testLink})
			}, check{true, 554}},
		{"a wrong password is retried (fix the Secret) and not repeated", relayOptions{startTLS: ca.serverConfig(), user: "relay-user", pass: "other", mechs: []string{sasl.Plain}},
			SMTPConfig{TLS: v1alpha1.SMTPTLSStartTLS, RootCAs: ca.pool, Username: "relay-user", Password: password}, nil, check{false, 0}},
		{"StartTLS is mandatory: no fallback to plain text", relayOptions{}, SMTPConfig{TLS: v1alpha1.SMTPTLSStartTLS}, nil, check{false, 0}},
		{"an untrusted certificate is refused", relayOptions{startTLS: ca.serverConfig()}, SMTPConfig{TLS: v1alpha1.SMTPTLSStartTLS}, nil, check{false, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := startRelay(t, tc.relay)
			if tc.setup != nil {
				tc.setup(r)
			}
			err := newTestMailer(t, r, tc.cfg).Send(context.Background(), msg)
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if de.Permanent != tc.want.permanent || IsPermanent(err) != tc.want.permanent || de.Code != tc.want.code {
				t.Errorf("error %q: permanent=%v code=%d, want %+v", err, de.Permanent, de.Code, tc.want)
			}
			wantOutcome := map[bool]string{true: OutcomeFailed, false: OutcomeDeferred}[tc.want.permanent]
			if Outcome(err) != wantOutcome {
				t.Errorf("Outcome = %s, want %s", Outcome(err), wantOutcome)
			}
			t.Logf("error: %v", err)
			assertRedacted(t, err.Error(), password)
			if len(r.messages()) != 0 {
				t.Errorf("the relay accepted a message")
			}
		})
	}
}

func TestEmailNetworkErrorIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	m, err := NewMailer(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: v1alpha1.SMTPTLSNone, From: "mca@contoso.example", Timeout: 5 * time.Second}, BuiltinTemplates(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelEmail))
	if err == nil || IsPermanent(err) {
		t.Fatalf("error %v, want a retryable one", err)
	}
}

// Over a plain connection the password is never sent with PLAIN or LOGIN.
func TestEmailNoPasswordInClear(t *testing.T) {
	r := startRelay(t, relayOptions{user: "relay-user", pass: "hunter2-relay-password", mechs: []string{sasl.Plain, sasl.Login}, insecureAuth: true})
	m := newTestMailer(t, r, SMTPConfig{TLS: v1alpha1.SMTPTLSNone, Username: "relay-user", Password: "hunter2-relay-password"})
	err := m.Send(context.Background(), testMessage(v1alpha1.DeliveryInitial, v1alpha1.ChannelEmail))
	if err == nil || IsPermanent(err) {
		t.Fatalf("error %v, want a retryable refusal", err)
	}
	t.Logf("error: %v", err)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.passwords) != 0 {
		t.Errorf("the relay received a password over plain text")
	}
}

func assertRedacted(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range append([]string{testLink, "s3cr3t-Tok3n"}, secrets...) {
		if strings.Contains(text, s) {
			t.Errorf("error text %q holds a secret", text)
		}
	}
}

func TestNewMailerRefusesBadConfig(t *testing.T) {
	for _, cfg := range []SMTPConfig{
		{From: "mca@contoso.example"},
		{Host: "relay.example", From: "not an address"},
		{Host: "relay.example", From: "mca@contoso.example", ReplyTo: "a@b@c"},
		{Host: "relay.example", From: "mca@contoso.example", TLS: "Sometimes"},
	} {
		if _, err := NewMailer(cfg, BuiltinTemplates(), nil); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := NewMailer(SMTPConfig{Host: "relay.example", From: "mca@contoso.example"}, nil, nil); err == nil {
		t.Error("no templates accepted")
	}
}

// An address the sender cannot parse fails permanently: retrying it would never send.
func TestUnparsableAddressesFailPermanently(t *testing.T) {
	for _, addr := range []string{"Contoso, Inc. <mca@contoso.example>", "mca@contoso.example>", "<mca@contoso.example", "mca\x00@contoso.example", ".mca@contoso.example"} {
		if _, err := ParseAddress(addr); err == nil {
			t.Errorf("ParseAddress(%q) accepted it", addr)
		}
		for _, cfg := range []SMTPConfig{
			{Host: "relay.example", From: addr},
			{Host: "relay.example", From: "mca@contoso.example", ReplyTo: addr},
		} {
			if _, err := NewMailer(cfg, BuiltinTemplates(), nil); !IsPermanent(err) {
				t.Errorf("NewMailer(from %q, replyTo %q) = %v, want a permanent error", cfg.From, cfg.ReplyTo, err)
			}
		}
	}
	if a, err := ParseAddress("Contoso Billing <mca@contoso.example>"); err != nil || a.Address != "mca@contoso.example" {
		t.Errorf("ParseAddress of a good address = %v, %v", a, err)
	}
}
