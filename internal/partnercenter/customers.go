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
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// OpListCustomers names the customers list (contract §7) in errors, logs and the Observer.
const OpListCustomers = "ListCustomers"

// HeaderContinuationToken carries the cursor of a collection's next page (contract §7).
const HeaderContinuationToken = "MS-ContinuationToken"

// Customer is one customer of the partner (contract §7).
type Customer struct {
	// ID is the customer's tenant id as Partner Center spells it.
	ID          string
	TenantID    string
	Domain      string
	CompanyName string
	// RelationshipToPartner is "reseller" for the customers the partner resells to.
	RelationshipToPartner string
}

// IsReseller says whether the partner has a reseller relationship with the customer.
func (c Customer) IsReseller() bool { return strings.EqualFold(c.RelationshipToPartner, "reseller") }

// CustomersPage is one page of the customers list.
type CustomersPage struct {
	Customers []Customer
	// TotalCount as Partner Center reported it (0 when absent).
	TotalCount int
}

type customerWire struct {
	ID             string `json:"id"`
	CompanyProfile struct {
		TenantID    string `json:"tenantId"`
		Domain      string `json:"domain"`
		CompanyName string `json:"companyName"`
	} `json:"companyProfile"`
	RelationshipToPartner string `json:"relationshipToPartner"`
}

type linkWire struct {
	URI     string `json:"uri"`
	Method  string `json:"method"`
	Headers []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers"`
}

type customersPageWire struct {
	TotalCount *int           `json:"totalCount"`
	Items      []customerWire `json:"items"`
	Links      struct {
		Next *linkWire `json:"next"`
	} `json:"links"`
}

// maxCustomerPages stops a list (of customers or activity log entries) whose next links never end.
const maxCustomerPages = 100000

// CustomersCursor is where a customers list stands between two pages (ListCustomersPage): the
// request of the next page and what guards against next links that never end. It stays small at
// any number of customers: a hash per page read.
type CustomersCursor struct {
	next  request
	pages int
	seen  map[uint64]struct{}
}

// Pages is how many pages were read before the one the cursor points at.
func (c *CustomersCursor) Pages() int { return c.pages }

// ListCustomers lists the partner's customers, pageSize at a time (0: 100), and calls fn with
// each page in order. It follows links.next with the headers it names (the MS-ContinuationToken)
// until a page has no next link. An error from fn stops the listing and is returned as is. Each
// page is one request under the client's rate limit and retries.
func (c *Client) ListCustomers(ctx context.Context, pageSize int, fn func(page CustomersPage) error) error {
	var cur *CustomersCursor
	for {
		page, next, err := c.ListCustomersPage(ctx, pageSize, cur)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		cur = next
	}
}

