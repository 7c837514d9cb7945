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
	"sync"
	"time"

	"github.com/go-logr/logr"
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
		cfg := pc.ConfigFor(pt, o.Kube, o.CredentialsNamespace, o.HTTPClient)
		cfg.Logger = o.Logger.WithValues("PartnerTenant", pt.Name)
		cfg.Observer = metrics.Observer{PartnerTenant: pt.Name}
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
