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
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Codes the contract documents.
const (
	codeNoRelationship = 20002
	codeMFARequired    = 900421
	codeDuplicate      = 600061
	codeNotAccepted    = 600062
)

// Simulator-only codes: Microsoft does not document these cases' codes.
const (
	simCodeInvalidRequest      = 900400
	simCodeUnauthorized        = 900401
	simCodeForbiddenPartner    = 900403
	simCodeNotFound            = 900404
	simCodeMethodNotAllowed    = 900405
	simCodeRequestIDReused     = 900409
	simCodeInjected            = 900500
	simCodeAttestationExpired  = 600063
	simCodeAttestationConsumed = 600064
)

// maxRequestLog bounds the request log; the older half is dropped when full.
const maxRequestLog = 200000

type response struct {
	status      int
	body        []byte
	contentType string
	header      map[string]string
}

func (r response) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if r.contentType != "" {
		w.Header().Set("Content-Type", r.contentType)
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

func jsonResp(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{}`)
	}
	return response{status: status, body: b, contentType: "application/json; charset=utf-8"}
}

type reqInfo struct {
	partner, tokenKind, grantType string
	operation                     string
	injected, rateLimited         bool
	replayed, dropped             bool
}

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP makes the Server an http.Handler (e.g. for httptest servers).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.handler.ServeHTTP(w, r)
		return
	}
	info := &reqInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	sw := &statusWriter{ResponseWriter: w}
	start := time.Now()
	defer func() { s.record(r, sw.status, info, start) }()
	s.mu.Lock()
	lat := s.latency
	s.mu.Unlock()
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if resp, ok := s.attestationGetMissing(r); ok {
		info.operation = OpGetEnhancedAttestation
		resp.write(sw)
		return
	}
	s.handler.ServeHTTP(sw, r)
}

func (s *Server) record(r *http.Request, status int, info *reqInfo, start time.Time) {
	rec := RequestRecord{
		Time:            start,
		Method:          r.Method,
		Path:            r.URL.Path,
		Operation:       info.operation,
		Query:           r.URL.RawQuery,
		Status:          status,
		RequestID:       r.Header.Get("MS-RequestId"),
		CorrelationID:   r.Header.Get("MS-CorrelationId"),
		PartnerTenantID: info.partner,
		TokenKind:       info.tokenKind,
		GrantType:       info.grantType,
		Duration:        time.Since(start),
		Injected:        info.injected,
		RateLimited:     info.rateLimited,
		Replayed:        info.replayed,
		Dropped:         info.dropped,
	}
	if info.dropped {
		rec.Status = 0
	}
	s.mu.Lock()
	if len(s.requests) >= maxRequestLog {
		s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-maxRequestLog/2:]...)
	}
	s.requests = append(s.requests, rec)
	logf := s.opts.Logf
	s.mu.Unlock()
	if logf != nil {
		extra := ""
		switch {
		case info.dropped:
			extra = " (dropped)"
		case info.replayed:
			extra = " (replayed)"
		case info.injected:
			extra = " (injected)"
		case info.rateLimited:
			extra = " (rate limited)"
		}
		logf("%s %s %d partner=%s requestId=%s %s%s", rec.Method, rec.Path, rec.Status, rec.PartnerTenantID, rec.RequestID, rec.Duration.Round(time.Millisecond), extra)
	}
}

// Operations the request log names (RequestRecord.Operation).
const (
	OpToken                    = "Token"
	OpGetAgreementMetadata     = "GetAgreementMetadata"
	OpListCustomers            = "ListCustomers"
	OpListCustomerAgreements   = "ListCustomerAgreements"
	OpCreateAgreement          = "CreateAgreement"
	OpGetDirectSignedStatus    = "GetDirectSignedStatus"
	OpGetAgreementDocument     = "GetAgreementDocument"
	OpStartEnhancedAttestation = "StartEnhancedAttestation"
	OpGetEnhancedAttestation   = "GetEnhancedAttestation"
	OpListAuditRecords         = "ListAuditRecords"
)

// operation names the request's operation in the request log, then serves it with h.
func operation(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).operation = name
		h(w, r)
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/token", operation(OpToken, s.handleToken))
	mux.HandleFunc("GET /v1/agreements", operation(OpGetAgreementMetadata, s.api(KindAppUser, s.getMetadata)))
	mux.HandleFunc("GET /v1/customers", operation(OpListCustomers, s.api("", s.listCustomers)))
	mux.HandleFunc("GET /v1/auditrecords", operation(OpListAuditRecords, s.api("", s.listAuditRecords)))
	mux.HandleFunc("GET /v1/customers/{customer}/agreements", operation(OpListCustomerAgreements, s.api(KindAppUser, s.listAgreements)))
	mux.HandleFunc("POST /v1/customers/{customer}/agreements", operation(OpCreateAgreement, s.api("", s.createAgreement)))
	mux.HandleFunc("GET /v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus", operation(OpGetDirectSignedStatus, s.api(KindAppUser, s.directStatus)))
	mux.HandleFunc("GET /v1/agreementtemplates/{template}/document", operation(OpGetAgreementDocument, s.api(KindAppUser, s.document)))
	mux.HandleFunc("POST /v1/attestations/enhanced", operation(OpStartEnhancedAttestation, s.api(KindAppOnly, s.startEnhanced)))
	mux.HandleFunc("GET /v1/attestations/enhanced/{id}", operation(OpGetEnhancedAttestation, s.api(KindAppOnly, s.getEnhanced)))
	s.pageRoutes(mux)
	s.simRoutes(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" && strings.HasPrefix(r.URL.Path, "/v1/") {
			s.mu.Lock()
			resp := s.errGeneric(http.StatusNotFound, simCodeNotFound, "Resource not found.")
			s.mu.Unlock()
			resp.write(w)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// ---- error shapes -------------------------------------------------------

func (s *Server) code(c int) any {
	if s.variants.StringCodes {
		return strconv.Itoa(c)
	}
	return c
}

// errGeneric: {"code","description","data","source"} (§1, first shape).
func (s *Server) errGeneric(status, code int, desc string) response {
	return jsonResp(status, map[string]any{"code": s.code(code), "description": desc, "data": []any{}, "source": "PartnerFD"})
}

// errRich: {"code","message","description","errorName","isRetryable","parameters"} (§1, second shape).
func (s *Server) errRich(status, code int, name, msg string) response {
	return jsonResp(status, map[string]any{"code": s.code(code), "message": msg, "description": msg, "errorName": name, "isRetryable": false, "parameters": map[string]any{}})
}

func throttled(retryAfter time.Duration) response {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 0 {
		secs = 0
	}
	r := jsonResp(http.StatusTooManyRequests, map[string]any{"statusCode": 429, "message": fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", secs)})
	r.header = map[string]string{"Retry-After": strconv.Itoa(secs)}
	return r
}

// ---- the API pipeline ---------------------------------------------------

type apiCtx struct {
	p    *partner
	kind string
	base string
}

type apiFunc func(r *http.Request, body []byte, ac apiCtx) response

// api wraps an endpoint: injected faults, authentication, token kind, MFA,
// per-partner rate limit, then (for POST) MS-RequestId idempotency and
// dropped answers. need is the token kind required ("" = the handler decides).
func (s *Server) api(need string, h apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		base := s.linkBase(r)
		s.mu.Lock()
		resp, drop := s.apiLocked(r, body, need, base, info, h)
		s.mu.Unlock()
		if drop {
			info.dropped = true
			panic(http.ErrAbortHandler)
		}
		resp.write(w)
	}
}

func (s *Server) apiLocked(r *http.Request, body []byte, need, base string, info *reqInfo, h apiFunc) (response, bool) {
	if s.throttleNext > 0 {
		s.throttleNext--
		info.injected = true
		return throttled(s.throttleAfter), false
	}
	if s.failNext > 0 {
		s.failNext--
		info.injected = true
		return s.errGeneric(s.failStatus, simCodeInjected, "Injected failure."), false
	}
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	at := s.tokens[tok]
	if tok == "" || at == nil || !s.now().Before(at.expires) {
		resp := s.errGeneric(http.StatusUnauthorized, simCodeUnauthorized, "Unauthorized: missing, unknown or expired access token.")
		resp.header = map[string]string{"WWW-Authenticate": `OAuth realm="urn:cpsvc:cpid:pcsim"`}
		return resp, false
	}
	p := s.partners[at.partner]
	info.partner, info.tokenKind = p.TenantID, at.kind
	if need != "" && at.kind != need {
		return s.errGeneric(http.StatusUnauthorized, simCodeUnauthorized, "This operation requires an "+need+" token."), false
	}
	if at.kind == KindAppUser && p.mfaRequired {
		return s.errGeneric(http.StatusUnauthorized, codeMFARequired, "Multi-factor authentication is required for App+User calls."), false
	}
	if p.limiter != nil && !p.limiter.Allow() {
		res := p.limiter.Reserve()
		delay := res.Delay()
		res.Cancel()
		if delay < time.Second {
			delay = time.Second
		}
		info.rateLimited = true
		return throttled(delay), false
	}
	ac := apiCtx{p: p, kind: at.kind, base: base}
	if r.Method != http.MethodPost {
		return h(r, body, ac), false
	}
	rid := strings.TrimSpace(r.Header.Get("MS-RequestId"))
	if rid == "" {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The MS-RequestId header is required."), false
	}
	k := idemKey{partner: key(p.TenantID), requestID: strings.ToLower(rid)}
	if prev := s.idem[k]; prev != nil {
		if prev.method != r.Method || prev.path != r.URL.Path {
			return s.errGeneric(http.StatusBadRequest, simCodeRequestIDReused, "The MS-RequestId was already used for a different request."), false
		}
		info.replayed = true
		if s.dropNextPOST > 0 {
			s.dropNextPOST--
			return prev.resp, true
		}
		return prev.resp, false
	}
	resp := h(r, body, ac)
	s.idem[k] = &storedResponse{method: r.Method, path: r.URL.Path, resp: resp}
	if s.dropNextPOST > 0 {
		s.dropNextPOST--
		return resp, true
	}
	return resp, false
}

// ---- token endpoint (§2) -------------------------------------------------

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	info := infoOf(r)
	tenant := r.PathValue("tenant")
	info.partner = tenant
	if err := r.ParseForm(); err != nil {
		jsonResp(http.StatusBadRequest, oauthErr("invalid_request", 900144, "The request body must contain a form.")).write(w)
		return
	}
	f := r.PostForm
	info.grantType = f.Get("grant_type")
	s.mu.Lock()
	resp := s.tokenLocked(tenant, f.Get("grant_type"), f.Get("client_id"), f.Get("client_secret"), f.Get("refresh_token"), f.Get("resource"), info)
	s.mu.Unlock()
	resp.header = map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"}
	resp.write(w)
}

func oauthErr(e string, code int, desc string) map[string]any {
	return map[string]any{
		"error":             e,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, desc, newUUID(), newUUID(), time.Now().UTC().Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{code},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          newUUID(),
		"correlation_id":    newUUID(),
	}
}

func (s *Server) tokenLocked(tenant, grant, clientID, clientSecret, refreshToken, resource string, info *reqInfo) response {
	p := s.partners[key(tenant)]
	if p == nil {
		return jsonResp(http.StatusBadRequest, oauthErr("invalid_request", 90002, "Tenant not found."))
	}
	info.partner = p.TenantID
	if resource != Resource {
		return jsonResp(http.StatusBadRequest, oauthErr("invalid_resource", 500011, "The resource principal was not found in the tenant."))
	}
	if clientID != p.ClientID || clientSecret != p.ClientSecret {
		return jsonResp(http.StatusUnauthorized, oauthErr("invalid_client", 7000215, "Invalid client secret provided."))
	}
	now := s.now()
	ttl := s.opts.TokenTTL
	answer := map[string]any{
		"token_type":     "Bearer",
		"expires_in":     strconv.Itoa(int(ttl / time.Second)),
		"ext_expires_in": strconv.Itoa(int(ttl / time.Second)),
		"expires_on":     strconv.FormatInt(now.Add(ttl).Unix(), 10),
		"not_before":     strconv.FormatInt(now.Unix(), 10),
		"resource":       Resource,
	}
	issue := func(kind string) string {
		t := "simat_" + randHex(24)
		s.tokens[t] = &accessToken{partner: key(p.TenantID), kind: kind, expires: now.Add(ttl)}
		s.issued[key(p.TenantID)] = append(s.issued[key(p.TenantID)], t)
		info.tokenKind = kind
		return t
	}
	switch grant {
	case "client_credentials":
		answer["access_token"] = issue(KindAppOnly)
	case "refresh_token":
		if refreshToken == "" || p.refreshToken == "" || refreshToken != p.refreshToken {
			return jsonResp(http.StatusBadRequest, oauthErr("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity or was revoked."))
		}
		answer["access_token"] = issue(KindAppUser)
		if s.opts.RotateRefreshTokens {
			p.refreshToken = "simrt_" + randHex(24)
			s.issued[key(p.TenantID)] = append(s.issued[key(p.TenantID)], p.refreshToken)
		}
		answer["refresh_token"] = p.refreshToken
		answer["scope"] = "user_impersonation"
	default:
		return jsonResp(http.StatusBadRequest, oauthErr("unsupported_grant_type", 70003, "The app requested an unsupported grant type."))
	}
	return jsonResp(http.StatusOK, answer)
}

// ---- reads (§3) -----------------------------------------------------------

func (s *Server) collection(items []any) any {
	if s.variants.BareArrays {
		return items
	}
	return map[string]any{"totalCount": len(items), "items": items, "links": map[string]any{}, "attributes": map[string]any{"objectType": "Collection"}}
}

func (s *Server) getMetadata(r *http.Request, _ []byte, _ apiCtx) response {
	q := r.URL.Query()
	typeField := "agreementType"
	if s.variants.MetadataTypeField == "type" {
		typeField = "type"
	}
	item := func(template, typ, link string) any {
		return map[string]any{"templateId": template, typeField: typ, "agreementLink": link, "versionRank": 0}
	}
	var items []any
	switch t := q.Get("agreementType"); t {
	case AgreementTypeMCA:
		items = []any{item(TemplateMCA, AgreementTypeMCA, AgreementLinkMCA)}
	case "", AgreementTypeCloud:
		// Without agreementType the service falls back to the Cloud Agreement.
		items = []any{item(TemplateCloud, AgreementTypeCloud, AgreementLinkCloud)}
	case "*":
		items = []any{item(TemplateMCA, AgreementTypeMCA, AgreementLinkMCA), item(TemplateCloud, AgreementTypeCloud, AgreementLinkCloud)}
	default:
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "Unknown agreementType.")
	}
	return jsonResp(http.StatusOK, s.collection(items))
}

// customerFor applies the customer checks: 404 unknown, 403/20002 without
// a reseller relationship.
func (s *Server) customerFor(p *partner, id string) (*customer, *response) {
	c := p.customers[key(id)]
	if c == nil {
		r := s.errGeneric(http.StatusNotFound, simCodeNotFound, "The customer was not found.")
		return nil, &r
	}
	if !c.relationship {
		r := s.errGeneric(http.StatusForbidden, codeNoRelationship, "No relationship between caller and account.")
		return nil, &r
	}
	return c, nil
}

func (s *Server) formatDate(t time.Time) string {
	if s.variants.ZonedTimestamps {
		return t.UTC().Format(time.RFC3339)
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func (s *Server) renderAgreement(a *AgreementRecord) map[string]any {
	link := AgreementLinkMCA
	if a.Type == AgreementTypeCloud {
		link = AgreementLinkCloud
	}
	var userID any
	if a.UserID != "" {
		userID = a.UserID
	}
	return map[string]any{
		"primaryContact": map[string]any{"firstName": a.PrimaryContact.FirstName, "lastName": a.PrimaryContact.LastName, "email": a.PrimaryContact.Email, "phoneNumber": a.PrimaryContact.PhoneNumber},
		"templateId":     a.TemplateID,
		"dateAgreed":     s.formatDate(a.DateAgreedTime),
		"type":           a.Type,
		"agreementLink":  link,
		"userId":         userID,
	}
}

func (s *Server) listAgreements(r *http.Request, _ []byte, ac apiCtx) response {
	c, errResp := s.customerFor(ac.p, r.PathValue("customer"))
	if errResp != nil {
		return *errResp
	}
	want := r.URL.Query().Get("agreementType")
	match := func(t string) bool {
		switch want {
		case "*":
			return true
		case AgreementTypeMCA:
			return t == AgreementTypeMCA
		default: // missing or MicrosoftCloudAgreement: only old Cloud Agreement records
			return t == AgreementTypeCloud
		}
	}
	if want != "" && want != "*" && want != AgreementTypeMCA && want != AgreementTypeCloud {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "Unknown agreementType.")
	}
	now := s.now()
	items := []any{}
	for _, a := range c.agreements {
		if match(a.Type) && !now.Before(a.VisibleAt) {
			items = append(items, s.renderAgreement(a))
		}
	}
	return jsonResp(http.StatusOK, s.collection(items))
}

func (s *Server) directStatus(r *http.Request, _ []byte, ac apiCtx) response {
	c, errResp := s.customerFor(ac.p, r.PathValue("customer"))
	if errResp != nil {
		return *errResp
	}
	return jsonResp(http.StatusOK, map[string]any{"isSigned": c.directSigned})
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

func (s *Server) document(r *http.Request, _ []byte, ac apiCtx) response {
	if r.PathValue("template") != TemplateMCA { // case-sensitive
		return s.errGeneric(http.StatusNotFound, simCodeNotFound, "Agreement template not found.")
	}
	q := r.URL.Query()
	lang, country := q.Get("language"), q.Get("country")
	if lang == "" {
		lang = "en-US"
	}
	if country == "" {
		country = "US"
	}
	if !countryRE.MatchString(country) {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The country code is invalid (country codes are upper case).")
	}
	exp := s.now().Add(5 * time.Minute).Unix()
	return jsonResp(http.StatusOK, map[string]any{
		"displayUri":  fmt.Sprintf("%s/agreements/mca?language=%s&country=%s", ac.base, lang, country),
		"downloadUri": fmt.Sprintf("%s/agreements/mca/download?language=%s&country=%s&se=%d&sig=%s", ac.base, lang, country, exp, randHex(16)),
		"language":    lang,
		"country":     country,
	})
}

// ---- enhanced attestation (§4.1, modeled) --------------------------------

type enhancedBody struct {
	CompanyName          string          `json:"companyName"`
	Country              string          `json:"country"`
	Language             string          `json:"language"`
	SignatoryFirstName   string          `json:"signatoryFirstName"`
	SignatoryLastName    string          `json:"signatoryLastName"`
	SignatoryEmail       string          `json:"signatoryEmail"`
	SignatoryPhoneNumber *string         `json:"signatoryPhoneNumber"`
	ExpirationTime       json.RawMessage `json:"expirationTime"`
}

// Bounds of the start's expirationTime, in minutes.
const (
	minLinkMinutes = 5
	maxLinkMinutes = 10080
)

// renderAttestation is the start and GET answer, shaped by the variants.
func (s *Server) renderAttestation(a *Attestation, base string) map[string]any {
	v := s.variants
	m := map[string]any{
		"attestationId": a.ID,
		"status":        s.statusWord(a.Status),
	}
	if !v.NoAcceptanceLink {
		m["acceptanceLink"] = base + "/attest/" + a.ID
	}
	if f := s.expiryField(); f != "" {
		m[f] = a.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if !v.NoEcho {
		m["companyName"] = a.CompanyName
		m["country"] = a.Country
		m["language"] = a.Language
		m["signatoryFirstName"] = a.SignatoryFirstName
		m["signatoryLastName"] = a.SignatoryLastName
		m["signatoryEmail"] = a.SignatoryEmail
		m["signatoryPhoneNumber"] = a.SignatoryPhoneNumber
	}
	if !a.AcceptedAt.IsZero() {
		m["acceptedAt"] = a.AcceptedAt.UTC().Format(time.RFC3339)
	}
	return m
}

func (s *Server) forbiddenReseller() response {
	return s.errRich(http.StatusForbidden, simCodeForbiddenPartner, "IndirectResellerNotAllowed", "Indirect resellers can't attest on behalf of their customers; work with your indirect provider.")
}

func (s *Server) startEnhanced(r *http.Request, body []byte, ac apiCtx) response {
	now := s.now().UTC()
	rec := EnhancedStart{Time: now, PartnerTenantID: ac.p.TenantID, RequestID: r.Header.Get("MS-RequestId"), Fields: []string{}}
	resp := s.startEnhancedLocked(body, ac, now, &rec)
	rec.Status = resp.status
	if resp.status == http.StatusCreated {
		a := s.attestations[key(rec.AttestationID)]
		s.logWriteLocked(r, ac, AuditOperationStartAttestation, "", a.CompanyName, "enhanced attestation for "+a.CompanyName)
	}
	if len(s.starts) >= maxRequestLog {
		s.starts = append(s.starts[:0:0], s.starts[len(s.starts)-maxRequestLog/2:]...)
	}
	s.starts = append(s.starts, rec)
	return resp
}

func (s *Server) startEnhancedLocked(body []byte, ac apiCtx, now time.Time, rec *EnhancedStart) response {
	if ac.p.Type == PartnerIndirectReseller {
		return s.forbiddenReseller()
	}
	var raw map[string]json.RawMessage
	var b enhancedBody
	if json.Unmarshal(body, &raw) != nil || json.Unmarshal(body, &b) != nil {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The request body is not valid JSON.")
	}
	for name := range raw {
		rec.Fields = append(rec.Fields, name)
	}
	sort.Strings(rec.Fields)
	_, rec.PhoneNumberPresent = raw["signatoryPhoneNumber"]
	rec.PhoneNumberEmpty = b.SignatoryPhoneNumber != nil && strings.TrimSpace(*b.SignatoryPhoneNumber) == ""
	if et, ok := raw["expirationTime"]; ok {
		rec.ExpirationTime = string(et)
	}
	for name, v := range map[string]string{"companyName": b.CompanyName, "signatoryFirstName": b.SignatoryFirstName, "signatoryLastName": b.SignatoryLastName, "signatoryEmail": b.SignatoryEmail} {
		if strings.TrimSpace(v) == "" {
			return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The field "+name+" is required.")
		}
	}
	if rec.PhoneNumberEmpty {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The field signatoryPhoneNumber is invalid: a phone number can't be empty; omit the field when there is none.")
	}
	if b.Country == "" {
		b.Country = "US"
	}
	if !countryRE.MatchString(b.Country) {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The country code is invalid.")
	}
	if b.Language == "" {
		b.Language = "en-US"
	}
	ttl, minutes := s.opts.LinkTTL, 0
	if et := strings.TrimSpace(string(b.ExpirationTime)); et != "" && et != "null" {
		var f float64
		if json.Unmarshal(b.ExpirationTime, &f) != nil || f != math.Trunc(f) || f < minLinkMinutes || f > maxLinkMinutes {
			return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, fmt.Sprintf("The field expirationTime is invalid: it is the link lifetime in whole minutes, from %d to %d.", minLinkMinutes, maxLinkMinutes))
		}
		minutes = int(f)
		ttl = time.Duration(minutes) * time.Minute
	}
	phone := ""
	if b.SignatoryPhoneNumber != nil {
		phone = *b.SignatoryPhoneNumber
	}
	s.attSeq++
	a := &Attestation{
		ID: newUUID(), PartnerTenantID: ac.p.TenantID, Status: StatusLinkGenerated,
		CompanyName: b.CompanyName, Country: b.Country, Language: b.Language,
		SignatoryFirstName: b.SignatoryFirstName, SignatoryLastName: b.SignatoryLastName,
		SignatoryEmail: b.SignatoryEmail, SignatoryPhoneNumber: phone,
		Created: now, ExpiresAt: now.Add(ttl),
		Lifetime: ttl, RequestedMinutes: minutes, PhoneNumberSent: rec.PhoneNumberPresent,
		seq: s.attSeq,
	}
	s.attestations[key(a.ID)] = a
	rec.AttestationID = a.ID
	return jsonResp(http.StatusCreated, s.renderAttestation(a, ac.base))
}

func (s *Server) getEnhanced(r *http.Request, _ []byte, ac apiCtx) response {
	a := s.attestations[key(r.PathValue("id"))]
	if a == nil || key(a.PartnerTenantID) != key(ac.p.TenantID) {
		return s.errGeneric(http.StatusNotFound, simCodeNotFound, "The attestation was not found.")
	}
	s.refreshStatusLocked(a)
	return jsonResp(http.StatusOK, s.renderAttestation(a, ac.base))
}

// ---- creating agreements (§4) --------------------------------------------

type createBody struct {
	AttestationID  string       `json:"attestationId"`
	TemplateID     string       `json:"templateId"`
	Type           string       `json:"type"`
	DateAgreed     string       `json:"dateAgreed"`
	PrimaryContact *SeedContact `json:"primaryContact"`
}

func (s *Server) createAgreement(r *http.Request, body []byte, ac apiCtx) response {
	var b createBody
	if err := json.Unmarshal(body, &b); err != nil {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The request body is not valid JSON.")
	}
	enhanced := b.AttestationID != ""
	needKind := KindAppUser
	if enhanced {
		needKind = KindAppOnly
	}
	if ac.kind != needKind {
		return s.errGeneric(http.StatusUnauthorized, simCodeUnauthorized, "This operation requires an "+needKind+" token.")
	}
	c, errResp := s.customerFor(ac.p, r.PathValue("customer"))
	if errResp != nil {
		return *errResp
	}
	if ac.p.Type == PartnerIndirectReseller {
		return s.forbiddenReseller()
	}
	if b.Type != AgreementTypeMCA {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The agreement type must be MicrosoftCustomerAgreement.")
	}
	if b.TemplateID != TemplateMCA {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, fmt.Sprintf("Template ID '%s' is no longer supported or unknown.", truncate(b.TemplateID, 64)))
	}
	now := s.now().UTC()
	rec := &AgreementRecord{Created: now, VisibleAt: now.Add(s.visibilityDelay), RequestID: r.Header.Get("MS-RequestId")}
	rec.Type, rec.TemplateID = AgreementTypeMCA, TemplateMCA
	var att *Attestation
	if enhanced {
		if s.variants.CreateFromAttestationError == CreateErrorUnknownAlways {
			return s.errRich(http.StatusUnprocessableEntity, CodeUnsupportedAttestation, "UnsupportedAttestation", "Unsupported attestation")
		}
		att = s.attestations[key(b.AttestationID)]
		if att == nil || key(att.PartnerTenantID) != key(ac.p.TenantID) {
			return s.errGeneric(http.StatusNotFound, simCodeNotFound, "The attestation was not found.")
		}
		s.refreshStatusLocked(att)
		switch att.Status {
		case StatusLinkGenerated:
			if s.variants.CreateFromAttestationError == CreateErrorUnknownBeforeAcceptance {
				return s.errRich(http.StatusBadRequest, CodeAttestationPending, "AttestationPending", "The attestation is not complete.")
			}
			return s.errRich(http.StatusBadRequest, codeNotAccepted, "AttestationNotAccepted", "The customer has not accepted the agreement yet.")
		case StatusExpired:
			return s.errRich(http.StatusBadRequest, simCodeAttestationExpired, "AttestationExpired", "The attestation expired; start a new one.")
		case StatusAgreementCreated:
			if key(att.CustomerTenantID) != key(c.tenantID) {
				return s.errRich(http.StatusBadRequest, simCodeAttestationConsumed, "AttestationAlreadyUsed", "The attestation was already used for another customer.")
			}
		}
		rec.PrimaryContact = SeedContact{FirstName: att.SignatoryFirstName, LastName: att.SignatoryLastName, Email: att.SignatoryEmail, PhoneNumber: att.SignatoryPhoneNumber}
		rec.DateAgreedTime = att.AcceptedAt.UTC()
		rec.Source, rec.AttestationID = "enhanced", att.ID
	} else {
		if s.variants.LegacyRetired {
			return s.errRich(http.StatusBadRequest, CodeLegacyRetired, "LegacyAttestationRetired", "The attestation API used was retired on 5 January 2026; use the enhanced attestation.")
		}
		if b.PrimaryContact == nil || strings.TrimSpace(b.PrimaryContact.FirstName) == "" || strings.TrimSpace(b.PrimaryContact.LastName) == "" || strings.TrimSpace(b.PrimaryContact.Email) == "" {
			return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "primaryContact with firstName, lastName and email is required.")
		}
		t, err := parseTime(b.DateAgreed)
		if err != nil || b.DateAgreed == "" {
			return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "dateAgreed is required and must be a date-time.")
		}
		if t.After(now) {
			return s.errGeneric(http.StatusBadRequest, CodeDateInFuture, "Date of agreement cannot be greater than the current date")
		}
		rec.PrimaryContact = *b.PrimaryContact
		rec.DateAgreedTime = t
		rec.Source, rec.UserID = "legacy", ac.p.userID
	}
	rec.DateAgreed = rec.DateAgreedTime.Format(time.RFC3339)
	if isDuplicate(c.agreements, rec.PrimaryContact) {
		return s.errRich(http.StatusBadRequest, codeDuplicate, "PartnerConfirmedAgreementAlreadyExists", "A partner confirmed agreement already exists for the customer.")
	}
	c.agreements = append(c.agreements, rec)
	s.logWriteLocked(r, ac, AuditOperationCreateAgreement, c.tenantID, c.company, rec.Source+" "+rec.Type)
	if att != nil {
		att.Status, att.CustomerTenantID = StatusAgreementCreated, c.tenantID
	}
	return jsonResp(http.StatusCreated, s.renderAgreement(rec))
}

// isDuplicate is the rule of §4.3: a contact identical (names and email
// without regard to case, phone by digits) to an MCA attestation made on or
// after 1 April 2023 is refused. Older attestations do not count, so the
// first reattestation of a pre-2023 customer may reuse the old contact.
func isDuplicate(existing []*AgreementRecord, c SeedContact) bool {
	for _, a := range existing {
		if a.Type == AgreementTypeMCA && !a.DateAgreedTime.Before(CurrentTermsDate) && SameContact(a.PrimaryContact, c) {
			return true
		}
	}
	return false
}

// SameContact compares contacts as the duplicate rule does.
func SameContact(a, b SeedContact) bool {
	eq := func(x, y string) bool { return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(y)) }
	return eq(a.FirstName, b.FirstName) && eq(a.LastName, b.LastName) && eq(a.Email, b.Email) && digits(a.PhoneNumber) == digits(b.PhoneNumber)
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
