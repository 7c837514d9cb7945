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

package pcsim

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Agreement types and template ids (documented).
const (
	AgreementTypeMCA   = "MicrosoftCustomerAgreement"
	AgreementTypeCloud = "MicrosoftCloudAgreement"
	TemplateMCA        = "117a77b0-9360-443b-8795-c6dedc750cf9"
	TemplateCloud      = "998b88de-aa99-4388-a42c-1b3517d49490"
	AgreementLinkMCA   = "https://aka.ms/customeragreement"
	AgreementLinkCloud = "https://aka.ms/microsoftcloudagreement"
	// Resource is the audience the token endpoint requires.
	Resource = "https://api.partnercenter.microsoft.com"
)

// Enhanced attestation statuses (modeled).
const (
	StatusLinkGenerated    = "LinkGenerated"
	StatusCustomerAccepted = "CustomerAccepted"
	StatusExpired          = "Expired"
	StatusAgreementCreated = "AgreementCreated"
)

// Token kinds.
const (
	KindAppUser = "App+User"
	KindAppOnly = "App-only"
)

// CurrentTermsDate: attestations on or after it are under the current terms.
var CurrentTermsDate = time.Date(2023, time.April, 1, 0, 0, 0, 0, time.UTC)

// Options tune the simulator. Zero values are sensible.
type Options struct {
	Latency         time.Duration // added to every request
	RateLimitQPS    float64       // per partner; 0 = unlimited
	RateLimitBurst  int           // default max(1, QPS)
	VisibilityDelay time.Duration // before new agreement records show up in reads
	LinkTTL         time.Duration // acceptance link lifetime, default 24h
	// RotateRefreshTokens: every refresh grant issues a new refresh token and
	// invalidates the old one.
	RotateRefreshTokens bool
	TokenTTL            time.Duration // access token lifetime, default 1h
	Now                 func() time.Time
	// Hostnames are extra DNS names / IPs for the TLS certificate (besides
	// 127.0.0.1, ::1 and localhost).
	Hostnames []string
	// PublicURL overrides the URL the simulator puts into links
	// (acceptanceLink, displayUri), e.g. when it runs behind a Service.
	PublicURL string
	// Logf, when set, receives one line per request (no secrets).
	Logf func(format string, args ...any)
}

// WireVariants switch between the shapes the contract says occur. The zero
// value is the simulator's default shape; SetWireVariants refuses values it
// does not know. The string fields take the AttestationGet*, StatusWords*,
// ExpiryField* and CreateError* constants.
type WireVariants struct {
	// BareArrays: list endpoints answer with a bare JSON array instead of a
	// {"totalCount","items"} collection.
	BareArrays bool `json:"bareArrays,omitempty"`
	// StringCodes: error codes are JSON strings ("600061") instead of numbers.
	StringCodes bool `json:"stringCodes,omitempty"`
	// MetadataTypeField: "agreementType" (default) or "type".
	MetadataTypeField string `json:"metadataTypeField,omitempty"`
	// ZonedTimestamps: dateAgreed carries a "Z" (default: no zone suffix,
	// as in the documented example).
	ZonedTimestamps bool `json:"zonedTimestamps,omitempty"`

	// AttestationGet: "" serves GET /v1/attestations/enhanced/{id}; "404"
	// answers every such GET 404 (the not-found error body) and "405"
	// answers 405 with "Allow: POST" and a JSON error body, as if the
	// endpoint did not exist (before authentication).
	AttestationGet string `json:"attestationGet,omitempty"`
	// NoAcceptanceLink: start and GET answers carry no acceptanceLink. The
	// page stays at /attest/{id} (query parameters are ignored), so a
	// client builds the link from a template.
	NoAcceptanceLink bool `json:"noAcceptanceLink,omitempty"`
	// StatusWords: how attestation statuses are spelled on the wire: ""
	// (LinkGenerated, CustomerAccepted, Expired, AgreementCreated),
	// "lower", "integrator" (lower case, linkexpired for Expired), "upper",
	// or "unknown" (PendingReview instead of LinkGenerated).
	StatusWords string `json:"statusWords,omitempty"`
	// ExpiryField: the name of the RFC 3339 expiry in start and GET
	// answers: "" or "expiresAt", "expirationTime", "expirationDateTime",
	// or "none" (no expiry at all).
	ExpiryField string `json:"expiryField,omitempty"`
	// NoEcho: start and GET answers carry only attestationId, status,
	// acceptanceLink, the expiry and acceptedAt, not the request fields.
	NoEcho bool `json:"noEcho,omitempty"`
	// CreateFromAttestationError: "" (before acceptance 400 / 600062),
	// "unknownBeforeAcceptance" (before acceptance 400 / 600099
	// AttestationPending) or "unknownAlways" (every create from an
	// attestation 422 / 600098 UnsupportedAttestation).
	CreateFromAttestationError string `json:"createFromAttestationError,omitempty"`
	// LegacyRetired: the legacy confirmation answers 400 / 600100
	// LegacyAttestationRetired.
	LegacyRetired bool `json:"legacyRetired,omitempty"`
	// AuditNoCorrelationID: activity log entries carry an empty originalCorrelationId (the
	// contract models it as the call's MS-CorrelationId).
	AuditNoCorrelationID bool `json:"auditNoCorrelationId,omitempty"`
}

