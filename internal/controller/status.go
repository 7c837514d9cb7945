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
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// failure is a Partner Center error, translated for a person and for the requeue decision.
type failure struct {
	Reason  string
	Message string
	// Stalled: nothing changes until a person acts (kstatus Failed).
	Stalled bool
	// Credentials: the partner tenant's credentials are at fault, not this customer.
	Credentials bool
	// RetryAfter: Partner Center asked to wait (429).
	RetryAfter time.Duration
}

// classify translates an error of the Partner Center client. Messages hold no secrets: the
// client's error texts are redacted, and nothing else is added here but names and codes.
func classify(err error) failure {
	var pe *pc.Error
	msg := err.Error()
	if errors.As(err, &pe) && pe.Message != "" {
		msg = pe.Message
	}
	switch pc.KindOf(err) {
	case pc.KindThrottled:
		d, _ := pc.RetryAfter(err)
		return failure{Reason: v1alpha1.ReasonThrottled, RetryAfter: max(d, time.Second), Message: fmt.Sprintf(
			"Partner Center is throttling this partner tenant (429); retrying after %s. If this persists, lower spec.rateLimit.qps of the PartnerTenant.", max(d, time.Second).Round(time.Second))}
	case pc.KindCredentials:
		return failure{Reason: v1alpha1.ReasonCredentialsMissing, Stalled: true, Credentials: true, Message: msg +
			". Create the Secret in the operator's credentials namespace with the keys clientId, clientSecret and refreshToken."}
	case pc.KindInvalidGrant:
		return failure{Reason: v1alpha1.ReasonInvalidGrant, Stalled: true, Credentials: true, Message: "The refresh token was refused (invalid_grant: expired or revoked). Sign in again with MFA as the App+User account and put the new refresh token into the key refreshToken of the credentials Secret."}
	case pc.KindMFARequired:
		return failure{Reason: v1alpha1.ReasonMFARequired, Stalled: true, Credentials: true, Message: "Partner Center requires multi-factor authentication (900421): obtain the refresh token from an MFA sign-in of the App+User account and put it into the key refreshToken of the credentials Secret."}
	case pc.KindUnauthorized:
		return failure{Reason: v1alpha1.ReasonUnauthorized, Stalled: true, Credentials: true, Message: "Partner Center refused the credentials (401): " + msg + ". Check clientId and clientSecret, and that the application is consented in the partner tenant."}
	case pc.KindRedirected:
		return failure{Reason: v1alpha1.ReasonRedirectRefused, Stalled: true, Credentials: true, Message: "Partner Center or the token endpoint answered with a redirect, which the operator never follows (tokens and secrets go only to the PartnerTenant's spec.endpoint and spec.authority): " + msg + ". Check those URLs."}
	case pc.KindCustomerNotFound:
		return failure{Reason: v1alpha1.ReasonCustomerNotFound, Stalled: true, Message: "Partner Center does not know this customer tenant under this partner (404). Check spec.customerTenantId and spec.partnerTenantRef."}
	case pc.KindNoRelationship:
		return failure{Reason: v1alpha1.ReasonNoRelationship, Stalled: true, Message: "The partner has no reseller relationship with this customer (403, code 20002). Establish the relationship in Partner Center, or point spec.partnerTenantRef at the partner tenant that holds it."}
	case pc.KindBadRequest, pc.KindForbidden, pc.KindNotFound, pc.KindAgreementRequired:
		return failure{Reason: v1alpha1.ReasonRequestRejected, Stalled: true, Message: "Partner Center refused the request: " + msg + ". Correct the spec; the operator retries when it changes."}
	default:
		return failure{Reason: v1alpha1.ReasonPartnerCenterError, Message: "Partner Center could not be reached or failed: " + msg + ". Retrying with backoff."}
	}
}

// setCondition sets a condition; meta.SetStatusCondition keeps lastTransitionTime while the
// status does not change, so an unchanged condition causes no write.
func setCondition(conds *[]metav1.Condition, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message})
}

// jitter spreads periodic work: d plus up to 10%.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1)) //nolint:gosec // G404: jitter, not a secret
}
