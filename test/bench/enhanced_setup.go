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
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// The enhanced onboarding: customers who need an attestation (no agreement, or only a 2022 one)
// with method PartnerAttestation, each with a signatory of their own whom the simulator plays.
// A signatory accepts early in the link's life, late, or never (the link expires and the
// operator renews it; the renewed link goes to the same person, who still does not accept).
// Time is scaled down: links live minutes, polls start at seconds.

// enhancedOptions configure the enhanced onboarding phase.
type enhancedOptions struct {
	skip                bool
	customers           int
	rate, burst         int
	pollShare           string
	linkLifetime        time.Duration
	pollInterval        time.Duration
	pollMaxInterval     time.Duration
	minReadInterval     time.Duration
	duration            time.Duration
	seed                uint64
	wireVariants        string
	earlyShare, lateShr float64
	deliveriesPerMinute int
}

func (e *enhancedOptions) flags(fs *flag.FlagSet) {
	fs.BoolVar(&e.skip, "skip-enhanced", false, "Skip the enhanced onboarding phase (the headline).")
	fs.IntVar(&e.customers, "enhanced-customers", 2000, "Enhanced onboarding: customers needing an attestation (half NoMCA, half Legacy; method PartnerAttestation).")
	// 50/s keeps 2,000 customers rate-limited (their polls want 2,000 / 30s = 67/s against a
	// budget of 25/s) while their first three calls take 4 minutes, not the 10 of 20/s.
	fs.IntVar(&e.rate, "enhanced-rate", 50, "Enhanced onboarding: requests per second per partner tenant, in the simulator and in the PartnerTenant's spec.rateLimit.qps.")
	fs.IntVar(&e.burst, "enhanced-burst", 50, "Enhanced onboarding: burst, in the simulator and in spec.rateLimit.burst.")
	fs.StringVar(&e.pollShare, "enhanced-poll-share", "0.5", "Enhanced onboarding: the PartnerTenant's spec.rateLimit.pollShare.")
	fs.DurationVar(&e.linkLifetime, "enhanced-link-lifetime", 10*time.Minute, "Enhanced onboarding: the PartnerTenant's spec.attestation.linkLifetime (5m at least).")
	fs.DurationVar(&e.pollInterval, "enhanced-poll-interval", 2*time.Second, "Enhanced onboarding: the manager's --attestation-poll-interval.")
	fs.DurationVar(&e.pollMaxInterval, "enhanced-poll-max-interval", 30*time.Second, "Enhanced onboarding: the manager's --attestation-poll-max-interval.")
	fs.DurationVar(&e.minReadInterval, "enhanced-min-read-interval", time.Second, "Enhanced onboarding: the manager's --min-read-interval.")
	fs.DurationVar(&e.duration, "enhanced-duration", 0, "Enhanced onboarding: stop after this long even if late signatories or renewals are still to come "+
		"(0: until every accepting customer has its agreement and every never-accepting customer's link was renewed once).")
	fs.Uint64Var(&e.seed, "enhanced-seed", 1, "Enhanced onboarding: seed of the signatories' fates and times.")
	fs.StringVar(&e.wireVariants, "enhanced-wire-variants", "", `Enhanced onboarding: the simulator's wire variants as JSON (pcsim.WireVariants), e.g. '{"attestationGet":"405"}'.`)
	fs.IntVar(&e.deliveriesPerMinute, "enhanced-deliveries-per-minute", 6000, "Enhanced onboarding: the PartnerTenant's spec.linkDelivery.maxPerMinute "+
		"(each link is emailed through a real SMTP server on 127.0.0.1).")
	e.earlyShare, e.lateShr = 0.60, 0.25
}

// fate is what a customer's signatory does with the links they receive.
type fate int

const (
	fateEarly fate = iota // accepts the first link early in its life
	fateLate              // accepts the first link late in its life
	fateNever             // never accepts: every link expires
)

func (f fate) String() string { return [...]string{"early", "late", "never"}[f] }

// Where in the link's life early and late signatories accept, as fractions of the lifetime.
const (
	earlyFrom, earlyTo = 0.02, 0.25
	lateFrom, lateTo   = 0.60, 0.95
)

type ecustomer struct {
	customer
	sig    v1alpha1.Signatory
	fate   fate
	offset time.Duration // after the first link's creation, for early and late
}