// RequestRecord is one entry of the request log. It never holds a token,
// a secret or a request body.
type RequestRecord struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Operation names the Partner Center operation (one of the Op* constants), or is empty for
	// a request that is none (the acceptance page, an unknown path).
	Operation       string        `json:"operation,omitempty"`
	Query           string        `json:"query,omitempty"`
	Status          int           `json:"status"`
	RequestID       string        `json:"requestId,omitempty"`
	CorrelationID   string        `json:"correlationId,omitempty"`
	PartnerTenantID string        `json:"partnerTenantId,omitempty"`
	TokenKind       string        `json:"tokenKind,omitempty"`
	GrantType       string        `json:"grantType,omitempty"`
	Duration        time.Duration `json:"duration"`
	// Injected: the answer was an injected fault (FailNext, Throttle).
	Injected bool `json:"injected,omitempty"`
	// RateLimited: the per-partner rate limit answered 429.
	RateLimited bool `json:"rateLimited,omitempty"`
	// Replayed: the answer was replayed for a repeated MS-RequestId.
	Replayed bool `json:"replayed,omitempty"`
	// Dropped: the POST was committed and the connection closed unanswered.
	Dropped bool `json:"dropped,omitempty"`
}

// AgreementRecord is an agreement as the simulator stores it.
type AgreementRecord struct {
	SeedAgreement
	DateAgreedTime time.Time `json:"dateAgreedTime"`
	Created        time.Time `json:"created"`
	VisibleAt      time.Time `json:"visibleAt"`
	// Source: "seed", "legacy" or "enhanced".
	Source        string `json:"source"`
	RequestID     string `json:"requestId,omitempty"`
	AttestationID string `json:"attestationId,omitempty"`
}

// Attestation is an enhanced attestation as the simulator stores it.
type Attestation struct {
	ID                   string    `json:"attestationId"`
	PartnerTenantID      string    `json:"partnerTenantId"`
	Status               string    `json:"status"`
	CompanyName          string    `json:"companyName"`
	Country              string    `json:"country"`
	Language             string    `json:"language"`
	SignatoryFirstName   string    `json:"signatoryFirstName"`
	SignatoryLastName    string    `json:"signatoryLastName"`
	SignatoryEmail       string    `json:"signatoryEmail"`
	SignatoryPhoneNumber string    `json:"signatoryPhoneNumber"`
	Created              time.Time `json:"created"`
	ExpiresAt            time.Time `json:"expiresAt"`
	AcceptedAt           time.Time `json:"acceptedAt,omitzero"`
	CustomerTenantID     string    `json:"customerTenantId,omitempty"`
	// Lifetime is the link lifetime in effect: RequestedMinutes when the
	// start sent expirationTime, else Options.LinkTTL.
	Lifetime time.Duration `json:"lifetime"`
	// RequestedMinutes is the start's expirationTime (0 = not sent).
	RequestedMinutes int `json:"requestedMinutes,omitempty"`
	// PhoneNumberSent: the start's body carried signatoryPhoneNumber.
	PhoneNumberSent bool `json:"phoneNumberSent"`

	seq int
}

