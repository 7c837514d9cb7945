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

package partnercenter

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"
)

// Defaults.
const (
	DefaultBaseURL      = "https://api.partnercenter.microsoft.com"
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	// Resource is the audience of Partner Center tokens (v1 endpoint).
	Resource = "https://api.partnercenter.microsoft.com"

	defaultQPS            = 10
	defaultMaxRetries     = 4
	defaultMaxInlineWait  = 2 * time.Second
	defaultPollShare      = 0.5
	defaultMetadataTTL    = time.Hour
	defaultAttemptTimeout = 30 * time.Second
	defaultBackoffBase    = 500 * time.Millisecond
	defaultBackoffMax     = 10 * time.Second
	defaultTokenSkew      = 2 * time.Minute
	maxBodyBytes          = 4 << 20
)

// Config configures a Client. One Client serves one partner tenant and is
// shared by all reconciles (its rate limiter and token cache are per Client).
type Config struct {
	TenantID     string // partner tenant GUID
	BaseURL      string // default "https://api.partnercenter.microsoft.com"
	AuthorityURL string // default "https://login.microsoftonline.com"
	Credentials  CredentialStore
	HTTPClient   *http.Client // nil → default with TLS verification; tests pass one with RootCAs
	QPS          float64      // default 10
	Burst        int          // default max(1, ceil(QPS))
	// PollShare is the largest share of QPS that polls (calls made with AsPoll) may use
	// (default 0.5).
	PollShare  float64
	MaxRetries int // transport retries for one operation, default 4; negative → 0
	// MaxInlineWait is the longest Retry-After waited in-process (default
	// 2s; negative: never wait, always return KindThrottled).
	MaxInlineWait time.Duration
	MetadataTTL   time.Duration // default 1h
	Logger        logr.Logger
	Observer      Observer // optional: called once per HTTP attempt (token requests too, as "AcquireToken")

	// AttemptTimeout bounds one HTTP attempt (default 30s).
	AttemptTimeout time.Duration
	// BackoffBase and BackoffMax shape the exponential backoff with jitter
	// between retries (defaults 500ms, 10s).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// TokenExpirySkew: tokens are renewed this long before they expire
	// (default 2m; at most half the token's lifetime).
	TokenExpirySkew time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Observer sees every HTTP attempt (for Prometheus). operation is a fixed
// name (e.g. "ListCustomerAgreements", "AcquireToken"); outcome is one of
// "success", "throttled", "error", "transport_error".
type Observer interface {
	ObserveCall(operation, outcome string, statusCode int, d time.Duration)
}

// Operation names (used in errors, logs and the Observer).
const (
	OpGetAgreementMetadata           = "GetAgreementMetadata"
	OpListCustomerAgreements         = "ListCustomerAgreements"
	OpGetDirectSignedStatus          = "GetDirectSignedStatus"
	OpGetAgreementDocument           = "GetAgreementDocument"
	OpStartEnhancedAttestation       = "StartEnhancedAttestation"
	OpGetEnhancedAttestation         = "GetEnhancedAttestation"
	OpCreateAgreementFromAttestation = "CreateAgreementFromAttestation"
	OpCreateLegacyAgreement          = "CreateLegacyAgreement"
	OpAcquireToken                   = "AcquireToken"
	OpCheckCredentials               = "CheckCredentials"
)

// Outcomes reported to the Observer.
const (
	OutcomeSuccess        = "success"
	OutcomeThrottled      = "throttled"
	OutcomeError          = "error"
	OutcomeTransportError = "transport_error"
)

// CallOption adjusts one operation.
type CallOption func(*callOptions)

type callOptions struct {
	requestID     string
	correlationID string
	pollKey       string
	resyncKey     string
	backgroundKey string
	beforeSend    func(context.Context) error
	record        func(context.Context, *Sending) error
}

// BeforeSend has check run just before each attempt of the call is sent: after its turn in the
// tenant's rate limiter (which may hold it for a while) and after its token. An error from check
// ends the call unsent and is returned as it is. The controller re-checks there, against the API
// server, that the write is still allowed.
func BeforeSend(check func(context.Context) error) CallOption {
	return func(o *callOptions) { o.beforeSend = check }
}

// AsPoll marks a call as a poll of an attestation awaiting the customer (key names what is
// polled): it also takes a turn in the tenant's polls' share (Config.PollShare of the rate), and
// is deferred (KindPollDeferred) when that turn is more than a moment away.
func AsPoll(key string) CallOption { return func(o *callOptions) { o.pollKey = key } }

// AsBackground marks a call as a background read (key names the reading, such as the customers
// list of a partner tenant): the lowest class of the tenant's rate. It takes a turn in a share of
// the rate (Config.PollShare), then a token only when the tenant's bucket is full (one that would
// otherwise overflow); otherwise it is deferred (KindResyncDeferred). It never delays a first
// observation, a write or a poll.
func AsBackground(key string) CallOption { return func(o *callOptions) { o.backgroundKey = key } }

// resyncKey is the context key of ResyncContext.
type resyncKey struct{}

// ResyncContext marks the reads of a customer made with ctx as a resync's: the customer is
// settled, and the read only confirms it. Such reads are the lowest class of the tenant's rate:
// each takes only a token no other call holds, and is deferred (KindResyncDeferred) rather than
// queue ahead of a first observation, a write or a poll. The tenant's other calls made with ctx
// (a write that the read shows is needed, the shared agreement metadata) keep their own class.
func ResyncContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, resyncKey{}, true)
}

