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
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The activity log (contract §7a): GET /v1/auditrecords?startDate=&endDate=&filter=&size=, paged
// like the customers list. The simulator logs one entry for each write it carried out (a replay
// of an MS-RequestId logs none), and tests add entries for writes made outside the operator
// (AddAuditRecord).

// Operation types and the resource type the simulator logs (the operation types are modeled: the
// published list has create_agreement, nothing for starting an enhanced attestation).
const (
	AuditResourceAgreement         = "agreement"
	AuditOperationCreateAgreement  = "create_agreement"
	AuditOperationStartAttestation = "start_enhanced_attestation"
	AuditStatusSucceeded           = "succeeded"
)

// AuditLookback is how far back startDate may lie (90 days), and AuditDefaultSpan where it
// starts when the request names none (30 days ago).
const (
	AuditLookback    = 90 * 24 * time.Hour
	AuditDefaultSpan = 30 * 24 * time.Hour
)

// AuditRecord is one entry of the activity log.
type AuditRecord struct {
	ID                    string    `json:"id"`
	CustomerID            string    `json:"customerId"`
	CustomerName          string    `json:"customerName"`
	UserPrincipalName     string    `json:"userPrincipalName"`
	ApplicationID         string    `json:"applicationId"`
	ResourceType          string    `json:"resourceType"`
	ResourceNewValue      string    `json:"resourceNewValue"`
	OperationType         string    `json:"operationType"`
	OriginalCorrelationID string    `json:"originalCorrelationId"`
	OperationDate         time.Time `json:"operationDate"`
	OperationStatus       string    `json:"operationStatus"`
	// VisibleAt: reads show the entry from then on (the visibility delay).
	VisibleAt time.Time `json:"visibleAt"`
}

// AddAuditRecord adds an entry to a partner's activity log, as a write made outside the operator
// (in the Partner Center UI, or by another tool) leaves. Empty fields get the simulator's
// defaults: a new id, the agreement resource, status succeeded, the date now.
func (s *Server) AddAuditRecord(partnerTenantID string, r AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partners[key(partnerTenantID)]
	if p == nil {
		return fmt.Errorf("pcsim: no partner %s", partnerTenantID)
	}
	if r.ID == "" {
		r.ID = newUUID()
	}
	if r.ResourceType == "" {
		r.ResourceType = AuditResourceAgreement
	}
	if r.OperationStatus == "" {
		r.OperationStatus = AuditStatusSucceeded
	}
	if r.OperationDate.IsZero() {
		r.OperationDate = s.now().UTC()
	}
	if r.VisibleAt.IsZero() {
		r.VisibleAt = r.OperationDate
	}
	p.audit = append(p.audit, r)
	return nil
}

// AuditRecords returns a partner's activity log, visible or not, oldest first.
func (s *Server) AuditRecords(partnerTenantID string) []AuditRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partners[key(partnerTenantID)]
	if p == nil {
		return nil
	}
	return slices.Clone(p.audit)
}

// logWriteLocked logs a write the simulator carried out for the request r of ac.
func (s *Server) logWriteLocked(r *http.Request, ac apiCtx, operation, customerID, customerName, newValue string) {
	now := s.now().UTC()
	e := AuditRecord{ID: newUUID(), CustomerID: customerID, CustomerName: customerName, ApplicationID: ac.p.ClientID,
		ResourceType: AuditResourceAgreement, ResourceNewValue: newValue, OperationType: operation,
		OriginalCorrelationID: r.Header.Get("MS-CorrelationId"), OperationDate: now, OperationStatus: AuditStatusSucceeded,
		VisibleAt: now.Add(s.visibilityDelay)}
	if ac.kind == KindAppUser {
		e.UserPrincipalName = "admin@" + domainFor("partner "+ac.p.TenantID[:min(8, len(ac.p.TenantID))], ac.p.TenantID)
	}
	if s.variants.AuditNoCorrelationID {
		e.OriginalCorrelationID = ""
	}
	ac.p.audit = append(ac.p.audit, e)
}

// auditQuery is a parsed activity log request.
type auditQuery struct {
	start, end time.Time // days, UTC; end inclusive
	field, op  string
	value      string
	size       int
}

