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
	"bytes"
	"embed"
	"fmt"
	htemplate "html/template"
	"regexp"
	"sort"
	"strings"
	ttemplate "text/template"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// AgreementURL is the public text of the Microsoft Customer Agreement.
const AgreementURL = "https://www.microsoft.com/licensing/docs/customeragreement"

// DefaultLanguage is the language of the built-in templates and the fallback for every other.
const DefaultLanguage = "en-US"

//go:embed templates
var builtinFS embed.FS

// TemplateData is what a template sees.
type TemplateData struct {
	// Partner names the partner (the PartnerTenant's display name or name).
	Partner     string
	CompanyName string
	Signatory   v1alpha1.Signatory
	// AcceptanceLink is the credential the signatory opens to accept.
	AcceptanceLink string
	AgreementURL   string
	Kind           v1alpha1.DeliveryKind
	IsReminder     bool
	IsRenewed      bool
	// ExpiresAt is in UTC; ExpiresAtText reads "Friday, 6 March 2026 at 14:00 UTC" and ExpiresIn
	// "in 3 days" (English; other languages build theirs from ExpiresAt, ExpiresInDays and
	// ExpiresInHours).
	ExpiresAt      time.Time
	ExpiresAtText  string
	ExpiresIn      string
	ExpiresInDays  int
	ExpiresInHours int
}

// Rendered is one message's content.
type Rendered struct {
	Subject, Text, HTML string
}

type templateSet struct {
	subject, text *ttemplate.Template
	html          *htemplate.Template
}

// Templates are the email templates by language.
type Templates struct {
	sets map[string]*templateSet
}

var (
	templateKeyRE = regexp.MustCompile(`^([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.(subject|txt|html)$`)
	templateParts = []string{"subject", "txt", "html"}
)

// BuiltinTemplates returns the templates shipped with the operator (en-US).
func BuiltinTemplates() *Templates {
	t, err := LoadTemplates(nil)
	if err != nil {
		panic(err) // the built-in templates are checked by the tests
	}
	return t
}

// LoadTemplates returns the built-in templates with those of data (a ConfigMap's data, keys
// <language>.subject, <language>.txt, <language>.html) in their place. Each template is parsed and
// executed with sample data; the error names the key that is wrong. A language without a built-in
// template needs all three keys.
func LoadTemplates(data map[string]string) (*Templates, error) {
	sources, err := templateSources(data)
	if err != nil {
		return nil, err
	}
	t := &Templates{sets: map[string]*templateSet{}}
	langs := make([]string, 0, len(sources))
	for lang := range sources {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		set, err := parseSet(lang, sources[lang])
		if err != nil {
			return nil, err
		}
		t.sets[lang] = set
	}
	return t, nil
}

// templateSources merges the built-in sources with data: language -> part -> source.
func templateSources(data map[string]string) (map[string]map[string]string, error) {
	sources := map[string]map[string]string{DefaultLanguage: {}}
	for _, part := range templateParts {
		b, err := builtinFS.ReadFile("templates/" + DefaultLanguage + "." + part)
		if err != nil {
			return nil, err
		}
		sources[DefaultLanguage][part] = string(b)
	}
	builtin := map[string]bool{DefaultLanguage: true}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		m := templateKeyRE.FindStringSubmatch(key)
		if m == nil {
			return nil, fmt.Errorf("template key %q: want <language>.subject, <language>.txt or <language>.html, such as en-US.txt", key)
		}
		if sources[m[1]] == nil {
			sources[m[1]] = map[string]string{}
		}
		sources[m[1]][m[2]] = data[key]
	}
	for lang, parts := range sources {
		for _, part := range templateParts {
			if _, ok := parts[part]; !ok && !builtin[lang] {
				return nil, fmt.Errorf("templates for %s: %s.%s is missing (a language without a built-in template needs subject, txt and html)", lang, lang, part)
			}
		}
	}
	return sources, nil
}

func parseSet(lang string, src map[string]string) (*templateSet, error) {
	set := &templateSet{}
	var err error
	if set.subject, err = ttemplate.New(lang + ".subject").Option("missingkey=error").Parse(src["subject"]); err != nil {
		return nil, fmt.Errorf("template %s.subject: %w", lang, err)
	}
	if set.text, err = ttemplate.New(lang + ".txt").Option("missingkey=error").Parse(src["txt"]); err != nil {
		return nil, fmt.Errorf("template %s.txt: %w", lang, err)
	}
	if set.html, err = htemplate.New(lang + ".html").Option("missingkey=error").Parse(src["html"]); err != nil {
		return nil, fmt.Errorf("template %s.html: %w", lang, err)
	}
	if err := checkSet(lang, set); err != nil {
		return nil, err
	}
	return set, nil
}

