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
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func mcaQuery() url.Values { return url.Values{"agreementType": {AgreementTypeMCA}} }

func customerPath(customerTenantID, suffix string) string {
	return "/v1/customers/" + url.PathEscape(customerTenantID) + suffix
}

func requireArg(op, name, v string) error {
	if strings.TrimSpace(v) == "" {
		return &Error{Kind: KindBadRequest, Operation: op, Message: name + " is required"}
	}
	return nil
}

func (c *Client) decodeFailure(op string, err error) error {
	return &Error{Kind: KindUnknown, Operation: op, StatusCode: http.StatusOK, Message: "unexpected answer: " + c.clean(err.Error(), 200)}
}

// GetAgreementMetadata returns the current MCA metadata (template id). The
// answer is cached for MetadataTTL; concurrent callers share one fetch.
func (c *Client) GetAgreementMetadata(ctx context.Context) (AgreementMetadata, error) {
	if m, ok := c.cachedMetadata(); ok {
		return m, nil
	}
	ch := c.metaGroup.DoChan("metadata", func() (any, error) {
		if m, ok := c.cachedMetadata(); ok {
			return m, nil
		}
		// The fetch is shared: one caller giving up must not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.sharedFetchTimeout(ctx))
		defer cancel()
		m, err := c.fetchMetadata(fctx)
		if err != nil {
			return nil, err
		}
		c.metaMu.Lock()
		c.meta, c.metaExpiry = m, c.now().Add(c.cfg.MetadataTTL)
		c.metaMu.Unlock()
		return m, nil
	})
	select {
	case <-ctx.Done():
		return AgreementMetadata{}, transientError(OpGetAgreementMetadata, "context ended: "+ctx.Err().Error(), ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return AgreementMetadata{}, res.Err
		}
		return res.Val.(AgreementMetadata), nil
	}
}

func (c *Client) cachedMetadata() (AgreementMetadata, bool) {
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	if c.meta.TemplateID != "" && c.now().Before(c.metaExpiry) {
		return c.meta, true
	}
	return AgreementMetadata{}, false
}

func (c *Client) sharedFetchTimeout(ctx context.Context) time.Duration {
	d := time.Duration(c.cfg.MaxRetries+1)*c.cfg.AttemptTimeout + c.cfg.BackoffMax
	if dl, ok := ctx.Deadline(); ok {
		if rem := time.Until(dl); rem > d {
			d = rem
		}
	}
	return d
}

func (c *Client) fetchMetadata(ctx context.Context) (AgreementMetadata, error) {
	b, err := c.do(ctx, request{op: OpGetAgreementMetadata, method: http.MethodGet, path: "/v1/agreements", query: mcaQuery(), auth: tokenAppUser})
	if err != nil {
		return AgreementMetadata{}, err
	}
	items, err := decodeMetadata(b)
	if err != nil {
		return AgreementMetadata{}, c.decodeFailure(OpGetAgreementMetadata, err)
	}
	for _, m := range items {
		if strings.EqualFold(m.AgreementType, AgreementTypeMCA) && m.TemplateID != "" {
			return m, nil
		}
	}
	return AgreementMetadata{}, &Error{Kind: KindUnknown, Operation: OpGetAgreementMetadata, StatusCode: http.StatusOK, Message: "the answer holds no MicrosoftCustomerAgreement metadata"}
}

// ListCustomerAgreements returns the customer's MCA attestation records,
// oldest first (the last one is in force; see LatestAgreement). It always
// asks with agreementType=MicrosoftCustomerAgreement and drops records of
// any other type should the service send them anyway.
func (c *Client) ListCustomerAgreements(ctx context.Context, customerTenantID string) ([]Agreement, error) {
	if err := requireArg(OpListCustomerAgreements, "customerTenantID", customerTenantID); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, request{op: OpListCustomerAgreements, method: http.MethodGet, path: customerPath(customerTenantID, "/agreements"), query: mcaQuery(), auth: tokenAppUser, customerScoped: true})
	if err != nil {
		return nil, err
	}
	all, err := decodeAgreements(b)
	if err != nil {
		return nil, c.decodeFailure(OpListCustomerAgreements, err)
	}
	out := make([]Agreement, 0, len(all))
	for _, a := range all {
		if a.Type == "" || strings.EqualFold(a.Type, AgreementTypeMCA) {
			out = append(out, a)
		}
	}
	sortAgreements(out)
	return out, nil
}