type partner struct {
	SeedPartner
	refreshToken string // current valid refresh token ("" = none)
	mfaRequired  bool
	userID       string
	customers    map[string]*customer
	limiter      *rate.Limiter
	audit        []AuditRecord // the activity log (§7a), in the order written
}

type customer struct {
	tenantID     string
	company      string
	relationship bool
	directSigned bool
	agreements   []*AgreementRecord
}

type accessToken struct {
	partner string
	kind    string
	expires time.Time
}

type idemKey struct{ partner, requestID string }

type storedResponse struct {
	method, path string
	resp         response
}

// Server is the Partner Center simulator. All methods are safe for
// concurrent use.
type Server struct {
	opts Options
	now  func() time.Time

	mu           sync.Mutex
	partners     map[string]*partner
	tokens       map[string]*accessToken
	attestations map[string]*Attestation
	attSeq       int
	starts       []EnhancedStart
	idem         map[idemKey]*storedResponse
	requests     []RequestRecord
	issued       map[string][]string // partner → every token and refresh token issued

	latency         time.Duration
	visibilityDelay time.Duration
	rateQPS         float64
	rateBurst       int
	failNext        int
	failStatus      int
	dropNextPOST    int
	throttleNext    int
	throttleAfter   time.Duration
	variants        WireVariants

	handler http.Handler
	srv     *http.Server
	ln      net.Listener
	url     string
	tls     *tlsMaterial
}

// New builds a simulator from a seed (nil = empty).
func New(seed *Seed, opts Options) *Server {
	if opts.LinkTTL <= 0 {
		opts.LinkTTL = 24 * time.Hour
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:            opts,
		now:             opts.Now,
		partners:        map[string]*partner{},
		tokens:          map[string]*accessToken{},
		attestations:    map[string]*Attestation{},
		idem:            map[idemKey]*storedResponse{},
		issued:          map[string][]string{},
		latency:         opts.Latency,
		visibilityDelay: opts.VisibilityDelay,
		rateQPS:         opts.RateLimitQPS,
		rateBurst:       opts.RateLimitBurst,
	}
	if seed != nil {
		for _, sp := range seed.Partners {
			s.addPartnerLocked(sp)
		}
	}
	s.handler = s.routes()
	return s
}

func key(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

func (s *Server) addPartnerLocked(sp SeedPartner) {
	if sp.Type == "" {
		sp.Type = PartnerDirectBill
	}
	p := &partner{
		SeedPartner:  sp,
		refreshToken: sp.RefreshToken,
		mfaRequired:  sp.RequireMFA,
		userID:       newUUID(),
		customers:    map[string]*customer{},
	}
	p.limiter = s.newLimiter()
	for _, sc := range sp.Customers {
		s.addCustomerLocked(p, sc)
	}
	p.Customers = nil
	s.partners[key(sp.TenantID)] = p
	if sp.RefreshToken != "" {
		s.issued[key(sp.TenantID)] = append(s.issued[key(sp.TenantID)], sp.RefreshToken)
	}
}

func (s *Server) addCustomerLocked(p *partner, sc SeedCustomer) {
	c := &customer{tenantID: sc.TenantID, company: sc.CompanyName, relationship: sc.Relationship == nil || *sc.Relationship, directSigned: sc.DirectSigned}
	for _, a := range sc.Agreements {
		t, _ := parseTime(a.DateAgreed)
		if a.Type == "" {
			a.Type = AgreementTypeMCA
		}
		if a.TemplateID == "" {
			a.TemplateID = TemplateMCA
			if a.Type == AgreementTypeCloud {
				a.TemplateID = TemplateCloud
			}
		}
		c.agreements = append(c.agreements, &AgreementRecord{SeedAgreement: a, DateAgreedTime: t, Created: t, VisibleAt: time.Time{}, Source: "seed"})
	}
	p.customers[key(sc.TenantID)] = c
}

func (s *Server) newLimiter() *rate.Limiter {
	if s.rateQPS <= 0 {
		return nil
	}
	b := s.rateBurst
	if b <= 0 {
		b = int(s.rateQPS + 0.999)
	}
	return rate.NewLimiter(rate.Limit(s.rateQPS), b)
}

// ---- lifecycle ----------------------------------------------------------

// StartTLS serves HTTPS on addr ("" = 127.0.0.1:0) with a freshly generated
// CA and server certificate, and returns the base URL.
func (s *Server) StartTLS(addr string) (string, error) {
	tm, err := generateTLS(s.opts.Hostnames)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.tls = tm
	s.mu.Unlock()
	return s.start(addr, true)
}

// Start serves plain HTTP (demo only) and returns the base URL.
func (s *Server) Start(addr string) (string, error) { return s.start(addr, false) }

func (s *Server) start(addr string, useTLS bool) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if useTLS {
		ln = newTLSListener(ln, s.tls)
		scheme = "https"
	}
	host := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.url = scheme + "://" + host
	if s.opts.PublicURL != "" {
		s.url = strings.TrimRight(s.opts.PublicURL, "/")
	}
	u := s.url
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return u, nil
}

