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
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

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
	fs.DurationVar(&e.duration, "enhanced-duration", 0, "Enhanced onboarding: stop after this long even if late signatories or renewals are still to come (0: until every accepting customer has its agreement and every never-accepting customer's link was renewed once).")
	fs.Uint64Var(&e.seed, "enhanced-seed", 1, "Enhanced onboarding: seed of the signatories' fates and times.")
	fs.StringVar(&e.wireVariants, "enhanced-wire-variants", "", `Enhanced onboarding: the simulator's wire variants as JSON (pcsim.WireVariants), e.g. '{"attestationGet":"405"}'.`)
	fs.IntVar(&e.deliveriesPerMinute, "enhanced-deliveries-per-minute", 6000, "Enhanced onboarding: the PartnerTenant's spec.linkDelivery.maxPerMinute (each link is emailed through a real SMTP server on 127.0.0.1).")
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
	r := rand.New(rand.NewPCG(e.seed, 0x6d6361))
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
	p := pcsim.SeedPartner{TenantID: partnerTenantID, Type: pcsim.PartnerIndirectProvider, ClientID: partnerClientID, ClientSecret: partnerClientSecret, RefreshToken: partnerRefreshToken}
	for _, c := range cs {
		sc := pcsim.SeedCustomer{TenantID: c.tenantID, CompanyName: "Customer " + c.name}
		if c.kind == kindLegacy {
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: legacyDate, PrimaryContact: pcsim.SeedContact{FirstName: c.sig.FirstName, LastName: c.sig.LastName, Email: c.sig.Email, PhoneNumber: c.sig.PhoneNumber}}}
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

// createEnhancedPartnerTenant is createPartnerTenant with the poll share and the link lifetime.
func (cp *controlPlane) createEnhancedPartnerTenant(ctx context.Context, simURL string, e enhancedOptions, mb *mailbox.Server) error {
	if err := cp.cl.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: partnerSecretName},
		StringData: map[string]string{"clientId": partnerClientID, "clientSecret": partnerClientSecret, "refreshToken": partnerRefreshToken},
	}); err != nil {
		return err
	}
	return cp.cl.Create(ctx, &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: partnerName},
		Spec: v1alpha1.PartnerTenantSpec{
			TenantID: partnerTenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
			Endpoint: simURL, Authority: simURL,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: partnerSecretName},
			RateLimit:            &v1alpha1.RateLimit{QPS: int32(e.rate), Burst: int32(e.burst), PollShare: e.pollShare},
			Attestation:          &v1alpha1.PartnerAttestationSettings{LinkLifetime: &metav1.Duration{Duration: e.linkLifetime}},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
			// Every link goes through a real SMTP server, with one reminder (time scaled down as
			// the link lifetime is) and the new link after a renewal.
			LinkDelivery: &v1alpha1.LinkDelivery{
				Email: &v1alpha1.EmailDelivery{SMTP: v1alpha1.SMTPServer{Host: mb.Host(), Port: int32(mb.Port()), TLS: v1alpha1.SMTPTLSNone},
					From: "Bench <mca@bench.example>"},
				Reminders:    []metav1.Duration{{Duration: e.linkLifetime * 3 / 10}},
				MaxPerMinute: int32(e.deliveriesPerMinute),
			},
		},
	})
}

// Deliveries counts the messages the mailbox received during the enhanced phase.
type Deliveries struct {
	Initial  int `json:"initial"`
	Reminder int `json:"reminder"`
	Renewed  int `json:"renewed"`
	// Duplicates: messages whose Message-ID the mailbox had received already.
	Duplicates int `json:"duplicates"`
	// PerSecond: messages over the time from the first to the last.
	PerSecond float64 `json:"perSecond"`
	// MaxPerMinute is the PartnerTenant's send rate.
	MaxPerMinute int `json:"maxPerMinute"`
}