// IsResync reports whether ctx carries the mark of ResyncContext (stand-ins of the client in
// tests see the class of a read through it).
func IsResync(ctx context.Context) bool {
	v, _ := ctx.Value(resyncKey{}).(bool)
	return v
}

// WithRequestID sets the operation's MS-RequestId (Partner Center's
// idempotency key), e.g. one the controller persisted before a create so a
// restart repeats the same request. After a definitive answer (success or a
// business error) use a new one.
func WithRequestID(id string) CallOption { return func(o *callOptions) { o.requestID = id } }

// Client talks to Partner Center for one partner tenant. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	pacer   *pacer
	log     logr.Logger
	now     func() time.Time
	baseURL string
	tokURL  string

	tok *tokens // shared with the Client this one replaced (ShareTokens)

	// noAttestationGet: Partner Center answered the GET of an attestation with 404 or 405.
	noAttestationGet atomic.Bool
	// unknownStatuses are the attestation status words outside the model already logged.
	unknownStatuses sync.Map

	metaMu     sync.Mutex
	meta       AgreementMetadata
	metaExpiry time.Time
	metaGroup  singleflight.Group
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.TenantID) == "" {
		return nil, errors.New("partnercenter: Config.TenantID is required")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("partnercenter: Config.Credentials is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.AuthorityURL == "" {
		cfg.AuthorityURL = DefaultAuthorityURL
	}
	for name, raw := range map[string]string{"BaseURL": cfg.BaseURL, "AuthorityURL": cfg.AuthorityURL} {
		if err := validateEndpoint(raw); err != nil {
			return nil, fmt.Errorf("partnercenter: Config.%s: %w", name, err)
		}
	}
	if cfg.QPS <= 0 {
		cfg.QPS = defaultQPS
	}
	if cfg.Burst <= 0 {
		cfg.Burst = int(cfg.QPS + 0.999)
		if cfg.Burst < 1 {
			cfg.Burst = 1
		}
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = defaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.MaxInlineWait == 0 {
		cfg.MaxInlineWait = defaultMaxInlineWait
	}
	if cfg.MetadataTTL <= 0 {
		cfg.MetadataTTL = defaultMetadataTTL
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = defaultAttemptTimeout
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = defaultBackoffBase
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = defaultBackoffMax
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		cfg.BackoffMax = cfg.BackoffBase
	}
	if cfg.TokenExpirySkew <= 0 {
		cfg.TokenExpirySkew = defaultTokenSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if tr, ok := transportOf(cfg.HTTPClient).(*http.Transport); ok && tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		return nil, errors.New("partnercenter: Config.HTTPClient disables TLS verification; trust a CA through RootCAs instead")
	}
	c := &Client{
		cfg:     cfg,
		http:    guardedHTTPClient(cfg.HTTPClient),
		pacer:   newPacer(cfg.QPS, cfg.Burst, cfg.PollShare),
		log:     cfg.Logger,
		now:     cfg.Now,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		tokURL:  strings.TrimRight(cfg.AuthorityURL, "/") + "/" + url.PathEscape(cfg.TenantID) + "/oauth2/token",
		tok:     newTokens(),
	}
	if c.log.GetSink() == nil {
		c.log = logr.Discard()
	}
	c.log = c.log.WithValues("partnerTenant", cfg.TenantID)
	return c, nil
}

// TenantID is the partner tenant this Client serves.
func (c *Client) TenantID() string { return c.cfg.TenantID }

// request is one logical operation.
type request struct {
	op     string
	method string
	path   string // already escaped
	// shownPath is the path as logs and errors show it, when path holds a credential (an
	// attestation id completes the acceptance link); "" shows path.
	shownPath      string
	query          url.Values
	body           any
	auth           tokenKind
	customerScoped bool
	opts           callOptions
	header         map[string]string // extra request headers (e.g. a continuation token)
}

func applyOptions(opts []CallOption) callOptions {
	var o callOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// do runs one operation with retries and returns the body of the 2xx answer.
// The operation keeps one MS-RequestId and MS-CorrelationId across retries.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if r.customerScoped && r.method == http.MethodGet && IsResync(ctx) {
		r.opts.resyncKey = r.path
	}
	op, err := c.newOperation(r)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 && !c.sleep(ctx, c.retryWait(attempt, op.lastErr)) {
			return nil, c.finalError(ctx, op.r.op, op.lastErr)
		}
		respBody, retry, err := c.try(ctx, op, attempt)
		if !retry {
			return respBody, err
		}
	}
}