// URL is the base URL (API, token endpoint and pages share it).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the server.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Close()
}

// Shutdown stops the server gracefully.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// CACertPEM is the CA certificate clients must trust (nil before StartTLS).
func (s *Server) CACertPEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tls == nil {
		return nil
	}
	return append([]byte(nil), s.tls.caPEM...)
}

// CertPool is a pool holding only the simulator's CA.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	if pem := s.CACertPEM(); pem != nil {
		pool.AppendCertsFromPEM(pem)
	}
	return pool
}

// HTTPClient returns a client that trusts the simulator's CA (and nothing
// else), with verification on.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: newTrustingTransport(s.CertPool())}
}

// ---- knobs --------------------------------------------------------------

// SetLatency adds d to every request.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

// SetVisibilityDelay delays new agreement records in reads.
func (s *Server) SetVisibilityDelay(d time.Duration) {
	s.mu.Lock()
	s.visibilityDelay = d
	s.mu.Unlock()
}

// SetRateLimit sets the per-partner rate limit (qps ≤ 0 turns it off).
func (s *Server) SetRateLimit(qps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateQPS, s.rateBurst = qps, burst
	for _, p := range s.partners {
		p.limiter = s.newLimiter()
	}
}

// FailNext makes the next n API requests (not token requests) answer status.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	s.failNext, s.failStatus = n, status
	s.mu.Unlock()
}

// DropNextPOSTResponses: the next n POSTs that reach the business logic (or
// are replayed for a known MS-RequestId) are committed and then answered by
// closing the connection, as if the answer were lost.
func (s *Server) DropNextPOSTResponses(n int) { s.mu.Lock(); s.dropNextPOST = n; s.mu.Unlock() }

// Throttle makes the next n API requests answer 429 with Retry-After
// (whole seconds, rounded up; 0 gives "Retry-After: 0").
func (s *Server) Throttle(n int, retryAfter time.Duration) {
	s.mu.Lock()
	s.throttleNext, s.throttleAfter = n, retryAfter
	s.mu.Unlock()
}

// SetWireVariants switches response shapes. It panics on a value it does
// not know, so that a misspelt variant does not silently test the default.
func (s *Server) SetWireVariants(v WireVariants) {
	if err := validateVariants(v); err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.variants = v
	s.mu.Unlock()
}

// WireVariants returns the variants in effect.
func (s *Server) WireVariants() WireVariants { s.mu.Lock(); defer s.mu.Unlock(); return s.variants }

// RevokeRefreshTokens invalidates the partner's refresh token.
func (s *Server) RevokeRefreshTokens(partnerTenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partners[key(partnerTenantID)]; p != nil {
		p.refreshToken = ""
	}
}

// IssueRefreshToken models a new consent: it returns a fresh valid refresh
// token for the partner (invalidating the previous one).
func (s *Server) IssueRefreshToken(partnerTenantID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partners[key(partnerTenantID)]
	if p == nil {
		return ""
	}
	p.refreshToken = "simrt_" + randHex(24)
	s.issued[key(p.TenantID)] = append(s.issued[key(p.TenantID)], p.refreshToken)
	return p.refreshToken
}

// RevokeAccessTokens invalidates the partner's issued access tokens.
func (s *Server) RevokeAccessTokens(partnerTenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, at := range s.tokens {
		if at.partner == key(partnerTenantID) {
			delete(s.tokens, t)
		}
	}
}