// parseAuditQuery reads the query of GET /v1/auditrecords; an error is the 400's description.
func parseAuditQuery(q map[string][]string, now time.Time) (auditQuery, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	today := now.UTC().Truncate(24 * time.Hour)
	aq := auditQuery{start: today.Add(-AuditDefaultSpan), end: today, size: DefaultCustomersPageSize}
	for name, dst := range map[string]*time.Time{"startDate": &aq.start, "endDate": &aq.end} {
		if v := get(name); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return aq, fmt.Errorf("%s must be a date (yyyy-mm-dd)", name)
			}
			*dst = t
		}
	}
	if aq.start.Before(today.Add(-AuditLookback)) {
		return aq, errors.New("startDate may not be more than 90 days back")
	}
	if aq.end.Before(aq.start) {
		return aq, errors.New("endDate may not lie before startDate")
	}
	if v := get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCustomersPageSize {
			return aq, fmt.Errorf("size must be a number from 1 to %d", MaxCustomersPageSize)
		}
		aq.size = n
	}
	if v := get("filter"); v != "" {
		var f struct{ Field, Value, Operator string }
		if err := json.Unmarshal([]byte(v), &f); err != nil {
			return aq, errors.New("filter must be a JSON object {Field, Value, Operator}")
		}
		switch {
		case f.Field != "CustomerId" && f.Field != "CompanyName" && f.Field != "ResourceType":
			return aq, errors.New("filter Field must be CustomerId, CompanyName or ResourceType")
		case f.Operator != "equals" && f.Operator != "substring":
			return aq, errors.New("filter Operator must be equals or substring")
		}
		aq.field, aq.value, aq.op = f.Field, f.Value, f.Operator
	}
	return aq, nil
}

func (aq auditQuery) matches(e *AuditRecord, now time.Time) bool {
	day := e.OperationDate.UTC().Truncate(24 * time.Hour)
	if now.Before(e.VisibleAt) || day.Before(aq.start) || day.After(aq.end) {
		return false
	}
	var v string
	switch aq.field {
	case "":
		return true
	case "CustomerId":
		v = e.CustomerID
	case "CompanyName":
		v = e.CustomerName
	case "ResourceType":
		v = e.ResourceType
	}
	if aq.op == "substring" {
		return strings.Contains(strings.ToLower(v), strings.ToLower(aq.value))
	}
	return strings.EqualFold(v, aq.value)
}

// listAuditRecords answers GET /v1/auditrecords (App+User or App-only), oldest first. A page after
// the first carries the MS-ContinuationToken of the previous page's links.next; the token is
// honoured only for the same partner and the same query.
func (s *Server) listAuditRecords(r *http.Request, _ []byte, ac apiCtx) response {
	now := s.now()
	aq, err := parseAuditQuery(r.URL.Query(), now)
	if err != nil {
		return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, err.Error()+".")
	}
	q := r.URL.Query()
	q.Del("seekOperation")
	list := "auditrecords?" + q.Encode()
	offset, errResp := s.cursorLocked(r, ac, list)
	if errResp != nil {
		return *errResp
	}
	var hits []*AuditRecord
	for i := range ac.p.audit {
		if aq.matches(&ac.p.audit[i], now) {
			hits = append(hits, &ac.p.audit[i])
		}
	}
	slices.SortStableFunc(hits, func(a, b *AuditRecord) int { return a.OperationDate.Compare(b.OperationDate) })
	end := min(offset+aq.size, len(hits))
	items := make([]any, 0, max(0, end-offset))
	for _, e := range hits[min(offset, len(hits)):end] {
		items = append(items, map[string]any{
			"id": e.ID, "partnerId": ac.p.TenantID, "customerId": e.CustomerID, "customerName": e.CustomerName,
			"userPrincipalName": e.UserPrincipalName, "applicationId": e.ApplicationID, "resourceType": e.ResourceType,
			"resourceOldValue": "", "resourceNewValue": e.ResourceNewValue, "operationType": e.OperationType,
			"originalCorrelationId": e.OriginalCorrelationID, "operationDate": e.OperationDate.UTC().Format(time.RFC3339),
			"operationStatus": e.OperationStatus, "customizedData": []any{}, "attributes": map[string]any{"objectType": "AuditRecord"},
		})
	}
	self := "/auditrecords?" + q.Encode()
	return jsonResp(http.StatusOK, map[string]any{
		"totalCount": len(hits),
		"items":      items,
		"links":      s.pageLinksLocked(ac, self, list, end, len(hits)),
		"attributes": map[string]any{"objectType": "Collection"},
	})
}