// ListCustomersPage reads one page of the partner's customers: the first (pageSize at a time, 0:
// 100) when cur is nil, else the page cur points at. It returns the page and the cursor of the
// next one, nil after the last page. opts apply to every page (AsBackground: the lowest class of
// the tenant's rate). A cursor may be kept between calls for as long as Partner Center honours
// its continuation token.
func (c *Client) ListCustomersPage(ctx context.Context, pageSize int, cur *CustomersCursor, opts ...CallOption) (CustomersPage, *CustomersCursor, error) {
	if pageSize <= 0 {
		pageSize = 100
	}
	r := request{op: OpListCustomers, method: http.MethodGet, path: "/v1/customers", query: url.Values{"size": {strconv.Itoa(pageSize)}}, auth: tokenAppUser}
	pages, seen := 0, map[uint64]struct{}{}
	if cur != nil {
		r, pages, seen = cur.next, cur.pages, cur.seen
	}
	if pages >= maxCustomerPages {
		return CustomersPage{}, nil, &Error{Kind: KindUnknown, Operation: OpListCustomers, Message: fmt.Sprintf("more than %d pages: the next links do not end", maxCustomerPages)}
	}
	r.opts = applyOptions(opts)
	b, err := c.do(ctx, r)
	if err != nil {
		return CustomersPage{}, nil, err
	}
	var w customersPageWire
	if err := json.Unmarshal(b, &w); err != nil {
		return CustomersPage{}, nil, c.decodeFailure(OpListCustomers, err)
	}
	page := CustomersPage{Customers: make([]Customer, 0, len(w.Items))}
	if w.TotalCount != nil {
		page.TotalCount = *w.TotalCount
	}
	for _, it := range w.Items {
		cu := Customer{ID: it.ID, TenantID: it.CompanyProfile.TenantID, Domain: it.CompanyProfile.Domain, CompanyName: it.CompanyProfile.CompanyName, RelationshipToPartner: it.RelationshipToPartner}
		if cu.TenantID == "" {
			cu.TenantID = cu.ID
		}
		page.Customers = append(page.Customers, cu)
	}
	if w.Links.Next == nil || w.Links.Next.URI == "" {
		return page, nil, nil
	}
	next, err := nextRequest(OpListCustomers, tokenAppUser, w.Links.Next)
	if err != nil {
		return CustomersPage{}, nil, c.decodeFailure(OpListCustomers, err)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(next.header[http.CanonicalHeaderKey(HeaderContinuationToken)] + "\x00" + next.path + "?" + next.query.Encode()))
	k := h.Sum64()
	if _, ok := seen[k]; ok {
		return CustomersPage{}, nil, &Error{Kind: KindUnknown, Operation: OpListCustomers, StatusCode: http.StatusOK, Message: "the next link repeats an earlier page"}
	}
	seen[k] = struct{}{}
	return page, &CustomersCursor{next: next, pages: pages + 1, seen: seen}, nil
}

// listPages sends r, hands each page's body to page, and follows the next link page returns
// (contract §7) until there is none. An error from page ends the listing and is returned as is.
// A next link that repeats an earlier page, or more than maxCustomerPages pages, end it with an
// error: continuation tokens that never end.
func (c *Client) listPages(ctx context.Context, r request, page func(body []byte) (*linkWire, error)) error {
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages >= maxCustomerPages {
			return &Error{Kind: KindUnknown, Operation: r.op, Message: fmt.Sprintf("more than %d pages: the next links do not end", maxCustomerPages)}
		}
		b, err := c.do(ctx, r)
		if err != nil {
			return err
		}
		link, err := page(b)
		if err != nil {
			return err
		}
		if link == nil || link.URI == "" {
			return nil
		}
		next, err := nextRequest(r.op, r.auth, link)
		if err != nil {
			return c.decodeFailure(r.op, err)
		}
		k := next.header[http.CanonicalHeaderKey(HeaderContinuationToken)] + "\x00" + next.path + "?" + next.query.Encode()
		if seen[k] {
			return &Error{Kind: KindUnknown, Operation: r.op, StatusCode: http.StatusOK, Message: "the next link repeats an earlier page"}
		}
		seen[k] = true
		r = next
	}
}

// nextRequest turns a links.next into the request op for the next page, with a token of kind
// auth: its path and query (relative to /v1 unless it names /v1 itself; a scheme or host is
// ignored, so the request never leaves the configured endpoint) and the headers it names.
func nextRequest(op string, auth tokenKind, l *linkWire) (request, error) {
	if l.Method != "" && !strings.EqualFold(l.Method, http.MethodGet) {
		return request{}, fmt.Errorf("the next link uses method %q, not GET", l.Method)
	}
	u, err := url.Parse(l.URI)
	if err != nil {
		return request{}, fmt.Errorf("the next link is not a URI")
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if p != "/v1" && !strings.HasPrefix(p, "/v1/") {
		p = "/v1" + p
	}
	r := request{op: op, method: http.MethodGet, path: p, query: u.Query(), auth: auth, header: map[string]string{}}
	for _, h := range l.Headers {
		k := http.CanonicalHeaderKey(strings.TrimSpace(h.Key))
		switch k {
		case "", "Authorization", "Host", "Accept", "Ms-Requestid", "Ms-Correlationid", "Content-Type", "Content-Length":
			continue // the client sets these itself
		}
		r.header[k] = h.Value
	}
	return r, nil
}
