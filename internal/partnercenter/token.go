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

// Tokens come from the Entra ID v1 endpoint (§2). This is a small
// hand-written token client rather than golang.org/x/oauth2 because:
//   - x/oauth2's refresh grant (Config.TokenSource) cannot send extra form
//     parameters, and the v1 endpoint needs resource=… on every grant;
//   - rotation must be persisted to the Secret *before* the new tokens are
//     used, and a failed write must keep the new refresh token in memory;
//     x/oauth2's ReuseTokenSource rotates silently with no such hook;
//   - x/oauth2's RetrieveError.Error() embeds the raw response body, and our
//     errors must stay safe to log.
// (x/oauth2 does parse a string expires_in; that was not the reason.)

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

type tokenKind int

const (
	tokenAppUser tokenKind = iota
	tokenAppOnly
)

func (k tokenKind) String() string {
	if k == tokenAppOnly {
		return "app-only"
	}
	return "app+user"
}

// tokenCache holds one access token. sem serialises acquisition (so
// concurrent callers share one refresh, and a rotated refresh token is never
// used twice) while honouring context cancellation.
type tokenCache struct {
	sem    chan struct{}
	access string
	usable time.Time // renew at or after this instant
}

func newTokenCache() tokenCache { return tokenCache{sem: make(chan struct{}, 1)} }

// tokens are what a Client knows of its credentials: the access tokens, the refresh-token
// rotation (a rotated token not written back yet above all) and the secret values to redact.
type tokens struct {
	appUser  tokenCache
	appOnly  tokenCache
	rotation rotationState // guarded by appUser.sem

	secretsMu sync.Mutex
	secrets   []string          // recent secret values, for redaction only
	redactor  *strings.Replacer // replaces every form of secrets
}

func newTokens() *tokens { return &tokens{appUser: newTokenCache(), appOnly: newTokenCache()} }

// ShareTokens makes c use the tokens of prev, the Client c replaces for the same partner tenant
// and credentials (for example after a change of the rate limit): its access tokens and, above
// all, a refresh token Partner Center rotated that prev has not written back to the credentials
// store yet. Without it that token would be lost with prev, and the store's token no longer
// works once redeemed. From then on both Clients hold one token lock, so a refresh token is
// never redeemed twice. Call it before c is used; it does nothing when prev serves another
// tenant or token endpoint.
func (c *Client) ShareTokens(prev *Client) {
	if prev != nil && prev.cfg.TenantID == c.cfg.TenantID && prev.tokURL == c.tokURL {
		c.tok = prev.tok
	}
}

// rotationState remembers rotated refresh tokens (guarded by tokens.appUser.sem).
type rotationState struct {
	// pending is a new refresh token that could not be written to the store
	// yet. It is written before anything else happens.
	pending string
	// pendingRedeemed is the token pending was rotated from: the one the
	// store should still hold.
	pendingRedeemed string
	// latest is the newest refresh token this Client knows to be valid.
	latest string
	// superseded holds hashes of refresh tokens rotated away from, so that a
	// stale read of the Secret (e.g. from an informer cache) is not reused.
	superseded map[[32]byte]bool
}

func (c *Client) cache(kind tokenKind) *tokenCache {
	if kind == tokenAppOnly {
		return &c.tok.appOnly
	}
	return &c.tok.appUser
}

func lock(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// token returns a valid access token of the given kind.
func (c *Client) token(ctx context.Context, kind tokenKind) (string, error) {
	tc := c.cache(kind)
	if err := lock(ctx, tc.sem); err != nil {
		return "", transientError(OpAcquireToken, "waiting for the token lock: "+err.Error(), err)
	}
	defer func() { <-tc.sem }()

	if kind == tokenAppUser && c.tok.rotation.pending != "" {
		err := c.persistRefreshToken(ctx, c.tok.rotation.pendingRedeemed, c.tok.rotation.pending)
		if err != nil && !errors.Is(err, ErrRefreshTokenReplaced) {
			return "", err
		}
	}
	if tc.access != "" && c.now().Before(tc.usable) {
		return tc.access, nil
	}
	if kind == tokenAppOnly {
		return c.acquireAppOnly(ctx, tc)
	}
	return c.acquireAppUser(ctx, tc)
}

func (c *Client) invalidateToken(kind tokenKind, used string) {
	tc := c.cache(kind)
	tc.sem <- struct{}{}
	defer func() { <-tc.sem }()
	if tc.access == used {
		tc.access = ""
	}
}

func (c *Client) loadCredentials(ctx context.Context) (Credentials, error) {
	creds, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return Credentials{}, err
	}
	c.rememberSecret(creds.ClientSecret)
	c.rememberSecret(creds.RefreshToken)
	return creds, nil
}