// checkSet renders the set with sample data of every kind: it must execute, the subject must be one
// line, and both bodies must carry the acceptance link.
func checkSet(lang string, set *templateSet) error {
	for _, kind := range []v1alpha1.DeliveryKind{v1alpha1.DeliveryInitial, v1alpha1.DeliveryReminder, v1alpha1.DeliveryRenewed} {
		d := sampleData(kind)
		r, err := set.render(d)
		if err != nil {
			return fmt.Errorf("templates for %s: %w", lang, err)
		}
		if !strings.Contains(r.Text, d.AcceptanceLink) {
			return fmt.Errorf("template %s.txt does not show the acceptance link ({{.AcceptanceLink}})", lang)
		}
		if !strings.Contains(r.HTML, htemplate.HTMLEscapeString(d.AcceptanceLink)) {
			return fmt.Errorf("template %s.html does not show the acceptance link ({{.AcceptanceLink}})", lang)
		}
	}
	return nil
}

func sampleData(kind v1alpha1.DeliveryKind) TemplateData {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return NewTemplateData(Message{
		Kind:             kind,
		AcceptanceLink:   "https://sample.invalid/accept?attestation=sample&lang=en-US",
		ExpiresAt:        now.Add(72 * time.Hour),
		Partner:          "Contoso",
		CompanyName:      "Fabrikam, Inc.",
		Signatory:        v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example"},
		CustomerTenantID: "00000000-0000-4000-8000-000000000001",
	}, now)
}

func (s *templateSet) render(d TemplateData) (Rendered, error) {
	var subj, text, html bytes.Buffer
	if err := s.subject.Execute(&subj, d); err != nil {
		return Rendered{}, err
	}
	if err := s.text.Execute(&text, d); err != nil {
		return Rendered{}, err
	}
	if err := s.html.Execute(&html, d); err != nil {
		return Rendered{}, err
	}
	subject := strings.TrimSpace(subj.String())
	if subject == "" || strings.ContainsAny(subject, "\r\n") {
		return Rendered{}, fmt.Errorf("%s gives %q: the subject must be one line, not empty", s.subject.Name(), subject)
	}
	return Rendered{Subject: subject, Text: text.String(), HTML: html.String()}, nil
}

// Render renders the message in language, else in its base language (de for de-CH), else in
// DefaultLanguage.
func (t *Templates) Render(language string, d TemplateData) (Rendered, error) {
	return t.set(language).render(d)
}

func (t *Templates) set(language string) *templateSet {
	if s, ok := t.sets[language]; ok {
		return s
	}
	if base, _, found := strings.Cut(language, "-"); found {
		if s, ok := t.sets[base]; ok {
			return s
		}
	}
	return t.sets[DefaultLanguage]
}

// Languages lists the languages that have templates.
func (t *Templates) Languages() []string {
	out := make([]string, 0, len(t.sets))
	for l := range t.sets {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// NewTemplateData is the template data of a message sent at now.
func NewTemplateData(m Message, now time.Time) TemplateData {
	exp := m.ExpiresAt.UTC()
	left := exp.Sub(now)
	return TemplateData{
		Partner:        m.Partner,
		CompanyName:    m.CompanyName,
		Signatory:      m.Signatory,
		AcceptanceLink: m.AcceptanceLink,
		AgreementURL:   AgreementURL,
		Kind:           m.Kind,
		IsReminder:     m.Kind == v1alpha1.DeliveryReminder,
		IsRenewed:      m.Kind == v1alpha1.DeliveryRenewed,
		ExpiresAt:      exp,
		ExpiresAtText:  exp.Format("Monday, 2 January 2006 at 15:04 UTC"),
		ExpiresIn:      expiresIn(left),
		ExpiresInDays:  int(left / (24 * time.Hour)),
		ExpiresInHours: int(left / time.Hour),
	}
}

// expiresIn writes the time left in whole days, else whole hours.
func expiresIn(left time.Duration) string {
	days, hours := int(left/(24*time.Hour)), int(left/time.Hour)
	switch {
	case days == 1:
		return "in 1 day"
	case days > 1:
		return fmt.Sprintf("in %d days", days)
	case hours == 1:
		return "in 1 hour"
	case hours > 1:
		return fmt.Sprintf("in %d hours", hours)
	default:
		return "in less than an hour"
	}
}
