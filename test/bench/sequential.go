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
	"fmt"
	"time"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"

	"github.com/google/uuid"

	"github.com/mca-operator/mca-operator/internal/mca"
)

// Sequential is the partner's script: one customer at a time with the same client.
type Sequential struct {
	Customers int       `json:"customers"`
	Seconds   float64   `json:"seconds"`
	Calls     CallStats `json:"calls"`
	Throttled int       `json:"throttled"`
	// Ratio = sequential seconds / onboarding seconds.
	Ratio float64 `json:"ratio"`
}

func sequential(ctx context.Context, o options) (*Sequential, []float64, error) {
	cs := customers(o.customers, kindOf)
	sim := newSim(o, cs) // fresh state, same seed
	url, err := sim.StartTLS("")
	if err != nil {
		return nil, nil, err
	}
	defer sim.Close()
	cl, err := pc.New(pc.Config{
		TenantID: partnerTenantID, BaseURL: url, AuthorityURL: url,
		Credentials: pc.NewStaticCredentialStore(pc.Credentials{ClientID: partnerClientID, ClientSecret: partnerClientSecret, RefreshToken: partnerRefreshToken}),
		HTTPClient:  sim.HTTPClient(),
		QPS:         float64(o.ptQPS), Burst: o.ptBurst,
	})
	if err != nil {
		return nil, nil, err
	}
	logf("sequential: %d customers, one at a time", len(cs))
	start := time.Now()
	md, err := cl.GetAgreementMetadata(ctx)
	if err != nil {
		return nil, nil, err
	}
	times := make([]float64, 0, len(cs))
	for i, c := range cs {
		if err := scriptOne(ctx, cl, md.TemplateID, c); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		times = append(times, time.Since(start).Seconds())
		if (i+1)%250 == 0 {
			logf("sequential: %d/%d done, %.0fs", i+1, len(cs), time.Since(start).Seconds())
		}
	}
	res := &Sequential{Customers: len(cs), Seconds: round(times[len(times)-1], 2)}
	res.Calls = callStats(sim.Requests(), len(cs))
	res.Throttled = res.Calls.Throttled
	return res, times, nil
}

// scriptOne is what a partner's script does for one customer: list the agreements; if none is
// current, ask whether the customer accepted directly; if not, confirm the acceptance.
func scriptOne(ctx context.Context, cl *pc.Client, templateID string, c customer) error {
	recs, err := cl.ListCustomerAgreements(ctx, c.tenantID)
	if err != nil {
		return err
	}
	for _, a := range recs {
		if benchPolicy.Current(mca.Record{DateAgreed: a.DateAgreed}) {
			return nil
		}
	}
	signed, err := cl.GetDirectSignedStatus(ctx, c.tenantID)
	if err != nil || signed {
		return err
	}
	_, err = cl.CreateLegacyAgreement(ctx, c.tenantID, pc.Contact{FirstName: signatory.FirstName, LastName: signatory.LastName, Email: signatory.Email, PhoneNumber: signatory.PhoneNumber},
		templateID, confirmedOn, pc.WithRequestID(uuid.NewString()))
	return err
}