// enhancedCustomers draws every customer's fate and acceptance time from the seed: the same
// seed gives the same signatories.
func enhancedCustomers(e enhancedOptions) []ecustomer {
	r := rand.New(rand.NewPCG(e.seed, 0x6d6361)) //nolint:gosec // G404: the fates are drawn from the seed on purpose
	out := make([]ecustomer, e.customers)
	for i := range out {
		k := kindNoMCA
		if i%2 == 1 {
			k = kindLegacy
		}
		c := ecustomer{customer: customer{name: fmt.Sprintf("customer-%05d", i), tenantID: fmt.Sprintf("e0000000-0000-4000-8000-%012d", i), kind: k}}
		c.sig = signatoryOf(i)
		u, v := r.Float64(), r.Float64()
		switch {
		case u < e.earlyShare:
			c.fate, c.offset = fateEarly, time.Duration((earlyFrom+v*(earlyTo-earlyFrom))*float64(e.linkLifetime))
		case u < e.earlyShare+e.lateShr:
			c.fate, c.offset = fateLate, time.Duration((lateFrom+v*(lateTo-lateFrom))*float64(e.linkLifetime))
		default:
			c.fate = fateNever
		}
		out[i] = c
	}
	return out
}

func signatoryOf(i int) v1alpha1.Signatory {
	return v1alpha1.Signatory{
		FirstName: "Signatory", LastName: fmt.Sprintf("Number%05d", i),
		Email:       fmt.Sprintf("signatory-%05d@customer-%05d.example", i, i),
		PhoneNumber: fmt.Sprintf("+1 425 %03d %04d", 500+i/10000, i%10000),
	}
}

func enhancedSeed(cs []ecustomer) *pcsim.Seed {
	p := seedPartner(benchTenant(0))
	for _, c := range cs {
		sc := pcsim.SeedCustomer{TenantID: c.tenantID, CompanyName: "Customer " + c.name}
		if c.kind == kindLegacy {
			contact := pcsim.SeedContact{FirstName: c.sig.FirstName, LastName: c.sig.LastName, Email: c.sig.Email, PhoneNumber: c.sig.PhoneNumber}
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: legacyDate, PrimaryContact: contact}}
		}
		p.Customers = append(p.Customers, sc)
	}
	return &pcsim.Seed{Partners: []pcsim.SeedPartner{p}}
}

func enhancedAgreement(c ecustomer) *v1alpha1.CustomerAgreement {
	sig := c.sig
	return &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: c.name},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: partnerName},
			CustomerTenantID: c.tenantID,
			CompanyName:      "Customer " + c.name,
			Signatory:        &sig,
			Method:           v1alpha1.MethodPartnerAttestation,
			ManagementPolicy: v1alpha1.ManagementPolicyManage,
		},
	}
}

// enhancedPartnerTenantSpec is the benchmark's PartnerTenant with the poll share, the link
// lifetime, and link delivery through the mailbox.
func enhancedPartnerTenantSpec(simURL string, e enhancedOptions, mb *mailbox.Server) v1alpha1.PartnerTenantSpec {
	spec := partnerTenantSpec(benchTenant(0), simURL, e.rate, e.burst)
	spec.RateLimit.PollShare = e.pollShare
	spec.Attestation = &v1alpha1.PartnerAttestationSettings{LinkLifetime: &metav1.Duration{Duration: e.linkLifetime}}
	// Every link goes through a real SMTP server, with one reminder (time scaled down as the link
	// lifetime is) and the new link after a renewal.
	spec.LinkDelivery = &v1alpha1.LinkDelivery{
		Email: &v1alpha1.EmailDelivery{SMTP: v1alpha1.SMTPServer{Host: mb.Host(), Port: int32Of(mb.Port()), TLS: v1alpha1.SMTPTLSNone},
			From: "Bench <mca@bench.example>"},
		Reminders:    []metav1.Duration{{Duration: e.linkLifetime * 3 / 10}},
		MaxPerMinute: int32Of(e.deliveriesPerMinute),
	}
	return spec
}

// validate checks the options and returns the poll share and the simulator's wire variants.
func (e enhancedOptions) validate() (float64, pcsim.WireVariants, error) {
	var variants pcsim.WireVariants
	if e.customers < 10 {
		return 0, variants, fmt.Errorf("--enhanced-customers must be at least 10")
	}
	if e.linkLifetime < 5*time.Minute {
		return 0, variants, fmt.Errorf("--enhanced-link-lifetime must be 5m at least (Partner Center takes 5 to 10,080 minutes)")
	}
	share, err := strconv.ParseFloat(e.pollShare, 64)
	if err != nil || share <= 0 || share > 1 {
		return 0, variants, fmt.Errorf("--enhanced-poll-share %q: want a decimal in (0, 1]", e.pollShare)
	}
	if e.wireVariants != "" {
		dec := json.NewDecoder(strings.NewReader(e.wireVariants))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&variants); err != nil {
			return 0, variants, fmt.Errorf("--enhanced-wire-variants: %w", err)
		}
	}
	return share, variants, nil
}

func setVariants(sim *pcsim.Server, v pcsim.WireVariants) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("--enhanced-wire-variants: %v", p)
		}
	}()
	sim.SetWireVariants(v)
	return nil
}