// RequireMFA: App+User tokens of the partner answer 401 / 900421.
func (s *Server) RequireMFA(partnerTenantID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partners[key(partnerTenantID)]; p != nil {
		p.mfaRequired = on
	}
}

// SetDirectSigned sets a customer's direct acceptance.
func (s *Server) SetDirectSigned(partnerTenantID, customerTenantID string, signed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customerLocked(partnerTenantID, customerTenantID)
	if c == nil {
		return fmt.Errorf("pcsim: unknown customer %s of partner %s", customerTenantID, partnerTenantID)
	}
	c.directSigned = signed
	return nil
}

// AddPartner adds a partner at runtime.
func (s *Server) AddPartner(p SeedPartner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addPartnerLocked(p)
}

// AddCustomer adds (or replaces) a customer of an existing partner.
func (s *Server) AddCustomer(partnerTenantID string, c SeedCustomer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partners[key(partnerTenantID)]; p != nil {
		s.addCustomerLocked(p, c)
	}
}

// Accept is what the acceptance page's button does.
func (s *Server) Accept(attestationID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acceptLocked(attestationID)
}

// ErrLinkExpired: the acceptance link expired.
var ErrLinkExpired = errors.New("pcsim: the acceptance link has expired")

// ErrUnknownAttestation: no such attestation.
var ErrUnknownAttestation = errors.New("pcsim: unknown attestation")

func (s *Server) acceptLocked(id string) error {
	a := s.attestations[key(id)]
	if a == nil {
		return ErrUnknownAttestation
	}
	s.refreshStatusLocked(a)
	switch a.Status {
	case StatusExpired:
		return ErrLinkExpired
	case StatusLinkGenerated:
		a.Status = StatusCustomerAccepted
		a.AcceptedAt = s.now().UTC()
	}
	return nil
}

func (s *Server) refreshStatusLocked(a *Attestation) {
	if a.Status == StatusLinkGenerated && !s.now().Before(a.ExpiresAt) {
		a.Status = StatusExpired
	}
}

// ---- inspection ---------------------------------------------------------

// Requests returns a copy of the request log.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.mu.Lock(); s.requests = nil; s.mu.Unlock() }

// CustomerAgreements returns every stored record of a customer (including
// records not visible yet and Cloud Agreement records), oldest first.
func (s *Server) CustomerAgreements(partnerTenantID, customerTenantID string) []AgreementRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.customerLocked(partnerTenantID, customerTenantID)
	if c == nil {
		return nil
	}
	out := make([]AgreementRecord, 0, len(c.agreements))
	for _, a := range c.agreements {
		out = append(out, *a)
	}
	return out
}

// Attestation returns a copy of an enhanced attestation.
func (s *Server) Attestation(id string) (Attestation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.attestations[key(id)]
	if a == nil {
		return Attestation{}, false
	}
	s.refreshStatusLocked(a)
	return *a, true
}

// Attestations returns copies of all enhanced attestations.
func (s *Server) Attestations() []Attestation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Attestation, 0, len(s.attestations))
	for _, a := range s.attestations {
		s.refreshStatusLocked(a)
		out = append(out, *a)
	}
	return out
}

// CurrentRefreshToken is the partner's valid refresh token ("" if revoked).
func (s *Server) CurrentRefreshToken(partnerTenantID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partners[key(partnerTenantID)]; p != nil {
		return p.refreshToken
	}
	return ""
}

// IssuedSecrets returns every access and refresh token issued to the
// partner (and its seeded refresh token) — for tests that check no secret
// leaks into logs.
func (s *Server) IssuedSecrets(partnerTenantID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued[key(partnerTenantID)]...)
}

func (s *Server) customerLocked(partnerTenantID, customerTenantID string) *customer {
	p := s.partners[key(partnerTenantID)]
	if p == nil {
		return nil
	}
	return p.customers[key(customerTenantID)]
}

// ---- helpers ------------------------------------------------------------

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) linkBase(r *http.Request) string {
	s.mu.Lock()
	u := s.url
	s.mu.Unlock()
	if u != "" {
		return u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
