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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// The partner's customers list (contract §7): GET /v1/customers?size=N, paged by the
// MS-ContinuationToken header that links.next carries.

const (
	// DefaultCustomersPageSize is the page size when the request names none.
	DefaultCustomersPageSize = 100
	// MaxCustomersPageSize is the largest page size accepted.
	MaxCustomersPageSize = 1000
	// HeaderContinuationToken carries the cursor of the next page.
	HeaderContinuationToken = "MS-ContinuationToken"
)

// customerCursor is what a continuation token stands for: a position in a list of a partner
// ("customers", or the activity log with its query).
type customerCursor struct {
	partner string
	list    string
	offset  int
}

// listState holds the continuation tokens one Server issued. Its map is used under Server.mu
// (every API handler runs with it held).
type listState struct {
	tokens map[string]customerCursor
}

// listStates: one listState per Server, so that a token is honoured only by the server that
// issued it.
var listStates sync.Map // *Server → *listState

func (s *Server) listStateLocked() *listState {
	if v, ok := listStates.Load(s); ok {
		return v.(*listState)
	}
	v, _ := listStates.LoadOrStore(s, &listState{tokens: map[string]customerCursor{}})
	return v.(*listState)
}

// maxContinuationTokens bounds the tokens kept; the oldest half is forgotten when full.
const maxContinuationTokens = 100000

// domainFor derives a customer's default domain from its company name (the seed holds none):
// "Contoso Ltd" → "contosoltd.onmicrosoft.com".
func domainFor(company, tenantID string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(company) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
		if b.Len() >= 27 {
			break
		}
	}
	if b.Len() == 0 {
		t := strings.ReplaceAll(strings.ToLower(tenantID), "-", "")
		b.WriteString("tenant" + t[:min(8, len(t))])
	}
	return b.String() + ".onmicrosoft.com"
}

func (s *Server) renderCustomer(c *customer) map[string]any {
	rel := "reseller"
	if !c.relationship {
		rel = "none"
	}
	return map[string]any{
		"id":                    c.tenantID,
		"companyProfile":        map[string]any{"tenantId": c.tenantID, "domain": domainFor(c.company, c.tenantID), "companyName": c.company, "attributes": map[string]any{"objectType": "CustomerCompanyProfile"}},
		"relationshipToPartner": rel,
		"attributes":            map[string]any{"objectType": "Customer"},
	}
}

// listCustomers answers GET /v1/customers?size=N. The first page has no continuation token; the
// next ones carry the MS-ContinuationToken header of the previous page's links.next (with
// seekOperation=Next). A token this server did not issue, or issued to another partner, is refused
// with 400.
func (s *Server) listCustomers(r *http.Request, _ []byte, ac apiCtx) response {
	q := r.URL.Query()
	size := DefaultCustomersPageSize
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCustomersPageSize {
			return s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "size must be a number from 1 to "+strconv.Itoa(MaxCustomersPageSize)+".")
		}
		size = n
	}
	offset, errResp := s.cursorLocked(r, ac, listCustomers)
	if errResp != nil {
		return *errResp
	}
	ids := make([]string, 0, len(ac.p.customers))
	for id := range ac.p.customers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	end := min(offset+size, len(ids))
	items := make([]any, 0, max(0, end-offset))
	for _, id := range ids[min(offset, len(ids)):end] {
		items = append(items, s.renderCustomer(ac.p.customers[id]))
	}
	links := s.pageLinksLocked(ac, "/customers?size="+strconv.Itoa(size), listCustomers, end, len(ids))
	return jsonResp(http.StatusOK, map[string]any{
		"totalCount": len(ids),
		"items":      items,
		"links":      links,
		"attributes": map[string]any{"objectType": "Collection"},
	})
}

// listCustomers names the customers list in continuation tokens.
const listCustomers = "customers"

// cursorLocked is where the page r asks for starts in the list named list: 0 for the first page,
// else the offset its MS-ContinuationToken stands for. A token this server did not issue, or
// issued to another partner or for another list, is refused with 400, and so is
// seekOperation=Next without a token.
func (s *Server) cursorLocked(r *http.Request, ac apiCtx, list string) (int, *response) {
	tok := strings.TrimSpace(r.Header.Get(HeaderContinuationToken))
	switch {
	case tok != "":
		cur, ok := s.listStateLocked().tokens[tok]
		if !ok || cur.partner != key(ac.p.TenantID) || cur.list != list {
			resp := s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "The continuation token is invalid.")
			return 0, &resp
		}
		return cur.offset, nil
	case strings.EqualFold(r.URL.Query().Get("seekOperation"), "Next"):
		resp := s.errGeneric(http.StatusBadRequest, simCodeInvalidRequest, "seekOperation=Next requires the MS-ContinuationToken header.")
		return 0, &resp
	}
	return 0, nil
}

// pageLinksLocked is the links of a page of list that ends at end of total items: self, and,
// unless it is the last page, next, with a new continuation token.
func (s *Server) pageLinksLocked(ac apiCtx, self, list string, end, total int) map[string]any {
	links := map[string]any{"self": map[string]any{"uri": self, "method": http.MethodGet, "headers": []any{}}}
	if end >= total {
		return links
	}
	st := s.listStateLocked()
	if len(st.tokens) >= maxContinuationTokens {
		n := 0
		for k := range st.tokens {
			if n >= maxContinuationTokens/2 {
				break
			}
			delete(st.tokens, k)
			n++
		}
	}
	next := randHex(24)
	st.tokens[next] = customerCursor{partner: key(ac.p.TenantID), list: list, offset: end}
	links["next"] = map[string]any{
		"uri":     self + "&seekOperation=Next",
		"method":  http.MethodGet,
		"headers": []any{map[string]any{"key": HeaderContinuationToken, "value": next}},
	}
	return links
}