// operation is one call of do in progress: the request with its ids set, its encoded body, URL
// and logger, and what the attempts so far left behind.
type operation struct {
	r    request
	body []byte
	url  string
	log  logr.Logger

	// lastErr is why the last attempt is retried.
	lastErr error
	// reauthenticated: a 401 already dropped the access token once.
	reauthenticated bool
	// sent is what the RecordBody hook recorded before the first attempt was sent.
	sent *Sending
}

// newOperation encodes r's body, gives r a request and a correlation id where it has none, and
// builds its URL and logger.
func (c *Client) newOperation(r request) (*operation, error) {
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, &Error{Kind: KindBadRequest, Operation: r.op, Message: "encoding request body: " + err.Error()}
		}
		body = b
	}
	if r.opts.requestID == "" {
		r.opts.requestID = uuid.NewString()
	}
	if r.opts.correlationID == "" {
		r.opts.correlationID = uuid.NewString()
	}
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	log := c.log.WithValues("operation", r.op, "requestId", r.opts.requestID, "correlationId", r.opts.correlationID)
	return &operation{r: r, body: body, url: u, log: log}, nil
}

// retryWait is the pause before retry number attempt (≥1): the backoff, or the Retry-After of the
// last answer when that is longer.
func (c *Client) retryWait(attempt int, lastErr error) time.Duration {
	wait := c.backoff(attempt)
	if ra, ok := RetryAfter(lastErr); ok && ra > wait {
		wait = ra
	}
	return wait
}

// try makes attempt number attempt of op: it waits for the operation's turn in the rate limiter,
// gets an access token and sends the request. It returns the body of a 2xx answer, or the error
// that ends the operation, or retry true when the operation goes on with another attempt
// (op.lastErr then says why).
func (c *Client) try(ctx context.Context, op *operation, attempt int) (respBody []byte, retry bool, err error) {
	if err := c.waitTurn(ctx, op); err != nil {
		return nil, false, err
	}
	tok, retry, err := c.attemptToken(ctx, op, attempt)
	if retry || err != nil {
		return nil, retry, err
	}
	if check := op.r.opts.beforeSend; check != nil {
		if err := check(ctx); err != nil {
			return nil, false, err
		}
	}
	if err := c.recordSending(ctx, op); err != nil {
		return nil, false, err
	}
	status, respBody, hdr, err := c.attempt(ctx, op.log, op.r, op.url, op.body, tok, attempt)
	if op.sent != nil {
		op.sent.StatusCode = status
	}
	if err != nil {
		retry, err := c.transportFailed(ctx, op, attempt, err)
		return nil, retry, err
	}
	if status >= 200 && status < 300 {
		return respBody, false, nil
	}
	if isRedirect(status) {
		return nil, false, c.redirectError(op.r.op, status, hdr.Get("Location"))
	}
	retry, err = c.judgeAnswer(ctx, op, attempt, status, respBody, hdr, tok)
	return nil, retry, err
}

// recordSending runs the call's RecordBody hook once, before its first attempt is sent.
func (c *Client) recordSending(ctx context.Context, op *operation) error {
	record := op.r.opts.record
	if record == nil || op.sent != nil {
		return nil
	}
	s := &Sending{Operation: op.r.op, Body: op.body, RequestID: op.r.opts.requestID, CorrelationID: op.r.opts.correlationID}
	if err := record(ctx, s); err != nil {
		return err
	}
	op.sent = s
	return nil
}

