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
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// OpProbe names the raw exchanges of a contract probe in logs and the Observer.
const OpProbe = "Probe"

// ProbeResponse is one raw answer of Partner Center, for checking its shape against the contract.
type ProbeResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// Probe sends one request as given and returns the raw answer, whatever its status: one attempt,
// no retries and no classification, under the client's rate limit and with a token of the kind
// named (appOnly: client credentials; otherwise App+User, whose rotated refresh token is written
// back like any other). pathAndQuery is relative to the configured endpoint ("/v1/..."); body, when
// not nil, is sent as JSON. The token is never returned. For tools that compare the real service
// with the modeled shapes (kubectl mca probe), not for the operator's own calls.
func (c *Client) Probe(ctx context.Context, method, pathAndQuery string, appOnly bool, body any) (ProbeResponse, error) {
	u, err := url.Parse(pathAndQuery)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return ProbeResponse{}, &Error{Kind: KindBadRequest, Operation: OpProbe, Message: "pathAndQuery must be a path such as /v1/agreements"}
	}
	var b []byte
	if body != nil {
		if b, err = json.Marshal(body); err != nil {
			return ProbeResponse{}, &Error{Kind: KindBadRequest, Operation: OpProbe, Message: "encoding request body: " + err.Error()}
		}
	}
	kind := tokenAppUser
	if appOnly {
		kind = tokenAppOnly
	}
	if paused, _, err := c.pacer.wait(ctx, class{}, c.cfg.MaxInlineWait); err != nil || paused > 0 {
		if paused > 0 {
			return ProbeResponse{}, pausedError(OpProbe, paused)
		}
		return ProbeResponse{}, c.finalError(ctx, OpProbe, nil)
	}
	tok, err := c.token(ctx, kind)
	if err != nil {
		return ProbeResponse{}, err
	}
	r := request{op: OpProbe, method: method, path: u.EscapedPath(), query: u.Query(), auth: kind,
		opts: callOptions{requestID: uuid.NewString(), correlationID: uuid.NewString()}}
	full := c.baseURL + r.path
	if len(r.query) > 0 {
		full += "?" + r.query.Encode()
	}
	log := c.log.WithValues("operation", OpProbe, "requestId", r.opts.requestID)
	status, respBody, hdr, err := c.attempt(ctx, log, r, full, b, tok, 0)
	if err != nil {
		return ProbeResponse{}, transientError(OpProbe, "request failed: "+c.redact(sanitizeText(err.Error())), err)
	}
	return ProbeResponse{Status: status, Header: hdr, Body: respBody}, nil
}

// ProbeToken obtains a token of the kind named (see Probe), so that a probe can check both grants.
func (c *Client) ProbeToken(ctx context.Context, appOnly bool) error {
	kind := tokenAppUser
	if appOnly {
		kind = tokenAppOnly
	}
	_, err := c.token(ctx, kind)
	return err
}
