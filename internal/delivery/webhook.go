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
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/pkg/webhook"
)

// CloudEvents attributes of the webhook's events.
const (
	EventType      = "dev.mca.partnercenter.acceptancelink.v1"
	eventMediaType = "application/cloudevents+json; charset=utf-8"
)

// DefaultWebhookAttempts bounds the tries of one webhook message.
const DefaultWebhookAttempts = 8

// WebhookConfig is spec.linkDelivery.webhook and its Secret.
type WebhookConfig struct {
	// URL must be https.
	URL     string
	HMACKey []byte
	// RootCAs verifies the receiver's certificate; nil: the system's roots.
	RootCAs *x509.CertPool
	// MaxAttempts: the attempt that fails retryably with this number gives up (permanent);
	// default DefaultWebhookAttempts.
	MaxAttempts int
	// Timeout bounds one POST; default 30s.
	Timeout time.Duration
}

// Webhook posts acceptance links as CloudEvents signed as package webhook describes.
type Webhook struct {
	cfg    WebhookConfig
	client *http.Client
	now    func() time.Time
}

// Event is the CloudEvents 1.0 structured-mode body a webhook receives.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            EventData `json:"data"`
}

// EventData is the event's data.
type EventData struct {
	CustomerAgreement ObjectRef             `json:"customerAgreement"`
	CustomerTenantID  string                `json:"customerTenantId"`
	CompanyName       string                `json:"companyName"`
	Signatory         EventSignatory        `json:"signatory"`
	AcceptanceLink    string                `json:"acceptanceLink"`
	AttestationID     string                `json:"attestationId"`
	ExpiresAt         time.Time             `json:"expiresAt"`
	Kind              v1alpha1.DeliveryKind `json:"kind"`
}

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// EventSignatory is the person who accepts.
type EventSignatory struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
}

// NewWebhook returns a Webhook; now nil means time.Now.
func NewWebhook(cfg WebhookConfig, now func() time.Time) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, errors.New("webhook: the url must be https://host[:port][/path]")
	}
	if len(cfg.HMACKey) == 0 {
		return nil, errors.New("webhook: the Secret's hmacKey is empty")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultWebhookAttempts
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	client := &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &Webhook{cfg: cfg, client: client, now: now}, nil
}

// NewEvent builds the event of m, sent at now.
func NewEvent(m Message, now time.Time) Event {
	return Event{
		SpecVersion:     "1.0",
		ID:              m.ID,
		Source:          "/mca-operator/partnertenants/" + m.PartnerTenant,
		Type:            EventType,
		Subject:         m.Customer.Namespace + "/" + m.Customer.Name,
		Time:            now.UTC(),
		DataContentType: "application/json",
		Data: EventData{
			CustomerAgreement: ObjectRef{Namespace: m.Customer.Namespace, Name: m.Customer.Name},
			CustomerTenantID:  m.CustomerTenantID,
			CompanyName:       m.CompanyName,
			Signatory:         EventSignatory{FirstName: m.Signatory.FirstName, LastName: m.Signatory.LastName, Email: m.Signatory.Email},
			AcceptanceLink:    m.AcceptanceLink,
			AttestationID:     m.AttestationID,
			ExpiresAt:         m.ExpiresAt.UTC(),
			Kind:              m.Kind,
		},
	}
}

// Send posts m; attempt counts the tries of this message, from 1. The error is an *Error:
// retryable for a network error, 3xx (redirects are not followed), 408, 429 and 5xx, until attempt
// reaches MaxAttempts; permanent for the other 4xx.
func (w *Webhook) Send(ctx context.Context, m Message, attempt int) error {
	red := newRedactor(m.AcceptanceLink, m.AttestationID, string(w.cfg.HMACKey))
	body, err := marshalEvent(NewEvent(m, w.now()))
	if err != nil {
		return red.error(v1alpha1.ChannelWebhook, true, 0, err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return red.error(v1alpha1.ChannelWebhook, false, 0, err.Error())
	}
	req.Header.Set("Content-Type", eventMediaType)
	webhook.SignRequest(req.Header, body, w.cfg.HMACKey, w.now())
	resp, err := w.client.Do(req)
	if err != nil {
		return w.giveUp(red.error(v1alpha1.ChannelWebhook, false, 0, "webhook: "+transportError(err)), attempt)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	text := fmt.Sprintf("webhook answered %s", resp.Status)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		text += " (redirects are not followed: set the final url)"
	}
	if s := strings.TrimSpace(string(snippet)); s != "" {
		text += ": " + s
	}
	e := red.error(v1alpha1.ChannelWebhook, permanentStatus(resp.StatusCode), resp.StatusCode, text)
	return w.giveUp(e, attempt)
}

// giveUp makes a retryable error permanent on the last attempt.
func (w *Webhook) giveUp(e *Error, attempt int) *Error {
	if !e.Permanent && attempt >= w.cfg.MaxAttempts {
		e.Permanent = true
		e.msg = fmt.Sprintf("gave up after %d attempts: %s", attempt, e.msg)
	}
	return e
}

func permanentStatus(code int) bool {
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// transportError drops the request URL that *url.Error repeats.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

func marshalEvent(e Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
