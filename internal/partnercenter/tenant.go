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
	"net/http"
	"strconv"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// ConfigFor is the client configuration of a PartnerTenant, the same for the operator and
// kubectl mca: its partner tenant and endpoints, its credentials Secret in credentialsNamespace
// (read through kube, a rotated refresh token written back), hc for TLS trust (nil: system roots)
// and its rate limit (see RateLimitOf). Callers add their logger, observer and waits.
func ConfigFor(pt *v1alpha1.PartnerTenant, kube client.Client, credentialsNamespace string, hc *http.Client) Config {
	cfg := Config{
		TenantID:     pt.Spec.TenantID,
		BaseURL:      pt.Spec.Endpoint,
		AuthorityURL: pt.Spec.Authority,
		Credentials: NewSecretCredentialStore(kube, types.NamespacedName{
			Namespace: credentialsNamespace, Name: pt.Spec.CredentialsSecretRef.Name}),
		HTTPClient: hc,
	}
	cfg.QPS, cfg.Burst = RateLimitOf(pt.Spec.RateLimit)
	if rl := pt.Spec.RateLimit; rl != nil {
		if share, err := strconv.ParseFloat(rl.PollShare, 64); err == nil {
			cfg.PollShare = share
		}
	}
	return cfg
}

// RateLimitOf turns a PartnerTenant's rate limit (Partner Center's limit for the tenant) into the
// client's token bucket: the same sustained rate, but at most half the burst at once. Requests
// released together reach Partner Center spread out by connection set-up and scheduling, while
// the client's bucket keeps refilling; a client bucket as deep as the server's then overruns it by
// a few requests (measured by make bench: 2-3 429s with equal buckets, none with half the burst,
// for 1.5% of the time).
//
// An omitted rateLimit, or an omitted qps or burst, is the CRD's default (10), so that leaving
// rateLimit out behaves exactly as an explicit {qps: 10, burst: 10}.
func RateLimitOf(rl *v1alpha1.RateLimit) (qps float64, burst int) {
	const crdDefault = 10 // +kubebuilder:default=10 of RateLimit.QPS and RateLimit.Burst
	q, b := int32(crdDefault), int32(crdDefault)
	if rl != nil && rl.QPS > 0 {
		q = rl.QPS
	}
	if rl != nil && rl.Burst > 0 {
		b = rl.Burst
	}
	return float64(q), max(1, int(b)/2)
}
