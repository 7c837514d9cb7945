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
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Partner types.
const (
	PartnerDirectBill       = "DirectBill"
	PartnerIndirectProvider = "IndirectProvider"
	PartnerIndirectReseller = "IndirectReseller"
)

// Seed is the simulator's starting state (YAML or JSON, see LoadSeed).
type Seed struct {
	Partners []SeedPartner `json:"partners"`
}

// SeedPartner is one partner tenant and its application's credentials.
type SeedPartner struct {
	TenantID string `json:"tenantId"`
	// Type is DirectBill (default), IndirectProvider or IndirectReseller.
	Type         string `json:"type,omitempty"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	RefreshToken string `json:"refreshToken,omitempty"`
	// RequireMFA makes App+User calls answer 401 / 900421.
	RequireMFA bool           `json:"requireMfa,omitempty"`
	Customers  []SeedCustomer `json:"customers,omitempty"`
}

// SeedCustomer is one customer of a partner.
type SeedCustomer struct {
	TenantID    string `json:"tenantId"`
	CompanyName string `json:"companyName,omitempty"`
	// Relationship: the partner has a reseller relationship (default true).
	// Without one, customer calls answer 403 / 20002.
	Relationship *bool `json:"relationship,omitempty"`
	// DirectSigned: the customer accepted the MCA in the admin center.
	DirectSigned bool            `json:"directSigned,omitempty"`
	Agreements   []SeedAgreement `json:"agreements,omitempty"`
}

// SeedContact is an agreement's primary contact.
type SeedContact struct {
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

// SeedAgreement is one agreement record (one attestation).
type SeedAgreement struct {
	// DateAgreed is ISO 8601; without a zone it is UTC ("2022-06-14" works).
	DateAgreed     string      `json:"dateAgreed"`
	PrimaryContact SeedContact `json:"primaryContact"`
	// Type defaults to MicrosoftCustomerAgreement; MicrosoftCloudAgreement
	// records are only returned when agreementType is missing (§3.2).
	Type       string `json:"type,omitempty"`
	TemplateID string `json:"templateId,omitempty"`
	UserID     string `json:"userId,omitempty"`
}

// LoadSeed reads a seed file (YAML or JSON).
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSeed(b)
}

// ParseSeed parses and validates seed YAML or JSON.
func ParseSeed(b []byte) (*Seed, error) {
	var s Seed
	if err := yaml.UnmarshalStrict(b, &s); err != nil {
		return nil, fmt.Errorf("pcsim: parsing seed: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks ids, types and dates.
func (s *Seed) Validate() error {
	seen := map[string]bool{}
	for i, p := range s.Partners {
		if p.TenantID == "" {
			return fmt.Errorf("pcsim: seed partner %d has no tenantId", i)
		}
		if seen[strings.ToLower(p.TenantID)] {
			return fmt.Errorf("pcsim: seed partner %s appears twice", p.TenantID)
		}
		seen[strings.ToLower(p.TenantID)] = true
		switch p.Type {
		case "", PartnerDirectBill, PartnerIndirectProvider, PartnerIndirectReseller:
		default:
			return fmt.Errorf("pcsim: seed partner %s has unknown type %q", p.TenantID, p.Type)
		}
		if p.ClientID == "" || p.ClientSecret == "" {
			return fmt.Errorf("pcsim: seed partner %s needs clientId and clientSecret", p.TenantID)
		}
		cust := map[string]bool{}
		for _, c := range p.Customers {
			if c.TenantID == "" {
				return fmt.Errorf("pcsim: seed partner %s has a customer without tenantId", p.TenantID)
			}
			if cust[strings.ToLower(c.TenantID)] {
				return fmt.Errorf("pcsim: seed partner %s lists customer %s twice", p.TenantID, c.TenantID)
			}
			cust[strings.ToLower(c.TenantID)] = true
			for _, a := range c.Agreements {
				if _, err := parseTime(a.DateAgreed); err != nil || a.DateAgreed == "" {
					return fmt.Errorf("pcsim: customer %s has an agreement with a bad dateAgreed %q", c.TenantID, a.DateAgreed)
				}
				switch a.Type {
				case "", AgreementTypeMCA, AgreementTypeCloud:
				default:
					return fmt.Errorf("pcsim: customer %s has an agreement of unknown type %q", c.TenantID, a.Type)
				}
			}
		}
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}