func (c *Client) acquireAppOnly(ctx context.Context, tc *tokenCache) (string, error) {
	creds, err := c.loadCredentials(ctx)
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {creds.ClientID},
		"client_secret": {creds.ClientSecret},
		"resource":      {Resource},
	}
	ta, lifetime, err := c.tokenRequest(ctx, form)
	if err != nil {
		return "", err
	}
	c.store(tc, ta.AccessToken, lifetime)
	c.log.V(1).Info("acquired partner center token", "kind", tokenAppOnly.String(), "expiresIn", lifetime)
	return ta.AccessToken, nil
}

func (c *Client) acquireAppUser(ctx context.Context, tc *tokenCache) (string, error) {
	creds, rt, err := c.appUserCredentials(ctx)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// The refresh grant and the write-back of a rotated token belong together: once the request is
	// sent, the token endpoint may have rotated the refresh token, and abandoning the answer (a
	// cancelled reconcile, a manager shutting down) would lose the only one that still works. So
	// they finish even when ctx is cancelled, bounded by MaxRotationWriteBack.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), MaxRotationWriteBack)
	defer cancel()
	tok, err := c.redeem(ctx, tc, creds, rt)
	if errors.Is(err, ErrRefreshTokenReplaced) {
		// A person stored another refresh token while ours was being redeemed: use theirs.
		if creds, rt, err = c.appUserCredentials(ctx); err != nil {
			return "", err
		}
		tok, err = c.redeem(ctx, tc, creds, rt)
		if errors.Is(err, ErrRefreshTokenReplaced) {
			return "", transientError(OpAcquireToken, "the stored refresh token changed twice while being redeemed", err)
		}
	}
	return tok, err
}

func (c *Client) appUserCredentials(ctx context.Context) (Credentials, string, error) {
	creds, err := c.loadCredentials(ctx)
	if err != nil {
		return Credentials{}, "", err
	}
	rt := c.currentRefreshToken(creds.RefreshToken)
	if rt == "" {
		return Credentials{}, "", credentialsError(OpAcquireToken, "no refresh token in the credentials (key "+SecretKeyRefreshToken+")")
	}
	return creds, rt, nil
}

// redeem runs the refresh grant with rt and writes a rotated refresh token back.
func (c *Client) redeem(ctx context.Context, tc *tokenCache, creds Credentials, rt string) (string, error) {
	ta, lifetime, err := c.refreshGrant(ctx, creds, rt)
	if KindOf(err) == KindInvalidGrant {
		// Someone else (another replica, a person) may have rotated or
		// replaced the token since we read it: re-read once.
		if again, lerr := c.loadCredentials(ctx); lerr == nil {
			if rt2 := c.currentRefreshToken(again.RefreshToken); rt2 != "" && rt2 != rt {
				creds, rt = again, rt2
				ta, lifetime, err = c.refreshGrant(ctx, creds, rt)
			}
		}
	}
	if err != nil {
		return "", err
	}
	if ta.RefreshToken != "" && ta.RefreshToken != rt {
		c.rememberSecret(ta.RefreshToken)
		if c.tok.rotation.superseded == nil {
			c.tok.rotation.superseded = map[[32]byte]bool{}
		}
		c.tok.rotation.superseded[sha256.Sum256([]byte(rt))] = true
		c.tok.rotation.latest = ta.RefreshToken
		// Keep the access token, but do not hand it out before the new
		// refresh token is stored: a restart must not lose it.
		c.store(tc, ta.AccessToken, lifetime)
		if err := c.persistRefreshToken(ctx, rt, ta.RefreshToken); err != nil {
			return "", err
		}
		c.log.V(1).Info("acquired partner center token", "kind", tokenAppUser.String(), "expiresIn", lifetime, "refreshTokenRotated", true)
		return ta.AccessToken, nil
	}
	c.tok.rotation.latest = rt
	c.store(tc, ta.AccessToken, lifetime)
	c.log.V(1).Info("acquired partner center token", "kind", tokenAppUser.String(), "expiresIn", lifetime, "refreshTokenRotated", false)
	return ta.AccessToken, nil
}

// MaxRotationWriteBack bounds a refresh grant together with the write-back of the refresh token
// it rotated. Both finish even when the caller is cancelled, so a manager's graceful shutdown
// must last longer than this.
const MaxRotationWriteBack = 20 * time.Second

// currentRefreshToken prefers the newest token we know when the store shows
// one we already rotated away from.
func (c *Client) currentRefreshToken(fromStore string) string {
	if fromStore != "" && c.tok.rotation.superseded[sha256.Sum256([]byte(fromStore))] && c.tok.rotation.latest != "" {
		return c.tok.rotation.latest
	}
	return fromStore
}