// countDeliveries reads the mailbox: the kind is in the Message-ID the operator derives.
func countDeliveries(mb *mailbox.Server, perMinute int) Deliveries {
	d := Deliveries{MaxPerMinute: perMinute}
	seen := map[string]bool{}
	var first, last time.Time
	for _, m := range mb.Messages() {
		p, err := m.Parse()
		if err != nil {
			continue
		}
		id := p.Header.Get("Message-Id")
		if seen[id] {
			d.Duplicates++
		}
		seen[id] = true
		switch {
		case strings.Contains(id, ".initial@"):
			d.Initial++
		case strings.Contains(id, ".renewed@"):
			d.Renewed++
		case strings.Contains(id, ".reminder"):
			d.Reminder++
		}
		if first.IsZero() || m.Received.Before(first) {
			first = m.Received
		}
		if m.Received.After(last) {
			last = m.Received
		}
	}
	if n := d.Initial + d.Reminder + d.Renewed; n > 1 && last.After(first) {
		d.PerSecond = round(float64(n)/last.Sub(first).Seconds(), 2)
	}
	return d
}

// Enhanced is the result of the enhanced onboarding phase (the headline).
type Enhanced struct {
	Customers int            `json:"customers"`
	Mix       map[string]int `json:"mix"`
	Fates     map[string]int `json:"signatories"`
	// Accepted: signatories who accepted a link; Agreed: of them, those whose agreement exists.
	Accepted int `json:"accepted"`
	Agreed   int `json:"agreed"`
	// AcceptedWithoutAgreement: accepted, and no agreement by the end of the run (stuck).
	AcceptedWithoutAgreement int `json:"acceptedWithoutAgreement"`
	// AcceptFailed: the simulator refused a planned acceptance (the link had expired already).
	AcceptFailed int `json:"acceptFailed"`
	// Acceptance-to-agreement delays: from the signatory's acceptance (sim.Accept) to the
	// agreement record's creation in the simulator.
	AcceptedDelayP50 float64 `json:"acceptedDelayP50Seconds"`
	AcceptedDelayP95 float64 `json:"acceptedDelayP95Seconds"`
	AcceptedDelayMax float64 `json:"acceptedDelayMaxSeconds"`
	// AwaitingPeak: the most customers awaiting their signatory at once (an attestation started,
	// no agreement yet), sampled every 200 ms.
	AwaitingPeak int `json:"awaitingPeak"`
	// BoundSeconds is the poll budget's bound on the delay: polls may use pollShare of the
	// tenant's rate, so AwaitingPeak customers polled in turn are each checked once every
	// AwaitingPeak / (pollShare × qps) seconds at worst, and an acceptance waits at most that long
	// for the poll that sees it. The back-off interval (up to --attestation-poll-max-interval) is a
	// floor of its own: with few customers it, not the budget, sets the delay.
	BoundSeconds float64 `json:"boundSeconds"`
	// CallsPerCustomer: Partner Center calls (token requests apart) per CustomerAgreement of the
	// run (the new one included), "total" and by operation; CreateAgreement by answer code.
	CallsPerCustomer map[string]float64 `json:"callsPerCustomer"`
	Calls            CallStats          `json:"calls"`
	// PollShare: the fraction of calls that were polls (GETs of attestations, and create attempts
	// refused with 600062 because the signatory had not accepted yet).
	PollShare float64 `json:"pollShare"`
	Polls     int     `json:"polls"`
	Throttled int     `json:"throttled"`
	// NewCustomerStartSeconds: one CustomerAgreement created once every other customer's
	// attestation had started (while they wait): from its creation to its start call
	// (POST /v1/attestations/enhanced).
	NewCustomerStartSeconds float64 `json:"newCustomerStartSeconds"`
	NewCustomerCreatedAt    float64 `json:"newCustomerCreatedAtSeconds"`
	// NewCustomerCalls: the new customer's calls until its start, seconds after its creation.
	NewCustomerCalls []string `json:"newCustomerCalls,omitempty"`
	// LinksRenewed: attestations started beyond the first of each customer.
	LinksRenewed int `json:"linksRenewed"`
	// RenewedForAccepting: renewals for customers whose signatory accepted the first link.
	RenewedForAccepting int `json:"renewedForAccepting"`
	// ExpiredNotRenewed: customers whose link expired at least a minute before the end and who
	// got no new one.
	ExpiredNotRenewed int `json:"expiredNotRenewed"`
	// AgreementsWithoutAcceptance: agreements the operator created for a customer whose
	// signatory had not accepted (never, or not yet).
	AgreementsWithoutAcceptance int `json:"agreementsWithoutAcceptance"`
	CustomersWithTwoAgreements  int `json:"customersWithTwoAgreements"`
	// Seconds: manager start to the end of the run; AllStartedSeconds: to the start of the last
	// customer's first attestation.
	Seconds           float64 `json:"seconds"`
	AllStartedSeconds float64 `json:"allStartedSeconds"`
	// Complete: the run saw every accepting customer's agreement and every renewal it waited for.
	Complete                bool           `json:"complete"`
	StatusWritesPerCustomer float64        `json:"statusWritesPerCustomer"`
	StatusWritesMax         int            `json:"statusWritesMax"`
	APIWrites               map[string]int `json:"apiServerWrites"`
	PeakRSSMiB              float64        `json:"peakRssMiB"`
	CPUSeconds              float64        `json:"cpuSeconds"`
	Deliveries              Deliveries     `json:"deliveries"`
	Settings                EnhancedConfig `json:"settings"`
	Targets                 []Target       `json:"targets"`
	Plot                    string         `json:"plot,omitempty"`
	ManagerLog              string         `json:"managerLog"`
}

