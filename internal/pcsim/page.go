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
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"
)

var pageTmpl = template.Must(template.New("attest").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Microsoft Customer Agreement – acceptance (simulator)</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}dt{font-weight:bold}.status{padding:.2em .5em;border:1px solid #888}</style>
</head>
<body>
<h1>Microsoft Customer Agreement</h1>
<p>This page stands in for Microsoft's embeddable acceptance component (Partner Center simulator).</p>
{{if .Message}}<p id="message" role="status">{{.Message}}</p>{{end}}
{{with .A}}
<dl>
<dt>Company</dt><dd id="company">{{.CompanyName}}</dd>
<dt>Signatory</dt><dd id="signatory">{{.SignatoryFirstName}} {{.SignatoryLastName}} &lt;{{.SignatoryEmail}}&gt; {{.SignatoryPhoneNumber}}</dd>
<dt>Status</dt><dd><span class="status" id="status">{{.Status}}</span></dd>
<dt>Link expires</dt><dd id="expires">{{.ExpiresAt.Format "2006-01-02T15:04:05Z07:00"}}</dd>
</dl>
<p>Read the agreement: <a href="https://aka.ms/customeragreement">Microsoft Customer Agreement</a>.</p>
{{if eq .Status "LinkGenerated"}}
<form id="accept-form" method="post" action="/attest/{{.ID}}">
<input type="hidden" name="attestationId" value="{{.ID}}">
<p><label><input type="checkbox" id="agree" name="agree" value="yes" required> I am authorised to sign for {{.CompanyName}} and accept the Microsoft Customer Agreement.</label></p>
<button type="submit" id="accept" name="action" value="accept">Accept</button>
</form>
{{end}}
{{end}}
</body>
</html>
`))

type pageData struct {
	A       *Attestation
	Message string
}

func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /attest/{id}", s.attestPage)
	mux.HandleFunc("POST /attest/{id}", s.attestSubmit)
	mux.HandleFunc("GET /agreements/mca", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html><head><title>Microsoft Customer Agreement (simulator)</title></head><body><h1>Microsoft Customer Agreement</h1><p>The simulator's stand-in for the agreement text.</p></body></html>`))
	})
	mux.HandleFunc("GET /agreements/mca/download", func(w http.ResponseWriter, r *http.Request) {
		se, _ := strconv.ParseInt(r.URL.Query().Get("se"), 10, 64)
		if se == 0 || s.now().Unix() > se {
			http.Error(w, "link expired", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Microsoft Customer Agreement (simulator stand-in)\n"))
	})
	mux.HandleFunc("GET /{$}", s.indexPage)
}

func (s *Server) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

func (s *Server) attestPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.Attestation(r.PathValue("id"))
	if !ok {
		s.renderPage(w, http.StatusNotFound, pageData{Message: "This acceptance link is not valid."})
		return
	}
	d := pageData{A: &a}
	switch a.Status {
	case StatusExpired:
		d.Message = "This acceptance link has expired. Ask your partner for a new one."
		s.renderPage(w, http.StatusGone, d)
		return
	case StatusCustomerAccepted, StatusAgreementCreated:
		d.Message = "You have accepted the agreement. Thank you."
	}
	s.renderPage(w, http.StatusOK, d)
}

