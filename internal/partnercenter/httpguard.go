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
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Every request carries a credential (a bearer token, or a client secret and refresh token), so
// the client only ever talks to the configured https endpoints: it follows no redirect and sends
// nothing that is not https.

// validateEndpoint accepts https://host[:port][/path] and nothing else.
func validateEndpoint(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "https":
		return errors.New("must be an https:// URL")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return errors.New("must be https://host[:port][/path]")
	case u.User != nil:
		return errors.New("must not carry user information")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "?"):
		return errors.New("must not carry a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not carry a fragment")
	}
	return nil
}

// transportOf is the transport hc uses (nil hc: none chosen yet).
func transportOf(hc *http.Client) http.RoundTripper {
	if hc == nil {
		return nil
	}
	if hc.Transport == nil {
		return http.DefaultTransport
	}
	return hc.Transport
}

// guardedHTTPClient returns a copy of hc (nil: a default client) that follows no redirect and
// refuses any request that is not https. The caller's client is not changed.
func guardedHTTPClient(hc *http.Client) *http.Client {
	var out http.Client
	next := transportOf(hc)
	if hc != nil {
		out = *hc
	} else {
		next = newTransport(nil)
	}
	out.Transport = httpsOnly{next: next}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// httpsOnly refuses requests that are not https before anything is sent.
type httpsOnly struct{ next http.RoundTripper }

func (h httpsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL == nil || r.URL.Scheme != "https" {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, errors.New("partnercenter: refusing to send a request that is not https")
	}
	return h.next.RoundTrip(r)
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

// redirectError reports a 3xx answer, which the client never follows. It names the target
// without its user information, query or fragment.
func (c *Client) redirectError(op string, status int, location string) *Error {
	msg := "refused to follow a redirect"
	if u, err := url.Parse(location); err == nil && location != "" {
		u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
		msg += " to " + c.clean(u.String(), 200)
	}
	return &Error{Kind: KindRedirected, Operation: op, StatusCode: status,
		Message: msg + "; the client only talks to the configured BaseURL and AuthorityURL: check them"}
}
