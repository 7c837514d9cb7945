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

package partnercenter

import (
	"testing"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestRateLimitOfLeavesHeadroom(t *testing.T) {
	for _, c := range []struct {
		in    *v1alpha1.RateLimit
		qps   float64
		burst int
	}{
		{&v1alpha1.RateLimit{QPS: 100, Burst: 100}, 100, 50},
		{&v1alpha1.RateLimit{QPS: 10, Burst: 10}, 10, 5},
		{&v1alpha1.RateLimit{QPS: 1, Burst: 1}, 1, 1},
		{&v1alpha1.RateLimit{QPS: 40}, 40, 5},
		{nil, 10, 5},
	} {
		qps, burst := RateLimitOf(c.in)
		if qps != c.qps || burst != c.burst {
			t.Errorf("RateLimitOf(%+v) = %v, %d; want %v, %d", c.in, qps, burst, c.qps, c.burst)
		}
	}
}

// TestConfigForPartnerTenant: the PartnerTenant's tenant, endpoints, rate limit and poll share.
func TestConfigForPartnerTenant(t *testing.T) {
	pt := &v1alpha1.PartnerTenant{Spec: v1alpha1.PartnerTenantSpec{
		TenantID: "f3000000-0000-4000-8000-000000000001", Endpoint: "https://pc.example", Authority: "https://login.example",
		CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-creds"},
		RateLimit:            &v1alpha1.RateLimit{QPS: 20, Burst: 30, PollShare: "0.25"},
	}}
	cfg := ConfigFor(pt, nil, "mca-operator-system", nil)
	if cfg.TenantID != pt.Spec.TenantID || cfg.BaseURL != "https://pc.example" || cfg.AuthorityURL != "https://login.example" ||
		cfg.QPS != 20 || cfg.Burst != 15 || cfg.PollShare != 0.25 || cfg.Credentials == nil {
		t.Errorf("ConfigFor = %+v", cfg)
	}
	pt.Spec.RateLimit = nil
	if cfg := ConfigFor(pt, nil, "mca-operator-system", nil); cfg.QPS != 10 || cfg.Burst != 5 || cfg.PollShare != 0 {
		t.Errorf("without a rate limit: QPS %v, Burst %d, PollShare %v; want the CRD's defaults (10, 5) and the client's poll share", cfg.QPS, cfg.Burst, cfg.PollShare)
	}
}