func (s *Server) attestSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a, ok := s.Attestation(id)
	if !ok {
		s.renderPage(w, http.StatusNotFound, pageData{Message: "This acceptance link is not valid."})
		return
	}
	if r.PostForm.Get("agree") != "yes" {
		s.renderPage(w, http.StatusBadRequest, pageData{A: &a, Message: "Please confirm that you are authorised to accept."})
		return
	}
	err := s.Accept(id)
	a, _ = s.Attestation(id)
	switch {
	case errors.Is(err, ErrLinkExpired):
		s.renderPage(w, http.StatusGone, pageData{A: &a, Message: "This acceptance link has expired. Ask your partner for a new one."})
	case err != nil:
		s.renderPage(w, http.StatusBadRequest, pageData{A: &a, Message: "The agreement could not be accepted."})
	default:
		s.renderPage(w, http.StatusOK, pageData{A: &a, Message: "You have accepted the agreement. Thank you."})
	}
}

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Partner Center simulator</title></head>
<body><h1>Partner Center simulator</h1>
<p>API base: <code>{{.Base}}</code>; token endpoint: <code>{{.Base}}/{tenantId}/oauth2/token</code>; request log: <a href="/_sim/requests">/_sim/requests</a>; state: <a href="/_sim/state">/_sim/state</a>.</p>
<h2>Enhanced attestations</h2>
<table border="1"><tr><th>Id</th><th>Company</th><th>Signatory</th><th>Status</th></tr>
{{range .Atts}}<tr><td><a href="/attest/{{.ID}}">{{.ID}}</a></td><td>{{.CompanyName}}</td><td>{{.SignatoryFirstName}} {{.SignatoryLastName}}</td><td>{{.Status}}</td></tr>
{{end}}</table></body></html>
`))

func (s *Server) indexPage(w http.ResponseWriter, r *http.Request) {
	atts := s.Attestations()
	sort.Slice(atts, func(i, j int) bool { return atts[i].Created.After(atts[j].Created) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTmpl.Execute(w, map[string]any{"Base": s.linkBase(r), "Atts": atts})
}

// ---- /_sim/: the simulator's own control and inspection API --------------

func (s *Server) simRoutes(mux *http.ServeMux) {
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	}
	dur := func(r *http.Request, name string) time.Duration {
		d, _ := time.ParseDuration(r.URL.Query().Get(name))
		return d
	}
	num := func(r *http.Request, name string, def int) int {
		if n, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
			return n
		}
		return def
	}
	ok := func(w http.ResponseWriter) { writeJSON(w, map[string]any{"ok": true}) }

	mux.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Requests()) })
	mux.HandleFunc("DELETE /_sim/requests", func(w http.ResponseWriter, r *http.Request) { s.ResetRequests(); ok(w) })
	mux.HandleFunc("GET /_sim/ca.pem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.CACertPEM())
	})
	mux.HandleFunc("GET /_sim/state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.State()) })
	mux.HandleFunc("POST /_sim/latency", func(w http.ResponseWriter, r *http.Request) { s.SetLatency(dur(r, "d")); ok(w) })
	mux.HandleFunc("POST /_sim/visibility", func(w http.ResponseWriter, r *http.Request) { s.SetVisibilityDelay(dur(r, "d")); ok(w) })
	mux.HandleFunc("POST /_sim/ratelimit", func(w http.ResponseWriter, r *http.Request) {
		qps, _ := strconv.ParseFloat(r.URL.Query().Get("qps"), 64)
		s.SetRateLimit(qps, num(r, "burst", 0))
		ok(w)
	})
	mux.HandleFunc("POST /_sim/fail", func(w http.ResponseWriter, r *http.Request) {
		s.FailNext(num(r, "n", 1), num(r, "status", http.StatusServiceUnavailable))
		ok(w)
	})
	mux.HandleFunc("POST /_sim/throttle", func(w http.ResponseWriter, r *http.Request) {
		s.Throttle(num(r, "n", 1), dur(r, "retryAfter"))
		ok(w)
	})
	mux.HandleFunc("POST /_sim/drop", func(w http.ResponseWriter, r *http.Request) { s.DropNextPOSTResponses(num(r, "n", 1)); ok(w) })
	mux.HandleFunc("POST /_sim/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeRefreshTokens(r.URL.Query().Get("partner"))
		ok(w)
	})
	mux.HandleFunc("POST /_sim/mfa", func(w http.ResponseWriter, r *http.Request) {
		s.RequireMFA(r.URL.Query().Get("partner"), r.URL.Query().Get("on") != "false")
		ok(w)
	})
	mux.HandleFunc("POST /_sim/accept/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Accept(r.PathValue("id")); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		ok(w)
	})
	mux.HandleFunc("GET /_sim/variants", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.WireVariants()) })
	mux.HandleFunc("POST /_sim/variants", func(w http.ResponseWriter, r *http.Request) {
		var v WireVariants
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			http.Error(w, "variants: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := validateVariants(v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.SetWireVariants(v)
		ok(w)
	})
	mux.HandleFunc("GET /_sim/starts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.EnhancedStarts(r.URL.Query().Get("partner")))
	})
	mux.HandleFunc("POST /_sim/directsigned", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if err := s.SetDirectSigned(q.Get("partner"), q.Get("customer"), q.Get("signed") != "false"); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		ok(w)
	})
}

// StateCustomer is a customer in State().
type StateCustomer struct {
	TenantID     string            `json:"tenantId"`
	CompanyName  string            `json:"companyName"`
	Relationship bool              `json:"relationship"`
	DirectSigned bool              `json:"directSigned"`
	Agreements   []AgreementRecord `json:"agreements"`
}

// StatePartner is a partner in State() (no credentials).
type StatePartner struct {
	TenantID    string          `json:"tenantId"`
	Type        string          `json:"type"`
	RequireMFA  bool            `json:"requireMfa"`
	HasRefresh  bool            `json:"hasValidRefreshToken"`
	Customers   []StateCustomer `json:"customers"`
	Attestation []Attestation   `json:"attestations"`
}

// State is a secret-free snapshot of the simulator's data.
func (s *Server) State() []StatePartner {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StatePartner //nolint:prealloc // nil (JSON null) when there is no partner, as before
	for _, p := range s.partners {
		sp := StatePartner{TenantID: p.TenantID, Type: p.Type, RequireMFA: p.mfaRequired, HasRefresh: p.refreshToken != "", Customers: []StateCustomer{}, Attestation: []Attestation{}}
		for _, c := range p.customers {
			sc := StateCustomer{TenantID: c.tenantID, CompanyName: c.company, Relationship: c.relationship, DirectSigned: c.directSigned, Agreements: []AgreementRecord{}}
			for _, a := range c.agreements {
				sc.Agreements = append(sc.Agreements, *a)
			}
			sp.Customers = append(sp.Customers, sc)
		}
		sort.Slice(sp.Customers, func(i, j int) bool { return sp.Customers[i].TenantID < sp.Customers[j].TenantID })
		for _, a := range s.attestations {
			if key(a.PartnerTenantID) == key(p.TenantID) {
				s.refreshStatusLocked(a)
				sp.Attestation = append(sp.Attestation, *a)
			}
		}
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TenantID < out[j].TenantID })
	return out
}