// EnhancedConfig records the phase's settings.
type EnhancedConfig struct {
	RateQPS         int             `json:"rateQps"`
	RateBurst       int             `json:"rateBurst"`
	PollShare       string          `json:"pollShare"`
	LinkLifetime    string          `json:"linkLifetime"`
	PollInterval    string          `json:"attestationPollInterval"`
	PollMaxInterval string          `json:"attestationPollMaxInterval"`
	MinReadInterval string          `json:"minReadInterval"`
	ResyncInterval  string          `json:"resyncInterval"`
	Duration        string          `json:"duration,omitempty"`
	Seed            uint64          `json:"seed"`
	WireVariants    json.RawMessage `json:"wireVariants,omitempty"`
}

// custState is the bench's knowledge of one customer during the run.
type custState struct {
	c          ecustomer
	atts       []string // attestation ids, in order of start
	firstAt    time.Time
	lastExpiry time.Time
	acceptID   string
	acceptAt   time.Time // when the planned acceptance is due
	acceptedAt time.Time // the simulator's acceptance time
	acceptErr  bool
	agreed     bool
}

// runEnhanced runs the phase and stores it in res.
func runEnhanced(ctx context.Context, o options, bin, tmp string, res *Results) error {
	e := o.enhanced
	if e.customers < 10 {
		return fmt.Errorf("--enhanced-customers must be at least 10")
	}
	if e.linkLifetime < 5*time.Minute {
		return fmt.Errorf("--enhanced-link-lifetime must be 5m at least (Partner Center takes 5 to 10,080 minutes)")
	}
	share, err := strconv.ParseFloat(e.pollShare, 64)
	if err != nil || share <= 0 || share > 1 {
		return fmt.Errorf("--enhanced-poll-share %q: want a decimal in (0, 1]", e.pollShare)
	}
	var variants pcsim.WireVariants
	if e.wireVariants != "" {
		dec := json.NewDecoder(strings.NewReader(e.wireVariants))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&variants); err != nil {
			return fmt.Errorf("--enhanced-wire-variants: %w", err)
		}
	}
	cs := enhancedCustomers(e)
	newcomer := ecustomer{customer: customer{name: "customer-new", tenantID: "e0000000-0000-4000-8000-ffffffffffff", kind: kindNoMCA}, sig: signatoryOf(99999), fate: fateNever}
	all := append(append([]ecustomer(nil), cs...), newcomer)

	r := &Enhanced{Customers: len(cs), Mix: map[string]int{}, Fates: map[string]int{}, Settings: EnhancedConfig{
		RateQPS: e.rate, RateBurst: e.burst, PollShare: e.pollShare, LinkLifetime: e.linkLifetime.String(),
		PollInterval: e.pollInterval.String(), PollMaxInterval: e.pollMaxInterval.String(), MinReadInterval: e.minReadInterval.String(),
		ResyncInterval: time.Hour.String(), Seed: e.seed,
	}}
	if e.duration > 0 {
		r.Settings.Duration = e.duration.String()
	}
	if e.wireVariants != "" {
		r.Settings.WireVariants, _ = json.Marshal(variants)
	}
	for _, c := range cs {
		r.Mix[c.kind.String()]++
		r.Fates[c.fate.String()]++
	}

	sim := pcsim.New(enhancedSeed(all), pcsim.Options{Latency: o.latency, RateLimitQPS: float64(e.rate), RateLimitBurst: e.burst})
	if err := setVariants(sim, variants); err != nil {
		return err
	}
	url, err := sim.StartTLS("")
	if err != nil {
		return err
	}
	defer sim.Close()
	caFile := filepath.Join(tmp, "pcsim-ca-enhanced.pem")
	if err := os.WriteFile(caFile, sim.CACertPEM(), 0o600); err != nil {
		return err
	}
	logf("enhanced: starting the control plane")
	cp, err := startControlPlane(ctx, o, tmp)
	if err != nil {
		return err
	}
	defer cp.stop()
	mb, err := mailbox.Start("127.0.0.1:0", mailbox.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = mb.Close() }()
	if err := cp.createEnhancedPartnerTenant(ctx, url, e, mb); err != nil {
		return err
	}
	objs := make([]*v1alpha1.CustomerAgreement, len(cs))
	for i, c := range cs {
		objs[i] = enhancedAgreement(c)
	}
	if err := cp.createAll(ctx, objs); err != nil {
		return err
	}
	logf("enhanced: created %d CustomerAgreements (%s); signatories %s", len(cs), kv(r.Mix), kv(r.Fates))

	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	tr := newTracker(len(all))
	if err := cp.watchCustomers(wctx, tr); err != nil {
		return err
	}
	writesBefore, err := cp.apiWrites(ctx)
	if err != nil {
		return err
	}
	sim.ResetRequests()
	r.ManagerLog = filepath.Join(o.out, "bench-manager-enhanced.log")
	args := append(managerArgs(cp, caFile, time.Hour, o.maxConcurrent),
		"--attestation-poll-interval="+e.pollInterval.String(),
		"--attestation-poll-max-interval="+e.pollMaxInterval.String(),
		"--min-read-interval="+e.minReadInterval.String(),
	)
	mgr, err := startManager(ctx, o, bin, args, r.ManagerLog)
	if err != nil {
		return err
	}
	defer mgr.stop()
	logf("enhanced: manager started (pid %d); links live %s, first poll after %s, at most %s apart; %d req/s, pollShare %s",
		mgr.cmd.Process.Pid, e.linkLifetime, e.pollInterval, e.pollMaxInterval, e.rate, e.pollShare)

	// The signatories.
	states := make(map[string]*custState, len(all)) // by signatory email
	for _, c := range all {
		states[strings.ToLower(c.sig.Email)] = &custState{c: c}
	}
	newState := states[strings.ToLower(newcomer.sig.Email)]
	var newCreatedAt, allStartedAt time.Time
	seen := map[string]bool{}
	started, complete := 0, false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastLog := time.Now()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (manager log: %s)", ctx.Err(), mgr.logPath)
		case <-mgr.done:
			return fmt.Errorf("the manager exited early (log: %s)", mgr.logPath)
		case <-tick.C:
		}
		now := time.Now()
		awaiting := 0
		for _, st := range states {
			st.agreed = false
		}
		for _, a := range sim.AttestationsStarted(partnerTenantID) {
			st := states[strings.ToLower(a.SignatoryEmail)]
			if st == nil {
				continue
			}
			if !seen[a.ID] {
				seen[a.ID] = true
				st.atts = append(st.atts, a.ID)
				if len(st.atts) == 1 {
					st.firstAt = a.Created
					if st != newState {
						started++
					}
					if st.c.fate != fateNever {
						st.acceptID, st.acceptAt = a.ID, a.Created.Add(st.c.offset)
					}
				}
			}
			if a.ExpiresAt.After(st.lastExpiry) {
				st.lastExpiry = a.ExpiresAt
			}
			if a.Status == pcsim.StatusAgreementCreated {
				st.agreed = true
			}
		}
		pendingAccept, pendingAgreement, pendingRenewal := 0, 0, 0
		for _, st := range states {
			if len(st.atts) > 0 && !st.agreed {
				awaiting++
			}
			if st.acceptID != "" && st.acceptedAt.IsZero() && !st.acceptErr && !now.Before(st.acceptAt) {
				if err := sim.Accept(st.acceptID); err != nil {
					st.acceptErr = true
					logf("enhanced: %s could not accept: %v", st.c.name, err)
				} else if a, ok := sim.Attestation(st.acceptID); ok {
					st.acceptedAt = a.AcceptedAt
				}
			}
			switch {
			case st == newState:
			case st.c.fate != fateNever:
				if st.acceptErr {
					break
				}
				if st.acceptedAt.IsZero() {
					pendingAccept++
				} else if !st.agreed {
					pendingAgreement++
				}
			case len(st.atts) < 2:
				pendingRenewal++
			}
		}
		r.AwaitingPeak = max(r.AwaitingPeak, awaiting)
		if allStartedAt.IsZero() && started == len(cs) {
			allStartedAt = now
		}
		// One new customer, while the others wait: once every other customer's attestation
		// started (or half the run's cap passed).
		if newCreatedAt.IsZero() && (!allStartedAt.IsZero() || (e.duration > 0 && now.Sub(mgr.started) > e.duration/2)) {
			if err := cp.cl.Create(ctx, enhancedAgreement(newcomer)); err != nil {
				return fmt.Errorf("creating the new customer: %w", err)
			}
			newCreatedAt = time.Now()
			logf("enhanced: created %s while %d customers await their signatory", newcomer.name, awaiting)
		}
		newPending := newCreatedAt.IsZero() || len(newState.atts) == 0
		if pendingAccept == 0 && pendingAgreement == 0 && pendingRenewal == 0 && !newPending {
			complete = true
			break
		}
		if e.duration > 0 && now.Sub(mgr.started) >= e.duration {
			logf("enhanced: --enhanced-duration %s reached", e.duration)
			break
		}
		if now.Sub(lastLog) >= 15*time.Second {
			lastLog = now
			logf("enhanced: %.0fs: %d/%d started, %d awaiting, %d acceptances to come, %d accepted without agreement yet, %d never-accepting links not renewed yet, %d requests",
				now.Sub(mgr.started).Seconds(), started, len(cs), awaiting, pendingAccept, pendingAgreement, pendingRenewal, len(sim.Requests()))
		}
	}
	// Let trailing calls land: a second agreement or a late renewal would show here.
	time.Sleep(5 * time.Second)
	end := time.Now()
	r.Complete = complete
	r.Seconds = round(end.Sub(mgr.started).Seconds(), 1)
	if !allStartedAt.IsZero() {
		r.AllStartedSeconds = round(allStartedAt.Sub(mgr.started).Seconds(), 1)
	}
	_, modified := tr.snapshot()
	writesAfter, err := cp.apiWrites(ctx)
	if err != nil {
		return err
	}
	reqs := sim.Requests()
	mgr.stop()

	// Delays, agreements, renewals.
	var delays []float64
	total, maxW := 0, 0
	for _, st := range states {
		recs := operatorAgreements(sim.CustomerAgreements(partnerTenantID, st.c.tenantID))
		if len(recs) > 1 {
			r.CustomersWithTwoAgreements++
		}
		for _, a := range recs {
			if st.acceptedAt.IsZero() || a.Created.Before(st.acceptedAt) {
				r.AgreementsWithoutAcceptance++
			}
		}
		if !st.acceptedAt.IsZero() {
			r.Accepted++
			if len(recs) > 0 {
				r.Agreed++
				delays = append(delays, recs[0].Created.Sub(st.acceptedAt).Seconds())
			} else {
				r.AcceptedWithoutAgreement++
			}
		}
		if st.acceptErr {
			r.AcceptFailed++
		}
		if n := len(st.atts); n > 1 {
			r.LinksRenewed += n - 1
			if !st.acceptedAt.IsZero() {
				r.RenewedForAccepting += n - 1
			}
		}
		if len(recs) == 0 && st.acceptedAt.IsZero() && !st.lastExpiry.IsZero() && end.Sub(st.lastExpiry) > time.Minute {
			r.ExpiredNotRenewed++
		}
		n := modified[st.c.name]
		total += n
		maxW = max(maxW, n)
	}
	sort.Float64s(delays)
	r.AcceptedDelayP50 = round(percentile(delays, 0.50), 2)
	r.AcceptedDelayP95 = round(percentile(delays, 0.95), 2)
	if len(delays) > 0 {
		r.AcceptedDelayMax = round(delays[len(delays)-1], 2)
	}
	r.BoundSeconds = round(float64(r.AwaitingPeak)/(share*float64(e.rate)), 1)

	// Calls: CreateAgreement split by the code answered; polls counted.
	r.Calls = callStats(reqs, len(all))
	r.Throttled = r.Calls.Throttled
	r.Polls = splitCreates(&r.Calls, reqs, sim, len(all))
	r.Calls.ThrottledAt = nil
	if r.Calls.Total > 0 {
		r.PollShare = round(float64(r.Polls)/float64(r.Calls.Total), 3)
	}
	r.CallsPerCustomer = map[string]float64{"total": r.Calls.PerCust}
	for op, v := range r.Calls.PerCustOp {
		r.CallsPerCustomer[op] = v
	}

	// The new customer's start call: the first request carrying its start's MS-RequestId.
	r.NewCustomerStartSeconds = -1
	if !newCreatedAt.IsZero() {
		r.NewCustomerCreatedAt = round(newCreatedAt.Sub(mgr.started).Seconds(), 1)
		rids := map[string]bool{}
		for _, s := range sim.EnhancedStarts(partnerTenantID) {
			if len(newState.atts) > 0 && s.AttestationID == newState.atts[0] && s.RequestID != "" {
				rids[s.RequestID] = true
			}
		}
		at := newState.firstAt
		for _, q := range reqs {
			isStart := rids[q.RequestID] && q.Method == "POST" && q.Path == "/v1/attestations/enhanced"
			if isStart && q.Time.Before(at) {
				at = q.Time
			}
			if (isStart || customerOf(q.Path) == newcomer.tenantID) && len(r.NewCustomerCalls) < 8 {
				r.NewCustomerCalls = append(r.NewCustomerCalls, fmt.Sprintf("%s %d +%.2fs", opOf(q), q.Status, q.Time.Sub(newCreatedAt).Seconds()))
			}
		}
		if len(newState.atts) > 0 {
			r.NewCustomerStartSeconds = round(at.Sub(newCreatedAt).Seconds(), 2)
		}
	}

	r.StatusWritesPerCustomer = round(float64(total)/float64(len(all)), 2)
	r.StatusWritesMax = maxW
	r.APIWrites = diffWrites(writesBefore, writesAfter)
	r.PeakRSSMiB = round(float64(mgr.peakRSSKiB)/1024, 1)
	r.CPUSeconds = round(mgr.cpu.Seconds(), 2)
	r.Targets = enhancedTargets(r)

	png := filepath.Join(o.out, "bench-enhanced-cdf.png")
	if err := plotAcceptanceCDF(png, delays, r); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	r.Plot = png
	r.Deliveries = countDeliveries(mb, e.deliveriesPerMinute)
	res.Enhanced = r
	return nil
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