func (c *Client) refreshGrant(ctx context.Context, creds Credentials, rt string) (tokenAnswer, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {creds.ClientID},
		"client_secret": {creds.ClientSecret},
		"refresh_token": {rt},
		"resource":      {Resource},
	}
	return c.tokenRequest(ctx, form)
}

// persistRefreshToken replaces redeemed with rt in the store; on failure rt
// stays pending and is written before the next token is handed out. When
// the store holds another token (a person's), that one is adopted instead.
func (c *Client) persistRefreshToken(ctx context.Context, redeemed, rt string) error {
	err := c.cfg.Credentials.SaveRefreshToken(ctx, redeemed, rt)
	switch {
	case err == nil:
		c.tok.rotation.pending, c.tok.rotation.pendingRedeemed = "", ""
		return nil
	case errors.Is(err, ErrRefreshTokenReplaced):
		c.adoptStoredToken()
		return err
	}
	c.tok.rotation.pending, c.tok.rotation.pendingRedeemed = rt, redeemed
	c.log.Info("could not persist the rotated refresh token yet; keeping it in memory and retrying", "error", c.redact(err.Error()))
	if KindOf(err) == KindCredentials {
		return err
	}
	return transientError(OpAcquireToken, "persisting the rotated refresh token: "+c.redact(err.Error()), err)
}

// adoptStoredToken gives way to the refresh token someone stored while ours
// was being redeemed: the token rotated from ours, and the access token that
// came with it, are dropped, and the next grant uses the stored one.
// Callers hold appUser.sem.
func (c *Client) adoptStoredToken() {
	c.tok.rotation.pending, c.tok.rotation.pendingRedeemed, c.tok.rotation.latest = "", "", ""
	c.tok.appUser.access = ""
	c.log.Info("the refresh token in the credentials store was replaced while the old one was being redeemed; using the new one")
}

func (c *Client) store(tc *tokenCache, access string, lifetime time.Duration) {
	c.rememberSecret(access)
	skew := c.cfg.TokenExpirySkew
	if skew > lifetime/2 {
		skew = lifetime / 2
	}
	tc.access = access
	tc.usable = c.now().Add(lifetime - skew)
}

// tokenRequest makes one request to the token endpoint.
func (c *Client) tokenRequest(ctx context.Context, form url.Values) (tokenAnswer, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.tokURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenAnswer{}, 0, credentialsError(OpAcquireToken, "building the token request failed")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := c.http.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
		_ = resp.Body.Close()
	}
	d := time.Since(start)
	if err != nil {
		c.observe(OpAcquireToken, OutcomeTransportError, 0, d)
		return tokenAnswer{}, 0, transientError(OpAcquireToken, "token request failed: "+c.redact(sanitizeText(err.Error())), err)
	}
	if isRedirect(resp.StatusCode) {
		c.observe(OpAcquireToken, OutcomeError, resp.StatusCode, d)
		return tokenAnswer{}, 0, c.redirectError(OpAcquireToken, resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.StatusCode != http.StatusOK {
		outcome := OutcomeError
		if resp.StatusCode == http.StatusTooManyRequests {
			outcome = OutcomeThrottled
		}
		c.observe(OpAcquireToken, outcome, resp.StatusCode, d)
		eb := decodeErrorBody(body)
		e := classifyTokenError(OpAcquireToken, resp.StatusCode, eb)
		if e.Kind == KindThrottled {
			e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		c.log.V(1).Info("token request refused", "status", resp.StatusCode, "kind", string(e.Kind), "code", e.Code)
		return tokenAnswer{}, 0, e
	}
	c.observe(OpAcquireToken, OutcomeSuccess, resp.StatusCode, d)
	ta, lifetime, err := decodeTokenAnswer(body)
	if err != nil {
		return tokenAnswer{}, 0, &Error{Kind: KindUnknown, Operation: OpAcquireToken, StatusCode: resp.StatusCode, Message: c.clean(err.Error(), 200)}
	}
	return ta, lifetime, nil
}

// CheckCredentials obtains an App+User token (refreshing and rotating as
// needed). Use it for the PartnerTenant's Ready condition.
func (c *Client) CheckCredentials(ctx context.Context) error {
	var err error
	for attempt := 0; ; attempt++ {
		if _, err = c.token(ctx, tokenAppUser); err == nil || !IsRetryable(err) || attempt >= c.cfg.MaxRetries {
			return err
		}
		wait := c.backoff(attempt + 1)
		if ra, ok := RetryAfter(err); ok && ra > wait {
			wait = ra
		}
		if !c.sleep(ctx, wait) {
			return err
		}
	}
}