// GetDirectSignedStatus says whether the customer accepted the MCA
// directly in the Microsoft 365 admin center.
func (c *Client) GetDirectSignedStatus(ctx context.Context, customerTenantID string) (bool, error) {
	if err := requireArg(OpGetDirectSignedStatus, "customerTenantID", customerTenantID); err != nil {
		return false, err
	}
	b, err := c.do(ctx, request{op: OpGetDirectSignedStatus, method: http.MethodGet, path: customerPath(customerTenantID, "/directSignedMicrosoftCustomerAgreementStatus"), auth: tokenAppUser, customerScoped: true})
	if err != nil {
		return false, err
	}
	var w struct {
		IsSigned *bool `json:"isSigned"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return false, c.decodeFailure(OpGetDirectSignedStatus, err)
	}
	if w.IsSigned == nil {
		return false, &Error{Kind: KindUnknown, Operation: OpGetDirectSignedStatus, StatusCode: http.StatusOK, Message: "the answer has no isSigned field"}
	}
	return *w.IsSigned, nil
}

// GetAgreementDocument returns the agreement text's links. language
// defaults to en-US and country to US (country codes are upper case).
func (c *Client) GetAgreementDocument(ctx context.Context, templateID, language, country string) (AgreementDocument, error) {
	if err := requireArg(OpGetAgreementDocument, "templateID", templateID); err != nil {
		return AgreementDocument{}, err
	}
	if language == "" {
		language = "en-US"
	}
	if country == "" {
		country = "US"
	}
	q := url.Values{"language": {language}, "country": {strings.ToUpper(country)}}
	b, err := c.do(ctx, request{op: OpGetAgreementDocument, method: http.MethodGet, path: "/v1/agreementtemplates/" + url.PathEscape(templateID) + "/document", query: q, auth: tokenAppUser})
	if err != nil {
		return AgreementDocument{}, err
	}
	var w documentWire
	if err := json.Unmarshal(b, &w); err != nil {
		return AgreementDocument{}, c.decodeFailure(OpGetAgreementDocument, err)
	}
	return AgreementDocument(w), nil
}

// StartEnhancedAttestation starts an enhanced attestation (App-only) and
// returns the link for the customer's signatory.
func (c *Client) StartEnhancedAttestation(ctx context.Context, req EnhancedAttestationRequest, opts ...CallOption) (EnhancedAttestation, error) {
	for name, v := range map[string]string{"CompanyName": req.CompanyName, "SignatoryFirstName": req.SignatoryFirstName, "SignatoryLastName": req.SignatoryLastName, "SignatoryEmail": req.SignatoryEmail} {
		if err := requireArg(OpStartEnhancedAttestation, name, v); err != nil {
			return EnhancedAttestation{}, err
		}
	}
	if req.Country == "" {
		req.Country = "US"
	}
	req.Country = strings.ToUpper(req.Country)
	if req.Language == "" {
		req.Language = "en-US"
	}
	b, err := c.do(ctx, request{op: OpStartEnhancedAttestation, method: http.MethodPost, path: pathEnhancedAttestations(), body: enhancedRequestBody(req), auth: tokenAppOnly, opts: applyOptions(opts)})
	if err != nil {
		return EnhancedAttestation{}, err
	}
	a, err := decodeEnhancedAttestation(b)
	if err != nil {
		return EnhancedAttestation{}, c.decodeFailure(OpStartEnhancedAttestation, err)
	}
	if a.AttestationID == "" {
		return EnhancedAttestation{}, &Error{Kind: KindUnknown, Operation: OpStartEnhancedAttestation, Message: "the answer has no attestationId"}
	}
	return a, nil
}

// GetEnhancedAttestation reads an enhanced attestation (App-only), as a poll. Partner Center may
// not serve this modeled GET at all: the first 404 or 405 teaches the client so, and from then
// on it answers KindNotSupported without a call; the caller then learns of an acceptance by
// attempting the create.
func (c *Client) GetEnhancedAttestation(ctx context.Context, attestationID string) (EnhancedAttestation, error) {
	if err := requireArg(OpGetEnhancedAttestation, "attestationID", attestationID); err != nil {
		return EnhancedAttestation{}, err
	}
	if c.noAttestationGet.Load() {
		return EnhancedAttestation{}, errAttestationGetNotSupported
	}
	b, err := c.do(ctx, request{op: OpGetEnhancedAttestation, method: http.MethodGet, path: pathEnhancedAttestation(attestationID), shownPath: pathEnhancedAttestations() + "/{attestationId}", auth: tokenAppOnly, opts: applyOptions([]CallOption{AsPoll(attestationID)})})
	var pe *Error
	if errors.As(err, &pe) && (pe.StatusCode == http.StatusNotFound || pe.StatusCode == http.StatusMethodNotAllowed) {
		if !c.noAttestationGet.Swap(true) {
			c.log.Info("Partner Center does not serve the GET of an attestation; polling by attempting the create instead", "status", pe.StatusCode)
		}
		return EnhancedAttestation{}, errAttestationGetNotSupported
	}
	if err != nil {
		return EnhancedAttestation{}, err
	}
	a, err := decodeEnhancedAttestation(b)
	if err != nil {
		return EnhancedAttestation{}, c.decodeFailure(OpGetEnhancedAttestation, err)
	}
	if !a.StatusKnown {
		if _, seen := c.unknownStatuses.LoadOrStore(a.RawStatus, true); !seen {
			c.log.Info("Partner Center reported an attestation status outside the model; waiting", "status", truncate(sanitizeText(a.RawStatus), 64))
		}
	}
	return a, nil
}

// AttestationGetSupported reports whether the client still believes Partner Center serves the
// GET of an attestation.
func (c *Client) AttestationGetSupported() bool { return !c.noAttestationGet.Load() }

var errAttestationGetNotSupported = &Error{Kind: KindNotSupported, Operation: OpGetEnhancedAttestation, StatusCode: http.StatusMethodNotAllowed,
	Message: "Partner Center does not serve the GET of an attestation"}

// CreateAgreementFromAttestation creates the agreement from an accepted
// enhanced attestation (App-only). Before the customer accepted it fails
// with KindAttestationNotAccepted.
func (c *Client) CreateAgreementFromAttestation(ctx context.Context, customerTenantID, attestationID, templateID string, opts ...CallOption) (Agreement, error) {
	for name, v := range map[string]string{"customerTenantID": customerTenantID, "attestationID": attestationID, "templateID": templateID} {
		if err := requireArg(OpCreateAgreementFromAttestation, name, v); err != nil {
			return Agreement{}, err
		}
	}
	body := createFromAttestationBody{AttestationID: attestationID, TemplateID: templateID, Type: AgreementTypeMCA}
	b, err := c.do(ctx, request{op: OpCreateAgreementFromAttestation, method: http.MethodPost, path: customerPath(customerTenantID, "/agreements"), body: body, auth: tokenAppOnly, customerScoped: true, opts: applyOptions(opts)})
	if err != nil {
		return Agreement{}, err
	}
	a, err := decodeAgreement(b)
	if err != nil {
		return Agreement{}, c.decodeFailure(OpCreateAgreementFromAttestation, err)
	}
	return a, nil
}

// maxFutureSkew tolerates clock differences for dateAgreed.
const maxFutureSkew = 5 * time.Minute

// CreateLegacyAgreement confirms the customer's acceptance the legacy way
// (App+User). dateAgreed may not lie in the future.
func (c *Client) CreateLegacyAgreement(ctx context.Context, customerTenantID string, contact Contact, templateID string, dateAgreed time.Time, opts ...CallOption) (Agreement, error) {
	for name, v := range map[string]string{"customerTenantID": customerTenantID, "templateID": templateID, "contact.FirstName": contact.FirstName, "contact.LastName": contact.LastName, "contact.Email": contact.Email} {
		if err := requireArg(OpCreateLegacyAgreement, name, v); err != nil {
			return Agreement{}, err
		}
	}
	if dateAgreed.IsZero() {
		return Agreement{}, &Error{Kind: KindBadRequest, Operation: OpCreateLegacyAgreement, Message: "dateAgreed is required"}
	}
	if dateAgreed.After(c.now().Add(maxFutureSkew)) {
		return Agreement{}, &Error{Kind: KindBadRequest, Operation: OpCreateLegacyAgreement, Message: "dateAgreed lies in the future"}
	}
	body := agreementWire{
		PrimaryContact: ptr(contactToWire(contact)),
		TemplateID:     templateID,
		DateAgreed:     &wireTime{t: dateAgreed.UTC()},
		Type:           AgreementTypeMCA,
	}
	b, err := c.do(ctx, request{op: OpCreateLegacyAgreement, method: http.MethodPost, path: customerPath(customerTenantID, "/agreements"), body: body, auth: tokenAppUser, customerScoped: true, opts: applyOptions(opts)})
	if err != nil {
		return Agreement{}, err
	}
	a, err := decodeAgreement(b)
	if err != nil {
		return Agreement{}, c.decodeFailure(OpCreateLegacyAgreement, err)
	}
	return a, nil
}

func ptr[T any](v T) *T { return &v }