// operatorAgreements are the records the operator created (not the seeded ones), oldest first.
func operatorAgreements(recs []pcsim.AgreementRecord) []pcsim.AgreementRecord {
	var out []pcsim.AgreementRecord
	for _, a := range recs {
		if a.Source != "seed" {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// splitCreates replaces CreateAgreement in the call counts by the answer's code
// ("CreateAgreement (201)", "CreateAgreement (600062)", ...) and returns the polls: GETs of
// attestations and creates refused with 600062.
func splitCreates(cs *CallStats, reqs []pcsim.RequestRecord, sim *pcsim.Server, customers int) int {
	polls := 0
	for _, q := range reqs {
		op := opOf(q)
		if op == "GetEnhancedAttestation" {
			polls++
		}
		if op != "CreateAgreement" || q.Status == 429 || q.RateLimited {
			continue
		}
		label := fmt.Sprintf("CreateAgreement (%d)", q.Status)
		if status, code, ok := sim.AnsweredCode(q.PartnerTenantID, q.RequestID); ok && code != "" && status == q.Status {
			label = "CreateAgreement (" + code + ")"
			if code == strconv.Itoa(pcsim.CodeNotAccepted) {
				polls++
			}
		}
		cs.ByOp["CreateAgreement"]--
		cs.ByOp[label]++
	}
	if cs.ByOp["CreateAgreement"] == 0 {
		delete(cs.ByOp, "CreateAgreement")
	}
	cs.PerCustOp = map[string]float64{}
	for op, n := range cs.ByOp {
		cs.PerCustOp[op] = round(float64(n)/float64(customers), 3)
	}
	return polls
}

// percentile of sorted values, by nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func enhancedTargets(r *Enhanced) []Target {
	return []Target{
		{"enhanced: 429s", "0", fmt.Sprint(r.Throttled), r.Throttled == 0},
		{"enhanced: p95 acceptance-to-agreement delay", fmt.Sprintf("≤ 1.5 × bound (%.1f s)", 1.5*r.BoundSeconds), fmt.Sprintf("%.2f s (bound %.1f s)", r.AcceptedDelayP95, r.BoundSeconds), r.Agreed > 0 && r.AcceptedDelayP95 <= 1.5*r.BoundSeconds},
		{"enhanced: new customer's start call", "≤ 2 s", fmt.Sprintf("%.2f s", r.NewCustomerStartSeconds), r.NewCustomerStartSeconds >= 0 && r.NewCustomerStartSeconds <= 2},
		{"enhanced: agreements without acceptance", "0", fmt.Sprint(r.AgreementsWithoutAcceptance), r.AgreementsWithoutAcceptance == 0},
		{"enhanced: customers with two agreements", "0", fmt.Sprint(r.CustomersWithTwoAgreements), r.CustomersWithTwoAgreements == 0},
		{"enhanced: accepted customers without agreement at the end", "0", fmt.Sprint(r.AcceptedWithoutAgreement), r.AcceptedWithoutAgreement == 0},
		{"enhanced: expired links not renewed", "0", fmt.Sprint(r.ExpiredNotRenewed), r.ExpiredNotRenewed == 0},
		{"enhanced: duplicate link emails", "0", fmt.Sprint(r.Deliveries.Duplicates), r.Deliveries.Duplicates == 0},
	}
}

func printEnhanced(w io.Writer, r *Enhanced) {
	if r == nil {
		return
	}
	s := r.Settings
	row := func(k string, v ...any) { fmt.Fprintf(w, "  %s\t%s\n", k, fmt.Sprint(v...)) }
	fmt.Fprintf(w, "\nENHANCED ONBOARDING (headline: %d customers needing attestation, %d NoMCA + %d Legacy, PartnerAttestation; signatories %d early, %d late, %d never)\n",
		r.Customers, r.Mix["NoMCA"], r.Mix["Legacy"], r.Fates["early"], r.Fates["late"], r.Fates["never"])
	row("settings", fmt.Sprintf("links %s, poll %s..%s, %d req/s burst %d (simulator and rateLimit), pollShare %s, seed %d", s.LinkLifetime, s.PollInterval, s.PollMaxInterval, s.RateQPS, s.RateBurst, s.PollShare, s.Seed))
	if len(s.WireVariants) > 0 {
		row("wire variants", string(s.WireVariants))
	}
	row("run", fmt.Sprintf("%.1f s (all first attestations started after %.1f s; complete: %v)", r.Seconds, r.AllStartedSeconds, r.Complete))
	row("accepted / with agreement", fmt.Sprintf("%d / %d (%d acceptances refused by the simulator)", r.Accepted, r.Agreed, r.AcceptFailed))
	row("acceptance → agreement p50 / p95 / max", fmt.Sprintf("%.2f / %.2f / %.2f s", r.AcceptedDelayP50, r.AcceptedDelayP95, r.AcceptedDelayMax))
	row("poll-budget bound", fmt.Sprintf("%.1f s = %d awaiting (peak) / (%s × %d req/s)", r.BoundSeconds, r.AwaitingPeak, s.PollShare, s.RateQPS))
	row("PC calls per customer", fmt.Sprintf("%.3f (%d calls, +%d token requests)", r.CallsPerCustomer["total"], r.Calls.Total, r.Calls.Token))
	for _, op := range sortedKeys(r.Calls.ByOp) {
		row("  "+op, fmt.Sprintf("%d = %.3f per customer", r.Calls.ByOp[op], r.Calls.PerCustOp[op]))
	}
	row("share of calls that were polls", fmt.Sprintf("%.3f (%d polls)", r.PollShare, r.Polls))
	row("429s", r.Throttled)
	row("new customer: creation → start call", fmt.Sprintf("%.2f s (created %.1f s into the run; calls %s)", r.NewCustomerStartSeconds, r.NewCustomerCreatedAt, strings.Join(r.NewCustomerCalls, ", ")))
	row("links renewed", fmt.Sprintf("%d (%d for customers who had accepted; %d expired links not renewed)", r.LinksRenewed, r.RenewedForAccepting, r.ExpiredNotRenewed))
	row("agreements without acceptance", r.AgreementsWithoutAcceptance)
	d := r.Deliveries
	row("links emailed (real SMTP)", fmt.Sprintf("initial %d, reminder %d, renewed %d; duplicates %d; %.1f messages/s (maxPerMinute %d)",
		d.Initial, d.Reminder, d.Renewed, d.Duplicates, d.PerSecond, d.MaxPerMinute))
	row("customers with two agreements", r.CustomersWithTwoAgreements)
	row("status writes per customer", fmt.Sprintf("%.2f (max %d)", r.StatusWritesPerCustomer, r.StatusWritesMax))
	row("API-server writes by the manager", kv(r.APIWrites))
	row("manager peak RSS / CPU", fmt.Sprintf("%.1f MiB / %.1f s", r.PeakRSSMiB, r.CPUSeconds))
	for _, t := range r.Targets {
		mark := "PASS"
		if !t.Met {
			mark = "FAIL"
		}
		row(strings.TrimPrefix(t.Name, "enhanced: "), fmt.Sprintf("%s\t(target %s)\t%s", t.Measured, t.Target, mark))
	}
}

// plotAcceptanceCDF draws the share of accepted customers whose agreement exists against the
// time since acceptance, with the poll-budget bound and 1.5 times it.
func plotAcceptanceCDF(path string, sorted []float64, r *Enhanced) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Acceptance → agreement, %d customers at %d req/s, pollShare %s", r.Customers, r.Settings.RateQPS, r.Settings.PollShare)
	p.X.Label.Text = "seconds from the signatory's acceptance to the agreement"
	p.Y.Label.Text = "share of accepted customers"
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Min, p.X.Max = 0, 1.05*max(1.5*r.BoundSeconds, r.AcceptedDelayMax, 1)
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(10), vg.Points(10)
	p.Add(plotter.NewGrid())
	pts := plotter.XYs{{X: 0, Y: 0}}
	for i, d := range sorted {
		pts = append(pts, plotter.XY{X: d, Y: float64(i+1) / float64(len(sorted))})
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color, l.Width = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, vg.Points(2)
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("operator (p95 %.1fs)", r.AcceptedDelayP95), l)
	for _, b := range []struct {
		x    float64
		name string
		c    color.Color
	}{
		{r.BoundSeconds, fmt.Sprintf("poll-budget bound (%.1fs)", r.BoundSeconds), color.Gray{Y: 0x60}},
		{1.5 * r.BoundSeconds, fmt.Sprintf("target: 1.5 × bound (%.1fs)", 1.5*r.BoundSeconds), color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
	} {
		v, err := plotter.NewLine(plotter.XYs{{X: b.x, Y: 0}, {X: b.x, Y: 1}})
		if err != nil {
			return err
		}
		v.Color, v.Dashes = b.c, []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(v)
		p.Legend.Add(b.name, v)
	}
	return p.Save(9*vg.Inch, 5.5*vg.Inch, path)
}
