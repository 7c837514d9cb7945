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
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// kind is a customer's starting situation.
type kind int

const (
	kindNoMCA    kind = iota // no agreement: LegacyConfirmation creates one (list, direct status, create)
	kindAttested             // a current attestation: nothing to do (list)
	kindLegacy               // only a 2022 attestation: LegacyConfirmation with a new date (list, direct status, create)
)

func (k kind) String() string {
	return [...]string{"NoMCA", "Attested", "Legacy"}[k]
}

// minimalCalls is what the job needs for the customer: the reads that decide, plus a create.
func (k kind) minimalCalls() int {
	if k == kindAttested {
		return 1
	}
	return 3
}

// kindOf spreads the mix evenly over the list: of every ten customers 5 NoMCA, 3 attested, 2 legacy.
func kindOf(i int) kind {
	switch r := i % 10; {
	case r < 5:
		return kindNoMCA
	case r < 8:
		return kindAttested
	default:
		return kindLegacy
	}
}

type customer struct {
	name, tenantID string
	kind           kind
	// shard is the index of the customer's partner tenant (benchTenant): 0 but in the scale
	// phase's run with several shards.
	shard int
}

var (
	signatory      = pcsim.SeedContact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example", PhoneNumber: "4255550100"}
	currentDate    = "2024-01-10T00:00:00"
	legacyDate     = "2022-06-14T00:00:00"
	confirmedOn    = time.Date(2024, time.May, 2, 0, 0, 0, 0, time.UTC) // LegacyConfirmation's dateAgreed (after 2023-04-01)
	benchPolicy    = mca.DefaultPolicy()
	benchSignatory = &v1alpha1.Signatory{FirstName: signatory.FirstName, LastName: signatory.LastName, Email: signatory.Email, PhoneNumber: signatory.PhoneNumber}
)

func customers(n int, mix func(int) kind) []customer {
	out := make([]customer, n)
	for i := range out {
		out[i] = customer{name: fmt.Sprintf("customer-%05d", i), tenantID: fmt.Sprintf("b0000000-0000-4000-8000-%012d", i), kind: mix(i)}
	}
	return out
}

// seedPartner is the partner tenant in the simulator, with the application's credentials and no
// customers yet.
func seedPartner(t partnerTenant) pcsim.SeedPartner {
	return pcsim.SeedPartner{TenantID: t.tenantID, Type: pcsim.PartnerIndirectProvider, ClientID: partnerClientID, ClientSecret: partnerClientSecret, RefreshToken: partnerRefreshToken}
}

// seedFor seeds the simulator with the customers, each under its shard's partner tenant.
func seedFor(cs []customer) *pcsim.Seed {
	seed := &pcsim.Seed{Partners: []pcsim.SeedPartner{seedPartner(benchTenant(0))}}
	for _, c := range cs {
		sc := pcsim.SeedCustomer{TenantID: c.tenantID, CompanyName: "Customer " + c.name}
		switch c.kind {
		case kindAttested:
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: currentDate, PrimaryContact: signatory}}
		case kindLegacy:
			sc.Agreements = []pcsim.SeedAgreement{{DateAgreed: legacyDate, PrimaryContact: signatory}}
		}
		for len(seed.Partners) <= c.shard {
			seed.Partners = append(seed.Partners, seedPartner(benchTenant(len(seed.Partners))))
		}
		seed.Partners[c.shard].Customers = append(seed.Partners[c.shard].Customers, sc)
	}
	return seed
}

func agreementsFor(cs []customer) []*v1alpha1.CustomerAgreement {
	out := make([]*v1alpha1.CustomerAgreement, len(cs))
	for i, c := range cs {
		ca := &v1alpha1.CustomerAgreement{
			ObjectMeta: metav1.ObjectMeta{Namespace: customerNamespace, Name: c.name},
			Spec: v1alpha1.CustomerAgreementSpec{
				PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: benchTenant(c.shard).name},
				CustomerTenantID: c.tenantID,
				CompanyName:      "Customer " + c.name,
				Signatory:        benchSignatory.DeepCopy(),
			},
		}
		if c.kind != kindAttested {
			d := metav1.NewTime(confirmedOn)
			ca.Spec.Method, ca.Spec.DateAgreed = v1alpha1.MethodLegacyConfirmation, &d
		}
		out[i] = ca
	}
	return out
}

// newSim is a simulator (not started yet) holding the customers, at the options' latency and rate.
func newSim(o options, cs []customer) *pcsim.Server {
	return pcsim.New(seedFor(cs), pcsim.Options{Latency: o.latency, RateLimitQPS: float64(o.rate), RateLimitBurst: o.burst})
}
