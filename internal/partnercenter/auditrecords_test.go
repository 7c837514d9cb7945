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

package partnercenter_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// listAudit lists the whole activity log of q, pageSize at a time, and returns its entries and the
// page sizes.
func listAudit(t *testing.T, e *env, q pc.AuditQuery, pageSize int) ([]pc.AuditRecord, []int, error) {
	t.Helper()
	var all []pc.AuditRecord
	var sizes []int
	err := e.client.ListAuditRecords(ctx(t), q, pageSize, func(p pc.AuditRecordsPage) error {
		sizes = append(sizes, len(p.Records))
		all = append(all, p.Records...)
		return nil
	})
	return all, sizes, err
}

// TestListAuditRecordsShowsTheWritesTaken: a legacy confirmation made through the client shows in
// the activity log over HTTPS as create_agreement for its customer, with the call's
// MS-CorrelationId, once, however often the same MS-RequestId is replayed; a refused write shows
// nothing. AuditActOf reads it as the act it is.
func TestListAuditRecordsShowsTheWritesTaken(t *testing.T) {
	e := newEnv(t)
	meta, err := e.client.GetAgreementMetadata(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var sent []*pc.Sending
	contact := pc.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@nomca.example"}
	for range 2 { // the second is a replay of the same request id
		if _, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, contact, meta.TemplateID, time.Now().Add(-time.Hour),
			pc.WithRequestID("aaaaaaaa-1111-4111-8111-000000000001"),
			pc.RecordBody(func(_ context.Context, s *pc.Sending) error { sent = append(sent, s); return nil })); err != nil {
			t.Fatal(err)
		}
	}
	// The same contact again, with a new request id: refused as a duplicate, nothing carried out.
	if _, err := e.client.CreateLegacyAgreement(ctx(t), custNoMCA, contact, meta.TemplateID, time.Now().Add(-time.Hour)); err == nil {
		t.Fatal("a duplicate was not refused")
	}
	got, _, err := listAudit(t, e, pc.AuditQuery{Start: time.Now().Add(-24 * time.Hour)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.CustomerID != custNoMCA || r.OperationType != pc.AuditOperationCreateAgreement || r.ResourceType != pc.AuditResourceTypeAgreement ||
		r.OriginalCorrelationID == "" || r.OriginalCorrelationID != sent[0].CorrelationID || r.PartnerID != partnerID || time.Since(r.OperationDate) > time.Minute {
		t.Errorf("entry %+v (correlation id sent first %s)", r, sent[0].CorrelationID)
	}
	if act, ok := pc.AuditActOf(r); !ok || act != v1alpha1.ActCreateAgreement {
		t.Errorf("AuditActOf = %s, %t", act, ok)
	}
}

// TestListAuditRecordsPagesAndFilters: 230 entries made outside the operator (over two days, two
// customers) come back 100 at a time, oldest first, each once; the filter and the date range
// narrow them as the contract says.
func TestListAuditRecordsPagesAndFilters(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	for i := range 230 {
		cust := custCurrent
		if i%2 == 1 {
			cust = custLegacy
		}
		day := now.Truncate(24 * time.Hour).Add(-48 * time.Hour) // midnight (UTC) the day before yesterday
		if i >= 200 {
			day = now.Truncate(24 * time.Hour)
		}
		if err := e.sim.AddAuditRecord(partnerID, pcsim.AuditRecord{ID: fmt.Sprintf("outside-%03d", i), CustomerID: cust, CustomerName: "Co " + cust[len(cust)-1:],
			OperationType: pcsim.AuditOperationCreateAgreement, OperationDate: day.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	e.sim.ResetRequests()
	got, sizes, err := listAudit(t, e, pc.AuditQuery{Start: now.Add(-72 * time.Hour)}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sizes) != "[100 100 30]" || len(got) != 230 {
		t.Fatalf("pages %v, %d entries; want [100 100 30], 230", sizes, len(got))
	}
	for i, r := range got {
		if r.ID != fmt.Sprintf("outside-%03d", i) {
			t.Fatalf("entry %d is %s: not oldest first, or listed twice", i, r.ID)
		}
	}
	reqs := apiRequests(e.sim.Requests())
	if len(reqs) != 3 || reqs[0].TokenKind != pcsim.KindAppOnly || !strings.Contains(reqs[1].Query, "seekOperation=Next") {
		t.Errorf("requests %+v", reqs)
	}
	for _, c := range []struct {
		name string
		q    pc.AuditQuery
		want int
	}{
		{"one customer", pc.AuditQuery{Start: now.Add(-72 * time.Hour), Filter: &pc.AuditFilter{Field: pc.AuditFilterCustomerID, Value: custLegacy, Operator: pc.AuditOperatorEquals}}, 115},
		{"company substring", pc.AuditQuery{Start: now.Add(-72 * time.Hour), Filter: &pc.AuditFilter{Field: pc.AuditFilterCompanyName, Value: "co 1", Operator: pc.AuditOperatorSubstring}}, 115},
		{"today only", pc.AuditQuery{Start: now}, 30},
		{"the day before yesterday only", pc.AuditQuery{Start: now.Add(-48 * time.Hour), End: now.Add(-48 * time.Hour)}, 200},
	} {
		got, _, err := listAudit(t, e, c.q, 1000)
		if err != nil || len(got) != c.want {
			t.Errorf("%s: %d entries (%v), want %d", c.name, len(got), err, c.want)
		}
	}
}

// TestListAuditRecordsBounds: a start more than 90 days back, or after the end, is refused with a
// clear error before anything is sent; the simulator refuses it too.
func TestListAuditRecordsBounds(t *testing.T) {
	e := newEnv(t)
	e.sim.ResetRequests()
	for name, q := range map[string]pc.AuditQuery{
		"91 days back":     {Start: time.Now().Add(-91 * 24 * time.Hour)},
		"end before start": {Start: time.Now().Add(-24 * time.Hour), End: time.Now().Add(-72 * time.Hour)},
	} {
		_, _, err := listAudit(t, e, q, 0)
		pe := wantKind(t, err, pc.KindBadRequest)
		if !strings.Contains(pe.Message, "nothing was sent") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := listAudit(t, e, pc.AuditQuery{Start: time.Now().Add(-90 * 24 * time.Hour)}, 0); err != nil {
		t.Errorf("90 days back: %v", err)
	}
	if n := len(apiRequests(e.sim.Requests())); n != 1 {
		t.Errorf("%d requests sent, want 1 (the 90 days)", n)
	}
	tok, err := accessToken(t, e)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.url+"/v1/auditrecords?startDate="+time.Now().UTC().Add(-92*24*time.Hour).Format("2006-01-02"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.sim.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the simulator answered %d to 92 days back, want 400", resp.StatusCode)
	}
}

// TestListAuditRecordsRefusesEndlessContinuation: a next link that repeats an earlier page ends
// the listing with an error, as for the customers list.
func TestListAuditRecordsRefusesEndlessContinuation(t *testing.T) {
	e := newEnv(t)
	e.cfg.HTTPClient = &http.Client{Transport: loopingNextLink{next: e.cfg.HTTPClient.Transport}}
	e.client = e.newClient()
	_, sizes, err := listAudit(t, e, pc.AuditQuery{Start: time.Now().Add(-time.Hour)}, 0)
	if err == nil || !strings.Contains(err.Error(), "repeats an earlier page") || len(sizes) != 2 {
		t.Fatalf("err %v after %d pages; want the repeat refused after 2", err, len(sizes))
	}
}

// loopingNextLink answers every activity log request with one entry and a next link that always
// carries the same continuation token.
type loopingNextLink struct{ next http.RoundTripper }

func (l loopingNextLink) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/v1/auditrecords" {
		return l.next.RoundTrip(r)
	}
	body := `{"totalCount":2,"items":[{"id":"x","resourceType":"agreement"}],"links":{"next":{"uri":"/auditrecords?size=100&seekOperation=Next","method":"GET","headers":[{"key":"MS-ContinuationToken","value":"same"}]}}}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}
