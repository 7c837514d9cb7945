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

package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// The manifest of one imported customer. Its own types keep the YAML free of empty status and
// timestamps.
type caManifest struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   caMetadata `json:"metadata"`
	Spec       caSpec     `json:"spec"`
}

type caMetadata struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

type caSpec struct {
	PartnerTenantRef v1alpha1.PartnerTenantReference `json:"partnerTenantRef"`
	CustomerTenantID string                          `json:"customerTenantId"`
	CompanyName      string                          `json:"companyName"`
	Signatory        *v1alpha1.Signatory             `json:"signatory,omitempty"`
	ManagementPolicy v1alpha1.ManagementPolicy       `json:"managementPolicy"`
}

var (
	guidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	invisibleRE = regexp.MustCompile(`[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]`)
	edgeSpaceRE = regexp.MustCompile(`^[\s\p{Z}]|[\s\p{Z}]$`)
	letterRE    = regexp.MustCompile(`\p{L}`)
	alnumRE     = regexp.MustCompile(`[\p{L}\p{N}]`)
	emailRE     = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})$`)
	phoneRE     = regexp.MustCompile(`^\+?[0-9]+(( ?[.-] ?| )?(\([0-9]+\)|[0-9]+))*$`)
)

// customerTenantID returns the id in lower case, or false when it is no GUID the CRD accepts.
func customerTenantID(id string) (string, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	return id, guidRE.MatchString(id) && id != "00000000-0000-0000-0000-000000000000" && id != "ffffffff-ffff-ffff-ffff-ffffffffffff"
}

// companyName makes Partner Center's company name (else its domain, else the tenant id)
// acceptable to spec.companyName.
func companyName(c pc.Customer, tenantID string) string {
	for _, s := range []string{c.CompanyName, c.Domain} {
		s = strings.TrimFunc(invisibleRE.ReplaceAllString(s, ""), func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Z, r) })
		if r := []rune(s); len(r) > 256 {
			s = strings.TrimRightFunc(string(r[:256]), unicode.IsSpace)
		}
		if alnumRE.MatchString(s) {
			return s
		}
	}
	return tenantID
}

// baseName derives a DNS-1123 label from the company name (at most 50 characters, leaving room
// for a suffix that makes it unique).
func baseName(company, tenantID string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(company) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 50 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "customer-" + tenantID[:8]
	}
	return s
}

// uniqueName picks the first free name: base, base-<tenant prefix>, then base-<tenant prefix>-2...
func uniqueName(base, tenantID string, used map[string]bool) string {
	if !used[base] {
		return base
	}
	n := base + "-" + tenantID[:8]
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s-%s-%d", base, tenantID[:8], i)
	}
	return n
}

// signatoryProblem says what spec.signatory would refuse in s, by the CRD's rules ("" when it
// accepts s): "a first name that spec.signatory does not accept", say.
func signatoryProblem(s v1alpha1.Signatory) string {
	for _, n := range []struct{ what, v string }{{"a first name", s.FirstName}, {"a last name", s.LastName}} {
		if n.v == "" || len([]rune(n.v)) > 100 || !letterRE.MatchString(n.v) || invisibleRE.MatchString(n.v) || edgeSpaceRE.MatchString(n.v) {
			return n.what + " that spec.signatory does not accept"
		}
	}
	if len(s.Email) < 3 || len(s.Email) > 254 || !emailRE.MatchString(s.Email) || strings.Index(s.Email, "@") > 64 {
		return "an email address that spec.signatory does not accept"
	}
	if d := len(mca.Digits(s.PhoneNumber)); s.PhoneNumber != "" && (!phoneRE.MatchString(s.PhoneNumber) || d < 7 || d > 15 || len(s.PhoneNumber) > 32) {
		return "a phone number that spec.signatory does not accept"
	}
	return ""
}

// signatoryFrom turns the record's contact into spec.signatory, or says why it cannot. A phone
// number spec.signatory refuses is left out.
func signatoryFrom(c pc.Contact) (*v1alpha1.Signatory, string) {
	if c.FirstName == "" && c.LastName == "" && c.Email == "" {
		return nil, "the newest attestation on record names no signatory"
	}
	trim := func(s string) string {
		return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Z, r) })
	}
	s := &v1alpha1.Signatory{FirstName: trim(c.FirstName), LastName: trim(c.LastName), Email: strings.TrimSpace(c.Email)}
	if why := signatoryProblem(*s); why != "" {
		return nil, "the signatory on record has " + why
	}
	withPhone := *s
	withPhone.PhoneNumber = strings.TrimSpace(c.PhoneNumber)
	if signatoryProblem(withPhone) == "" {
		s.PhoneNumber = withPhone.PhoneNumber
	}
	return s, ""
}

func renderManifest(ptName, namespace, name, tenantID string, cust pc.Customer, records []pc.Agreement, policy v1alpha1.ManagementPolicy, st v1alpha1.AgreementState) ([]byte, error) {
	m := caManifest{
		APIVersion: v1alpha1.GroupVersion.String(),
		Kind:       "CustomerAgreement",
		Metadata:   caMetadata{Name: name, Namespace: namespace},
		Spec: caSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: ptName},
			CustomerTenantID: tenantID,
			CompanyName:      companyName(cust, tenantID),
			ManagementPolicy: policy,
		},
	}
	var comments []string
	comments = append(comments, fmt.Sprintf("Imported from Partner Center by kubectl mca import (PartnerTenant %s).", ptName))
	if cust.Domain != "" {
		comments = append(comments, "Domain: "+cust.Domain)
	}
	newest, ok := pc.LatestAgreement(records)
	if ok {
		comments = append(comments, fmt.Sprintf("State at import: %s; newest partner attestation on record: %s.", st, newest.DateAgreed.Format("2006-01-02")))
		sig, why := signatoryFrom(newest.PrimaryContact)
		m.Spec.Signatory = sig
		if sig == nil {
			comments = append(comments, "No signatory prefilled: "+why+".")
		} else if sig.PhoneNumber == "" && newest.PrimaryContact.PhoneNumber != "" {
			comments = append(comments, "The phone number on record was left out: spec.signatory.phoneNumber does not accept it.")
		}
	} else {
		comments = append(comments, fmt.Sprintf("State at import: %s (no partner attestation on record; the customer may have accepted directly, which the operator checks).", st))
	}
	if policy == v1alpha1.ManagementPolicyManage && m.Spec.Signatory == nil {
		m.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		comments = append(comments,
			"TODO: --policy Manage was asked, but Manage needs a signatory and Partner Center holds none",
			"usable for this customer. Name the customer's authorised signatory in spec.signatory, then",
			"set spec.managementPolicy: Manage.")
	}
	return encodeYAML(m, comments)
}

// encodeYAML writes v (by its JSON field names) as one YAML document headed by comments. Values
// from Partner Center reach the file only through the YAML encoder, comments included: each
// comment is one line, with every character that could end it escaped (see printable).
func encodeYAML(v any, comments []string) ([]byte, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yamlv3.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("encoding %T: not one YAML document", v)
	}
	lines := make([]string, len(comments))
	for i, c := range comments {
		lines[i] = printable(c)
	}
	doc.Content[0].HeadComment = strings.Join(lines, "\n")
	var out bytes.Buffer
	enc := yamlv3.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// printable makes s one line of text, safe in a YAML comment and on a terminal: every character
// that is not graphic (line breaks of any kind, escape and other control characters, format
// characters) is written as its Go escape, and so is the backslash, so that the escapes cannot be
// forged.
func printable(s string) string {
	q := strconv.QuoteToGraphic(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}