// waitTurn waits for op's turn in the rate limiter (which also holds every call while a 429's
// Retry-After runs). An error ends the operation: the context ended or its deadline is too near,
// the tenant is paused for longer than an inline wait, or a poll or a resync read is deferred.
func (c *Client) waitTurn(ctx context.Context, op *operation) error {
	cl := class{pollKey: op.r.opts.pollKey, resyncKey: op.r.opts.resyncKey, backgroundKey: op.r.opts.backgroundKey}
	paused, deferred, err := c.pacer.wait(ctx, cl, c.cfg.MaxInlineWait)
	switch {
	case err != nil:
		return c.finalError(ctx, op.r.op, op.lastErr)
	case paused > 0:
		return pausedError(op.r.op, paused)
	case deferred > 0:
		return deferredError(op.r.op, cl, deferred)
	}
	return nil
}

// attemptToken gets the access token for attempt number attempt of op. A retryable failure is
// retried (retry true) while retries remain and ctx lives; any other failure ends the operation.
func (c *Client) attemptToken(ctx context.Context, op *operation, attempt int) (tok string, retry bool, err error) {
	tok, err = c.token(ctx, op.r.auth)
	if err == nil {
		return tok, false, nil
	}
	if IsRetryable(err) && attempt < c.cfg.MaxRetries && ctx.Err() == nil {
		op.lastErr = err
		return "", true, nil
	}
	return "", false, err
}

// transportFailed handles an attempt that got no answer: it is retried (retry true) while retries
// remain and ctx lives.
func (c *Client) transportFailed(ctx context.Context, op *operation, attempt int, cause error) (retry bool, err error) {
	op.lastErr = transientError(op.r.op, "request failed: "+c.redact(sanitizeText(cause.Error())), cause)
	if ctx.Err() != nil || attempt >= c.cfg.MaxRetries {
		return false, op.lastErr
	}
	return true, nil
}

// judgeAnswer classifies an answer to attempt number attempt of op that is neither a success nor
// a redirect. It returns the error that ends the operation, or retry true for an answer worth
// another attempt: a 429 whose Retry-After is short enough to wait in-process and fits ctx, a
// transient failure while retries remain, or a first 401 (the access token is dropped and a fresh
// one tried). Every 429 pauses all the tenant's calls in the rate limiter until its Retry-After
// has passed, the calls already waiting there for their turn included.
func (c *Client) judgeAnswer(ctx context.Context, op *operation, attempt, status int, respBody []byte, hdr http.Header, tok string) (retry bool, err error) {
	e := classify(op.r.op, status, decodeErrorBody(respBody), op.r.customerScoped)
	c.scrub(e)
	switch {
	case e.Kind == KindThrottled:
		e.RetryAfter = parseRetryAfter(hdr.Get("Retry-After"), c.now())
		c.pacer.throttled(time.Now(), e.RetryAfter)
		if e.RetryAfter > c.cfg.MaxInlineWait || attempt >= c.cfg.MaxRetries || !fitsDeadline(ctx, e.RetryAfter) {
			return false, e
		}
	case e.Kind == KindTransient:
		if attempt >= c.cfg.MaxRetries {
			return false, e
		}
	case e.Kind == KindUnauthorized && status == http.StatusUnauthorized && !op.reauthenticated:
		// The access token may have been revoked or expired early: drop
		// it and try once more with a fresh one.
		op.reauthenticated = true
		c.invalidateToken(op.r.auth, tok)
	default:
		return false, e
	}
	op.lastErr = e
	return true, nil
}

// attempt performs one HTTP exchange.
func (c *Client) attempt(ctx context.Context, log logr.Logger, r request, u string, body []byte, tok string, attempt int) (int, []byte, http.Header, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, rdr)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("MS-RequestId", r.opts.requestID)
	req.Header.Set("MS-CorrelationId", r.opts.correlationID)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	var respBody []byte
	if err == nil {
		respBody, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
		_ = resp.Body.Close()
	}
	d := time.Since(start)
	if err != nil {
		var ue *url.Error
		if r.shownPath != "" && errors.As(err, &ue) {
			ue.URL = strings.ReplaceAll(ue.URL, r.path, r.shownPath)
		}
		c.observe(r.op, OutcomeTransportError, 0, d)
		log.V(1).Info("partner center call failed in transport", "attempt", attempt, "method", r.method, "path", cmp.Or(r.shownPath, r.path), "duration", d, "error", c.redact(sanitizeText(err.Error())))
		return 0, nil, nil, err
	}
	outcome := OutcomeSuccess
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		outcome = OutcomeThrottled
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		outcome = OutcomeError
	}
	c.observe(r.op, outcome, resp.StatusCode, d)
	log.V(1).Info("partner center call", "attempt", attempt, "method", r.method, "path", cmp.Or(r.shownPath, r.path), "status", resp.StatusCode, "duration", d)
	return resp.StatusCode, respBody, resp.Header, nil
}

