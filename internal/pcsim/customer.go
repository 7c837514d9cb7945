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
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// AcceptThroughPage plays the customer's signatory the way a browser would: open the acceptance
// link, find the form, tick its checkbox, press its Accept button and submit it. The demo and the
// tests use it; a person does the same in a browser.
func AcceptThroughPage(hc *http.Client, link string) error {
	resp, err := hc.Get(link)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("opening %s: HTTP %d", link, resp.StatusCode)
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		return fmt.Errorf("reading %s: %w", link, err)
	}
	action, method, form := findForm(doc)
	if action == "" {
		return fmt.Errorf("the page %s has no form to accept with (already accepted or expired?)", link)
	}
	if method != http.MethodPost {
		return fmt.Errorf("the acceptance form of %s uses %q, not POST", link, method)
	}
	base, err := url.Parse(link)
	if err != nil {
		return err
	}
	target, err := base.Parse(action)
	if err != nil {
		return err
	}
	post, err := hc.PostForm(target.String(), form)
	if err != nil {
		return err
	}
	defer post.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(post.Body, 64<<10))
	if post.StatusCode >= 400 {
		return fmt.Errorf("accepting at %s: HTTP %d: %s", target, post.StatusCode, pageMessage(body))
	}
	return nil
}

// findForm returns the first form's action and method and the values a person submits with it:
// every named input (checkboxes ticked) and the button whose value is "accept".
func findForm(doc *html.Node) (action, method string, values url.Values) {
	values = url.Values{}
	found := false
	var walk func(n *html.Node, inForm bool)
	walk = func(n *html.Node, inForm bool) {
		if n.Type == html.ElementNode {
			attr := func(k string) string {
				for _, a := range n.Attr {
					if a.Key == k {
						return a.Val
					}
				}
				return ""
			}
			switch n.Data {
			case "form":
				if found {
					return
				}
				found, inForm = true, true
				action, method = attr("action"), strings.ToUpper(attr("method"))
				if method == "" {
					method = http.MethodGet
				}
			case "input":
				if inForm && attr("name") != "" {
					v := attr("value")
					if v == "" && attr("type") == "checkbox" {
						v = "on"
					}
					values.Set(attr("name"), v)
				}
			case "button":
				if inForm && attr("name") != "" && strings.EqualFold(attr("value"), "accept") {
					values.Set(attr("name"), attr("value"))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inForm)
		}
	}
	walk(doc, false)
	return action, method, values
}

// pageMessage extracts the page's status message for an error, or a short prefix of the body.
func pageMessage(body []byte) string {
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err == nil {
		var msg string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				for _, a := range n.Attr {
					if a.Key == "id" && a.Val == "message" && n.FirstChild != nil {
						msg = n.FirstChild.Data
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if msg != "" {
			return msg
		}
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return string(body)
}
