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
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// SMTPConfig is a mail relay and the sender, as spec.linkDelivery.email and its Secret give them.
type SMTPConfig struct {
	Host string
	// Port defaults to 587.
	Port int
	// TLS: StartTLS (mandatory: refused when the relay does not offer it, the default), TLS
	// (implicit) or None (plain text).
	TLS v1alpha1.SMTPTLS
	// Username and Password authenticate when Username is set. Over None only mechanisms that do
	// not send the password in the clear are used.
	Username, Password string
	// RootCAs verifies the relay's certificate; nil: the system's roots.
	RootCAs *x509.CertPool
	// From and ReplyTo (optional) are RFC 5322 addresses.
	From, ReplyTo string
	// Timeout bounds the connection and each command; default 30s.
	Timeout time.Duration
}

// Mailer sends acceptance links by email.
type Mailer struct {
	cfg       SMTPConfig
	templates *Templates
	now       func() time.Time
}

// NewMailer returns a Mailer that writes with templates (BuiltinTemplates, or LoadTemplates of the
// PartnerTenant's ConfigMap: when that fails, send no email for the tenant); now nil means time.Now.
func NewMailer(cfg SMTPConfig, templates *Templates, now func() time.Time) (*Mailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	// An address the sender cannot parse never sends: a permanent failure, not one to retry.
	if _, err := ParseSenderAddress(cfg.From); err != nil {
		return nil, &Error{Channel: v1alpha1.ChannelEmail, Permanent: true, msg: fmt.Sprintf("smtp: from %q: %v", cfg.From, err)}
	}
	if _, err := ParseAddress(cfg.ReplyTo); cfg.ReplyTo != "" && err != nil {
		return nil, &Error{Channel: v1alpha1.ChannelEmail, Permanent: true, msg: fmt.Sprintf("smtp: replyTo %q: %v", cfg.ReplyTo, err)}
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.TLS == "" {
		cfg.TLS = v1alpha1.SMTPTLSStartTLS
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if templates == nil {
		return nil, errors.New("smtp: no templates")
	}
	if now == nil {
		now = time.Now
	}
	m := &Mailer{cfg: cfg, templates: templates, now: now}
	if _, err := m.clientOptions(); err != nil {
		return nil, m.redactor(Message{}).error(v1alpha1.ChannelEmail, false, 0, err.Error())
	}
	return m, nil
}

// ParseAddress parses an RFC 5322 address (with or without a display name) exactly as the
// Mailer does for replyTo and the recipient: what it refuses is never sent.
func ParseAddress(s string) (*netmail.Address, error) {
	return netmail.ParseAddress(s)
}

var (
	senderAddress          = regexp.MustCompile(v1alpha1.SenderAddressPattern)
	senderLocalPartTooLong = regexp.MustCompile(v1alpha1.SenderLocalPartTooLong)
)

// ParseSenderAddress parses spec.linkDelivery.email.from as the Mailer does: by the CRD's own
// rules (v1alpha1.SenderAddressPattern, which also refuse what net/mail would read in a way a
// reader does not expect: comments, address literals, quoted local parts, encoded words), then
// net/mail. The API server admits exactly the addresses it parses.
func ParseSenderAddress(s string) (*netmail.Address, error) {
	if !senderAddress.MatchString(s) {
		return nil, errors.New("not an address such as mca@contoso.example or Contoso <mca@contoso.example>")
	}
	if senderLocalPartTooLong.MatchString(s) {
		return nil, errors.New("more than 64 characters before the @")
	}
	return netmail.ParseAddress(s)
}

// Send delivers m to m.Signatory.Email. The error is an *Error: retryable for SMTP 4xx answers,
// network, TLS and authentication failures; permanent for 5xx answers to the message (such as
// 550, an unknown recipient) and for a recipient address that does not parse.
func (mr *Mailer) Send(ctx context.Context, m Message) error {
	red := mr.redactor(m)
	if _, err := ParseAddress(m.Signatory.Email); err != nil {
		return red.error(v1alpha1.ChannelEmail, true, 0, fmt.Sprintf("smtp: to %q: %v", m.Signatory.Email, err))
	}
	msg, err := mr.compose(m)
	if err != nil {
		return red.error(v1alpha1.ChannelEmail, false, 0, "compose: "+err.Error())
	}
	opts, err := mr.clientOptions()
	if err != nil {
		return red.error(v1alpha1.ChannelEmail, false, 0, err.Error())
	}
	client, err := mail.NewClient(mr.cfg.Host, opts...)
	if err != nil {
		return red.error(v1alpha1.ChannelEmail, false, 0, err.Error())
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err == nil || msg.IsDelivered() {
		// a failure after the relay accepted the message (RSET, QUIT) does not matter
		return nil
	}
	return classifySMTP(red, err)
}

func (mr *Mailer) redactor(m Message) redactor {
	return newRedactor(m.AcceptanceLink, m.AttestationID, mr.cfg.Password)
}

func classifySMTP(red redactor, err error) *Error {
	var se *mail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		permanent := code >= 500 && code < 600 && !se.IsTemp()
		return red.error(v1alpha1.ChannelEmail, permanent, code, err.Error())
	}
	return red.error(v1alpha1.ChannelEmail, false, 0, err.Error())
}

func (mr *Mailer) clientOptions() ([]mail.Option, error) {
	tlsConf := &tls.Config{ServerName: mr.cfg.Host, RootCAs: mr.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	opts := []mail.Option{
		mail.WithPort(mr.cfg.Port),
		mail.WithTimeout(mr.cfg.Timeout),
		mail.WithTLSConfig(tlsConf),
	}
	switch mr.cfg.TLS {
	case v1alpha1.SMTPTLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case v1alpha1.SMTPTLSImplicit:
		opts = append(opts, mail.WithSSL())
	case v1alpha1.SMTPTLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp: unknown tls mode %q", mr.cfg.TLS)
	}
	if mr.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(mr.cfg.Username), mail.WithPassword(mr.cfg.Password))
	}
	return opts, nil
}

// compose builds the multipart/alternative message.
func (mr *Mailer) compose(m Message) (*mail.Msg, error) {
	now := mr.now()
	r, err := mr.templates.Render(m.Language, NewTemplateData(m, now))
	if err != nil {
		return nil, err
	}
	msg := mail.NewMsg()
	if err := msg.From(mr.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if mr.cfg.ReplyTo != "" {
		if err := msg.ReplyTo(mr.cfg.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	name := m.Signatory.FirstName + " " + m.Signatory.LastName
	if err := msg.AddToFormat(name, m.Signatory.Email); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(r.Subject)
	msg.SetMessageIDWithValue(m.ID)
	msg.SetDateWithValue(now)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(mail.TypeTextPlain, r.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, r.HTML)
	return msg, nil
}
