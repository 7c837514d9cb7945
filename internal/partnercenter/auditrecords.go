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
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// OpListAuditRecords names the activity log (contract §7a) in errors, logs and the Observer.
const OpListAuditRecords = "ListAuditRecords"

// MaxAuditLookback is how far back the activity log reaches: startDate may not lie more than 90
// days before today (contract §7a).
const MaxAuditLookback = 90 * 24 * time.Hour

// Fields and operators of an activity log filter (contract §7a).
const (
	AuditFilterCustomerID   = "CustomerId"
	AuditFilterCompanyName  = "CompanyName"
	AuditFilterResourceType = "ResourceType"
	AuditOperatorEquals     = "equals"
	AuditOperatorSubstring  = "substring"
)

// AuditFilter narrows the activity log to one field's value.
type AuditFilter struct {
	Field    string `json:"Field"`
	Value    string `json:"Value"`
	Operator string `json:"Operator"`
}

// AuditQuery is what ListAuditRecords asks for: the entries from the day of Start to the day of
// End (UTC dates; a zero End is today), narrowed by Filter when set.
type AuditQuery struct {
	Start, End time.Time
	Filter     *AuditFilter
}

// AuditRecord is one entry of the activity log (contract §7a). Its texts come from Partner Center:
// show them escaped.
type AuditRecord struct {
	ID                string
	PartnerID         string
	CustomerID        string
	CustomerName      string
	UserPrincipalName string
	ApplicationID     string
	ResourceType      string
	OperationType     string
	// OriginalCorrelationID is the MS-CorrelationId of the call that made the change (modeled:
	// echoed).
	OriginalCorrelationID string
	OperationDate         time.Time
	OperationStatus       string
}

// AuditRecordsPage is one page of the activity log.
type AuditRecordsPage struct {
	Records []AuditRecord
	// TotalCount as Partner Center reported it (0 when absent).
	TotalCount int
}

type auditRecordWire struct {
	ID                    string    `json:"id"`
	PartnerID             string    `json:"partnerId"`
	CustomerID            string    `json:"customerId"`
	CustomerName          string    `json:"customerName"`
	UserPrincipalName     string    `json:"userPrincipalName"`
	ApplicationID         string    `json:"applicationId"`
	ResourceType          string    `json:"resourceType"`
	OperationType         string    `json:"operationType"`
	OriginalCorrelationID string    `json:"originalCorrelationId"`
	OperationDate         *wireTime `json:"operationDate"`
	OperationStatus       string    `json:"operationStatus"`
}

type auditRecordsPageWire struct {
	TotalCount *int              `json:"totalCount"`
	Items      []auditRecordWire `json:"items"`
	Links      struct {
		Next *linkWire `json:"next"`
	} `json:"links"`
}

// auditDate is how the activity log's dates are written (contract §7a: yyyy-mm-dd).
const auditDate = "2006-01-02"

// ListAuditRecords reads the partner's activity log for q, pageSize entries at a time (0: 100),
// and calls fn with each page in order, following the next links as ListCustomers does (with the
// same guards against next links that never end). A Start more than MaxAuditLookback before
// today, or after End, is refused before anything is sent. It uses an App-only token, so that a
// read never rotates the refresh token.
func (c *Client) ListAuditRecords(ctx context.Context, q AuditQuery, pageSize int, fn func(page AuditRecordsPage) error) error {
	if pageSize <= 0 {
		pageSize = 100
	}
	today := c.now().UTC().Truncate(24 * time.Hour)
	start := q.Start.UTC().Truncate(24 * time.Hour)
	end := today
	if !q.End.IsZero() {
		end = q.End.UTC().Truncate(24 * time.Hour)
	}
	if start.Before(today.Add(-MaxAuditLookback)) {
		return &Error{Kind: KindBadRequest, Operation: OpListAuditRecords, Message: fmt.Sprintf(
			"the activity log reaches back 90 days at most (to %s): %s is older; nothing was sent", today.Add(-MaxAuditLookback).Format(auditDate), start.Format(auditDate))}
	}
	if end.Before(start) {
		return &Error{Kind: KindBadRequest, Operation: OpListAuditRecords, Message: fmt.Sprintf(
			"the end date %s lies before the start date %s; nothing was sent", end.Format(auditDate), start.Format(auditDate))}
	}
	query := url.Values{"startDate": {start.Format(auditDate)}, "endDate": {end.Format(auditDate)}, "size": {strconv.Itoa(pageSize)}}
	if q.Filter != nil {
		f, err := json.Marshal(q.Filter)
		if err != nil {
			return err
		}
		query.Set("filter", string(f))
	}
	r := request{op: OpListAuditRecords, method: http.MethodGet, path: "/v1/auditrecords", query: query, auth: tokenAppOnly}
	return c.listPages(ctx, r, func(b []byte) (*linkWire, error) {
		var w auditRecordsPageWire
		if err := json.Unmarshal(b, &w); err != nil {
			return nil, c.decodeFailure(OpListAuditRecords, err)
		}
		page := AuditRecordsPage{Records: make([]AuditRecord, 0, len(w.Items))}
		if w.TotalCount != nil {
			page.TotalCount = *w.TotalCount
		}
		for _, it := range w.Items {
			page.Records = append(page.Records, AuditRecord{ID: it.ID, PartnerID: it.PartnerID, CustomerID: it.CustomerID,
				CustomerName: it.CustomerName, UserPrincipalName: it.UserPrincipalName, ApplicationID: it.ApplicationID,
				ResourceType: it.ResourceType, OperationType: it.OperationType, OriginalCorrelationID: it.OriginalCorrelationID,
				OperationDate: it.OperationDate.time(), OperationStatus: it.OperationStatus})
		}
		return w.Links.Next, fn(page)
	})
}
