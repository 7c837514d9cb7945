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
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// form is an HTML form as a browser would submit it.
type form struct {
	action, method string
	values         url.Values
	required       []string
}

// parseForms finds the forms of a page and the values a person who ticks
// every checkbox and presses the submit button would send.
func parseForms(t *testing.T, r io.Reader) []form {
	t.Helper()
	doc, err := html.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var forms []form
	var cur *form
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				action, _ := attr(n, "action")
				method, _ := attr(n, "method")
				forms = append(forms, form{action: action, method: strings.ToUpper(method), values: url.Values{}})
				cur = &forms[len(forms)-1]
			case "input", "button":
				if cur != nil {
					name, _ := attr(n, "name")
					val, _ := attr(n, "value")
					typ, _ := attr(n, "type")
					if _, req := attr(n, "required"); req {
						cur.required = append(cur.required, name)
					}
					if name != "" && typ != "submit" || n.Data == "button" && name != "" {
						cur.values.Add(name, val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return forms
}

// TestAcceptancePageAsAPersonUsesIt: GET the acceptanceLink, parse the HTML
// form, submit it; the attestation then reads CustomerAccepted.
func TestAcceptancePageAsAPersonUsesIt(t *testing.T) {
	e := newEnv(t)
	att, err := e.client.StartEnhancedAttestation(ctx(t), pc.EnhancedAttestationRequest{CompanyName: "Wide World <Importers>", SignatoryFirstName: "Mary", SignatoryLastName: "Jackson", SignatoryEmail: "mary@wwi.example"})
	if err != nil {
		t.Fatal(err)
	}
	browser := e.sim.HTTPClient()
	resp, err := browser.Get(att.AcceptanceLink)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), "Wide World &lt;Importers&gt;") {
		t.Fatal("page does not show the (escaped) company name")
	}
	forms := parseForms(t, strings.NewReader(string(body)))
	if len(forms) != 1 || forms[0].method != http.MethodPost {
		t.Fatalf("forms = %+v", forms)
	}
	f := forms[0]
	if f.values.Get("action") != "accept" || f.values.Get("agree") != "yes" {
		t.Fatalf("form lacks the Accept button or the agreement checkbox: %v", f.values)
	}
	target, err := url.Parse(att.AcceptanceLink)
	if err != nil {
		t.Fatal(err)
	}
	action, _ := target.Parse(f.action)

	// Without ticking the required checkbox the page refuses.
	without := url.Values{}
	for k, v := range f.values {
		if k != "agree" {
			without[k] = v
		}
	}
	resp, err = browser.PostForm(action.String(), without)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unticked submit answered %d", resp.StatusCode)
	}
	if a, _ := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID); a.Status != pc.StatusLinkGenerated {
		t.Fatalf("accepted without consent: %s", a.Status)
	}

	resp, err = browser.PostForm(action.String(), f.values)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(parseForms(t, strings.NewReader(string(after)))) != 0 {
		t.Fatalf("after accepting: %d, page still offers a form", resp.StatusCode)
	}
	a, err := e.client.GetEnhancedAttestation(ctx(t), att.AttestationID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != pc.StatusCustomerAccepted || a.AcceptedAt.IsZero() {
		t.Fatalf("attestation = %+v", a)
	}
}
