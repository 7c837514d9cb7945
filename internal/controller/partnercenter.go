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

package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// PartnerCenter is the part of Partner Center the reconcilers use: observe, then act. The real
// implementation is *partnercenter.Client; unit tests may use a fake.
type PartnerCenter interface {
	CheckCredentials(ctx context.Context) error
	GetAgreementMetadata(ctx context.Context) (pc.AgreementMetadata, error)
	ListCustomerAgreements(ctx context.Context, customerTenantID string) ([]pc.Agreement, error)
	GetDirectSignedStatus(ctx context.Context, customerTenantID string) (bool, error)
	StartEnhancedAttestation(ctx context.Context, req pc.EnhancedAttestationRequest, opts ...pc.CallOption) (pc.EnhancedAttestation, error)
	GetEnhancedAttestation(ctx context.Context, attestationID string) (pc.EnhancedAttestation, error)
	AttestationGetSupported() bool
	CreateAgreementFromAttestation(ctx context.Context, customerTenantID, attestationID, templateID string, opts ...pc.CallOption) (pc.Agreement, error)
	CreateLegacyAgreement(ctx context.Context, customerTenantID string, contact pc.Contact, templateID string, dateAgreed time.Time, opts ...pc.CallOption) (pc.Agreement, error)
}

var _ PartnerCenter = (*pc.Client)(nil)

// ClientFactory builds the Partner Center client of a PartnerTenant.
type ClientFactory func(pt *v1alpha1.PartnerTenant) (PartnerCenter, error)

// Clients keeps one Partner Center client per PartnerTenant, shared by every reconcile of that
// tenant (one token cache, one rate limiter), and builds a new one when the tenant's spec changes.
// A rebuilt client whose credentials are the same (tenant, authority, Secret) shares its
// predecessor's tokens: a refresh token Partner Center rotated and the old client could not write
// back yet is the only one that still works, and must not be dropped with the old client.
type Clients struct {
	New ClientFactory

	mu      sync.Mutex
	entries map[string]clientEntry
}

type clientEntry struct {
	hash        string
	credentials string // hash of what the tokens depend on
	client      PartnerCenter
}

// For returns the client of pt.
func (c *Clients) For(pt *v1alpha1.PartnerTenant) (PartnerCenter, error) {
	h := specHash(pt.Spec)
	creds := specHash([]string{pt.Spec.TenantID, pt.Spec.Authority, pt.Spec.CredentialsSecretRef.Name})
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.entries[pt.Name]
	if ok && prev.hash == h {
		return prev.client, nil
	}
	cl, err := c.New(pt)
	if err != nil {
		return nil, err
	}
	if ok && prev.credentials == creds {
		next, isReal := cl.(*pc.Client)
		old, wasReal := prev.client.(*pc.Client)
		if isReal && wasReal {
			next.ShareTokens(old)
		}
	}
	if c.entries == nil {
		c.entries = map[string]clientEntry{}
	}
	c.entries[pt.Name] = clientEntry{hash: h, credentials: creds, client: cl}
	return cl, nil
}

// Forget drops the client of a deleted PartnerTenant.
func (c *Clients) Forget(name string) {
	c.mu.Lock()
	delete(c.entries, name)
	c.mu.Unlock()
}

// ClientOptions configures the real Partner Center clients.
type ClientOptions struct {
	// Kube reads the credentials Secrets and writes rotated refresh tokens back.
	Kube client.Client
	// CredentialsNamespace holds the credentials Secrets.
	CredentialsNamespace string
	// HTTPClient carries the TLS trust (nil: system roots).
	HTTPClient *http.Client
	Logger     logr.Logger
	// Tune adjusts each client's config (tests shorten backoff and waits).
	Tune func(*pc.Config)
}

// NewClientFactory returns the factory of real clients.
func NewClientFactory(o ClientOptions) ClientFactory {
	return func(pt *v1alpha1.PartnerTenant) (PartnerCenter, error) {
		cfg := pc.Config{
			TenantID:     pt.Spec.TenantID,
			BaseURL:      pt.Spec.Endpoint,
			AuthorityURL: pt.Spec.Authority,
			Credentials: pc.NewSecretCredentialStore(o.Kube, types.NamespacedName{
				Namespace: o.CredentialsNamespace, Name: pt.Spec.CredentialsSecretRef.Name}),
			HTTPClient: o.HTTPClient,
			Logger:     o.Logger.WithValues("PartnerTenant", pt.Name),
			Observer:   metrics.Observer{PartnerTenant: pt.Name},
		}
		var rl v1alpha1.RateLimit
		if pt.Spec.RateLimit != nil {
			rl = *pt.Spec.RateLimit
		}
		cfg.QPS, cfg.Burst = clientRateLimit(rl)
		if share, err := strconv.ParseFloat(rl.PollShare, 64); err == nil {
			cfg.PollShare = share
		}
		if o.Tune != nil {
			o.Tune(&cfg)
		}
		cl, err := pc.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("configuring the Partner Center client: %w", err)
		}
		return cl, nil
	}
}

// specHash identifies a value by its JSON form (stable across pointers and restarts).
func specHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = fmt.Appendf(nil, "%v", v)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// clientRateLimit turns a PartnerTenant's rate limit (Partner Center's limit for the tenant) into
// the client's token bucket: the same sustained rate, but at most half the burst at once. Requests
// released together reach Partner Center spread out by connection set-up and scheduling, while
// the client's bucket keeps refilling; a client bucket as deep as the server's then overruns it by
// a few requests (measured by make bench: 2-3 429s with equal buckets, none with half the burst,
// for 1.5% of the time).
//
// An omitted rateLimit, or an omitted qps or burst, is the CRD's default (10), so that leaving
// rateLimit out behaves exactly as an explicit {qps: 10, burst: 10}.
func clientRateLimit(rl v1alpha1.RateLimit) (qps float64, burst int) {
	const crdDefault = 10 // +kubebuilder:default=10 of RateLimit.QPS and RateLimit.Burst
	if rl.QPS <= 0 {
		rl.QPS = crdDefault
	}
	if rl.Burst <= 0 {
		rl.Burst = crdDefault
	}
	return float64(rl.QPS), max(1, int(rl.Burst)/2)
}