func (c *Client) observe(op, outcome string, status int, d time.Duration) {
	if c.cfg.Observer != nil {
		c.cfg.Observer.ObserveCall(op, outcome, status, d)
	}
}

// backoff returns the wait before retry number attempt (≥1): exponential
// with "equal jitter" (between half and all of the exponential step).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffBase
	for i := 1; i < attempt && d < c.cfg.BackoffMax; i++ {
		d *= 2
	}
	if d > c.cfg.BackoffMax {
		d = c.cfg.BackoffMax
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1)) //nolint:gosec // G404: jitter, not a secret
}

// sleep waits d unless ctx ends first or its deadline cannot accommodate d.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	if !fitsDeadline(ctx, d) {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func fitsDeadline(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	return true
}

// finalError is what an operation returns when it stops retrying early.
func (c *Client) finalError(ctx context.Context, op string, lastErr error) error {
	if lastErr != nil {
		return lastErr
	}
	if err := ctx.Err(); err != nil {
		return transientError(op, "context ended: "+err.Error(), err)
	}
	return transientError(op, "rate limiter wait exceeds the context deadline", context.DeadlineExceeded)
}

// parseRetryAfter reads seconds or an HTTP date; a missing or bad header
// means one second.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Second
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n < 0 {
			return 0
		}
		if n > 24*3600 {
			n = 24 * 3600
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return time.Second
}

// rememberSecret records a secret value so that no error text can echo it,
// verbatim or URL-encoded.
func (c *Client) rememberSecret(s string) {
	if len(s) < 6 {
		return
	}
	c.tok.secretsMu.Lock()
	defer c.tok.secretsMu.Unlock()
	for _, x := range c.tok.secrets {
		if x == s {
			return
		}
	}
	c.tok.secrets = append(c.tok.secrets, s)
	if len(c.tok.secrets) > maxRememberedSecrets {
		c.tok.secrets = c.tok.secrets[len(c.tok.secrets)-maxRememberedSecrets:]
	}
	c.tok.redactor = newSecretReplacer(c.tok.secrets)
}

const maxRememberedSecrets = 32

// newSecretReplacer replaces every secret in its plain, query-escaped and
// path-escaped forms, longest first.
func newSecretReplacer(secrets []string) *strings.Replacer {
	var forms []string
	for _, s := range secrets {
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, "[redacted]")
	}
	return strings.NewReplacer(pairs...)
}

// redact replaces the secrets the client knows. Call it on whole texts:
// before any truncation, which could leave a secret's prefix unrecognised.
func (c *Client) redact(s string) string {
	c.tok.secretsMu.Lock()
	r := c.tok.redactor
	c.tok.secretsMu.Unlock()
	if r == nil {
		return s
	}
	return r.Replace(s)
}

// clean makes server-provided text safe for an error: control characters
// and token-like words dropped, known secrets redacted, then cut to n bytes.
func (c *Client) clean(s string, n int) string {
	return truncate(c.redact(sanitizeText(s)), n)
}

// scrub cleans the server-provided fields of a classified API error.
func (c *Client) scrub(e *Error) {
	e.Code = c.clean(e.Code, 40)
	e.ErrorName = c.clean(e.ErrorName, 80)
	e.Message = c.clean(e.Message, 300)
}

// HTTPClientWithCA returns an HTTP client that trusts the system roots plus
// the PEM certificates given (e.g. the simulator's CA for a demo). TLS
// verification stays on.
func HTTPClientWithCA(pemCerts []byte) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if len(pemCerts) > 0 && !pool.AppendCertsFromPEM(pemCerts) {
		return nil, errors.New("partnercenter: no certificate found in the CA bundle")
	}
	return &http.Client{Transport: newTransport(pool)}, nil
}

// maxIdleConnsPerHost keeps enough connections to Partner Center (one host) open for the
// reconciles in flight: net/http keeps only 2 by default, so a busy manager would open a new TLS
// connection for nearly every request.
const maxIdleConnsPerHost = 128

// newTransport is the transport of the client: TLS verification on (roots: the system's, or
// pool), and connections kept for reuse.
func newTransport(pool *x509.CertPool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConns = 2 * maxIdleConnsPerHost
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return tr
}
