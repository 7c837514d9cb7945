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

package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

const (
	deSubject = `{{if .IsReminder}}Erinnerung: {{end}}{{.Partner}} bittet {{.CompanyName}}, die Microsoft-Kundenvereinbarung anzunehmen`
	deText    = "Guten Tag {{.Signatory.FirstName}} {{.Signatory.LastName}},\n{{.AcceptanceLink}}\ngültig bis {{.ExpiresAt.Format \"02.01.2006 15:04\"}} UTC (noch {{.ExpiresInDays}} Tage)\n"
	deHTML    = `<p>Guten Tag {{.Signatory.FirstName}},</p><p><a href="{{.AcceptanceLink}}">Annehmen</a></p>`
)

func TestBuiltinTemplates(t *testing.T) {
	tpl := BuiltinTemplates()
	if got := tpl.Languages(); len(got) != 1 || got[0] != "en-US" {
		t.Fatalf("languages %v", got)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := testMessage(v1alpha1.DeliveryRenewed, v1alpha1.ChannelEmail)
	m.ExpiresAt = now.Add(5*time.Hour + 10*time.Minute)
	r, err := tpl.Render("fr-FR", NewTemplateData(m, now)) // no French template: English
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Subject, "New link: Contoso Cloud asks Fabrikam, Inc.") {
		t.Errorf("subject %q", r.Subject)
	}
	for _, want := range []string{"expired. Here is a new one", "Monday, 2 March 2026 at 14:10 UTC (in 5 hours)", testLink} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, r.Text)
		}
	}
	// html/template escapes what the spec holds.
	m.CompanyName = `<script>alert(1)</script>`
	r, err = tpl.Render("en-US", NewTemplateData(m, now))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<script>") {
		t.Errorf("HTML part not escaped: %s", r.HTML)
	}
}

func TestExpiresIn(t *testing.T) {
	for d, want := range map[time.Duration]string{
		168 * time.Hour:               "in 7 days",
		72*time.Hour + 59*time.Minute: "in 3 days",
		47 * time.Hour:                "in 1 day",
		23*time.Hour + 59*time.Minute: "in 23 hours",
		time.Hour:                     "in 1 hour",
		59 * time.Minute:              "in less than an hour",
	} {
		if got := expiresIn(d); got != want {
			t.Errorf("expiresIn(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTemplateOverride(t *testing.T) {
	tpl, err := LoadTemplates(map[string]string{
		"de.subject":    deSubject,
		"de.txt":        deText,
		"de.html":       deHTML,
		"en-US.subject": "Action needed: accept the MCA for {{.CompanyName}}",
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := testMessage(v1alpha1.DeliveryReminder, v1alpha1.ChannelEmail)
	m.ExpiresAt = now.Add(72 * time.Hour)
	de, err := tpl.Render("de-CH", NewTemplateData(m, now)) // base language de
	if err != nil {
		t.Fatal(err)
	}
	if de.Subject != "Erinnerung: Contoso Cloud bittet Fabrikam, Inc., die Microsoft-Kundenvereinbarung anzunehmen" {
		t.Errorf("subject %q", de.Subject)
	}
	if !strings.Contains(de.Text, "gültig bis 05.03.2026 09:00 UTC (noch 3 Tage)") || !strings.Contains(de.Text, testLink) {
		t.Errorf("text %q", de.Text)
	}
	en, err := tpl.Render("en-GB", NewTemplateData(m, now))
	if err != nil {
		t.Fatal(err)
	}
	if en.Subject != "Action needed: accept the MCA for Fabrikam, Inc." {
		t.Errorf("overridden subject %q", en.Subject)
	}
	if !strings.Contains(en.Text, "This is a reminder") {
		t.Errorf("en-US.txt should stay built in: %q", en.Text)
	}
}

func TestBrokenTemplates(t *testing.T) {
	cases := []struct {
		name string
		data map[string]string
		want string
	}{
		{"does not parse", map[string]string{"en-US.txt": "{{.AcceptanceLink}"}, "en-US.txt"},
		{"unknown field", map[string]string{"en-US.html": `<a href="{{.AcceptanceLink}}">{{.Signatory.Phone}}</a>`}, "en-US.html"},
		{"unknown function", map[string]string{"en-US.subject": "{{upper .CompanyName}}"}, "en-US.subject"},
		{"no link in the text", map[string]string{"en-US.txt": "Hello {{.Signatory.FirstName}}"}, "en-US.txt does not show the acceptance link"},
		{"no link in the HTML", map[string]string{"en-US.html": "<p>Hello</p>"}, "en-US.html does not show the acceptance link"},
		{"subject on two lines", map[string]string{"en-US.subject": "Hello\n{{.CompanyName}}"}, "one line"},
		{"empty subject", map[string]string{"en-US.subject": "{{if false}}x{{end}}"}, "one line"},
		{"fails for one kind only", map[string]string{"en-US.txt": `{{.AcceptanceLink}}{{if .IsRenewed}}{{index .CompanyName 99}}{{end}}`}, "en-US.txt"},
		{"a new language needs every part", map[string]string{"de.subject": deSubject, "de.txt": deText}, "de.html is missing"},
		{"misspelt key", map[string]string{"en-US.htm": deHTML}, `"en-US.htm"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := LoadTemplates(tc.data)
			if err == nil || tpl != nil {
				t.Fatalf("loaded %v, want an error", tc.data)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}
