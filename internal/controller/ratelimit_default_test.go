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
	"testing"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// TestOmittedRateLimitIsTheDefault: a PartnerTenant without rateLimit gets the same client token
// bucket as one with the documented default {qps: 10, burst: 10}, and so does one that sets only
// qps or only burst (the API server fills the other with 10).
func TestOmittedRateLimitIsTheDefault(t *testing.T) {
	bucket := func(rl *v1alpha1.RateLimit) (float64, int) {
		var got pc.Config
		factory := NewClientFactory(ClientOptions{CredentialsNamespace: "ns", Tune: func(c *pc.Config) { got = *c }})
		pt := &v1alpha1.PartnerTenant{}
		pt.Name = "t"
		pt.Spec.TenantID = "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"
		pt.Spec.CredentialsSecretRef.Name = "creds"
		pt.Spec.RateLimit = rl
		if _, err := factory(pt); err != nil {
			t.Fatal(err)
		}
		return got.QPS, got.Burst
	}
	wantQPS, wantBurst := bucket(&v1alpha1.RateLimit{QPS: 10, Burst: 10})
	for name, rl := range map[string]*v1alpha1.RateLimit{
		"omitted":    nil,
		"empty":      {},
		"only qps":   {QPS: 10},
		"only burst": {Burst: 10},
	} {
		if qps, burst := bucket(rl); qps != wantQPS || burst != wantBurst {
			t.Errorf("rateLimit %s: qps %v burst %d; explicit 10/10 gives qps %v burst %d", name, qps, burst, wantQPS, wantBurst)
		}
	}
}
