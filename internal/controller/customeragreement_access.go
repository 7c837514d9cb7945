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
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file decides whether a CustomerAgreement may act at all, before any Partner Center call:
// its PartnerTenant exists and is ready, its namespace is one the PartnerTenant allows, and it is
// the one CustomerAgreement that owns its customer.

// partnerTenant loads the referenced PartnerTenant; without a ready one the customer waits (the
// PartnerTenant watch brings it back when that changes).
func (s *scope) partnerTenant(ctx context.Context) *outcome {
	pt := &v1alpha1.PartnerTenant{}
	name := s.ca.Spec.PartnerTenantRef.Name
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: name}, pt); err != nil {
		if apierrors.IsNotFound(err) {
			return waitingFor(v1alpha1.ReasonPartnerTenantNotFound, fmt.Sprintf("PartnerTenant %q does not exist. Create it, or correct spec.partnerTenantRef.name.", name))
		}
		return transient(v1alpha1.ReasonPartnerCenterError, "Reading the PartnerTenant failed: "+err.Error(), err)
	}
	s.pt = pt
	if o := s.authorize(ctx); o != nil {
		return o
	}
	ready := meta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		msg := fmt.Sprintf("PartnerTenant %q is not ready yet.", name)
		if ready != nil {
			msg = fmt.Sprintf("PartnerTenant %q is not ready (%s): %s", name, ready.Reason, ready.Message)
		}
		return waitingFor(v1alpha1.ReasonPartnerTenantNotReady, msg)
	}
	return nil
}

// authorize refuses a namespace the PartnerTenant does not allow. Nothing of Partner Center is
// read for such an object: not even whether the customer exists.
func (s *scope) authorize(ctx context.Context) *outcome {
	nsLabels, err := namespaceLabels(ctx, s.r.Client, s.ca.Namespace)
	if err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Reading the namespace failed: "+err.Error(), err)
	}
	if mca.NamespaceAllowed(s.pt.Spec.AllowedNamespaces, nsLabels) {
		return nil
	}
	return stalled(v1alpha1.ReasonNamespaceNotAllowed, notAllowedMessage(s.pt, s.ca.Namespace))
}

// errWithheld ends a write that its last check stopped (checkedJustBefore).
var errWithheld = errors.New("the write to Partner Center was withheld by its last check")

// checkedJustBefore has the client run mayWriteNow just before the write is sent, after its wait in
// the tenant's rate limiter; the outcome of a check that stops the write lands in *held.
func (s *scope) checkedJustBefore(held **outcome) pc.CallOption {
	return pc.BeforeSend(func(ctx context.Context) error {
		if o := s.mayWriteNow(ctx); o != nil {
			*held = o
			return errWithheld
		}
		return nil
	})
}

// mayWriteNow checks again, against the API server, just before a write to Partner Center, that
// the namespace is admitted and this object owns its customer: a label removed while the reconcile
// waited (on the tenant's rate limiter, say), or a rival the cache did not show yet, stops the
// write.
func (s *scope) mayWriteNow(ctx context.Context) *outcome {
	if !s.r.Tenants.Held(s.pt.Name) {
		// The PartnerTenant's Lease was lost while the reconcile waited: its new holder acts.
		return &outcome{kind: kindUnchanged, retryAfter: TenantLeaseDuration}
	}
	reader := s.r.APIReader
	if reader == nil {
		reader = s.r.Client
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := reader.Get(ctx, types.NamespacedName{Name: s.pt.Name}, pt); err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Reading the PartnerTenant failed: "+err.Error(), err)
	}
	nsLabels, err := namespaceLabels(ctx, reader, s.ca.Namespace)
	if err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Reading the namespace failed: "+err.Error(), err)
	}
	if !mca.NamespaceAllowed(pt.Spec.AllowedNamespaces, nsLabels) {
		return stalled(v1alpha1.ReasonNamespaceNotAllowed, notAllowedMessage(pt, s.ca.Namespace))
	}
	if time.Since(s.ca.CreationTimestamp.Time) > cacheLagBound && s.r.rivalsCached(ctx, pt) {
		// Any rival that could own the customer was created no later than this object, long
		// enough ago to be in the cache the claim was decided from.
		return nil
	}
	owner, o := s.claimNow(ctx, reader)
	if o != nil || owner == "" {
		return o
	}
	return s.yield(ctx, owner)
}

// cacheLagBound is how long an object may take to reach the cache, generously.
const cacheLagBound = time.Minute

// rivalsCached reports whether this manager's cache holds every CustomerAgreement that may claim
// pt's customers: a shard's cache holds only its PartnerTenants' objects, so when a PartnerTenant
// of another shard shares pt's partner tenant id, each write asks the API server (claimNow).
func (r *CustomerAgreementReconciler) rivalsCached(ctx context.Context, pt *v1alpha1.PartnerTenant) bool {
	if !r.Tenants.Sharded() {
		return true
	}
	var list v1alpha1.PartnerTenantList
	if err := r.Client.List(ctx, &list); err != nil {
		return false
	}
	for i := range list.Items {
		if o := &list.Items[i]; strings.EqualFold(o.Spec.TenantID, pt.Spec.TenantID) && !r.Tenants.Serves(o.Name) {
			return false
		}
	}
	return true
}

// claimedMessage says which object owns the customer, naming it only when it lives in this
// object's namespace: those who read this one may not see another team's namespace.
func (s *scope) claimedMessage(owner string) string {
	if ns, name, _ := strings.Cut(owner, "/"); ns == s.ca.Namespace {
		return fmt.Sprintf(
			"CustomerAgreement %s of this namespace, created earlier, already manages customer %s for partner tenant %s; this one makes no write to Partner Center. Delete this duplicate, or delete that one to hand the customer over.",
			name, s.ca.Spec.CustomerTenantID, s.pt.Spec.TenantID)
	}
	return fmt.Sprintf(
		"Another CustomerAgreement, in another namespace, already manages customer %s for partner tenant %s; this one makes no write to Partner Center. Delete this duplicate, or ask the administrator of PartnerTenant %q to hand the customer over.",
		s.ca.Spec.CustomerTenantID, s.pt.Spec.TenantID, s.pt.Name)
}

// yield leaves the customer to its owner: this object writes nothing to Partner Center, and the
// link of an attestation it started is taken back (its Secret deleted, linkSecretRef cleared), so
// that only the owner's link reaches the signatory.
func (s *scope) yield(ctx context.Context, owner string) *outcome {
	return s.withoutLink(ctx, s.act(ctx, s.r.Policy.Decide(mca.Situation{ClaimedBy: owner, Now: s.now}), observation{claimedBy: owner}))
}

func notAllowedMessage(pt *v1alpha1.PartnerTenant, ns string) string {
	an := pt.Spec.AllowedNamespaces
	switch {
	case an == nil:
		return fmt.Sprintf("PartnerTenant %q allows no namespace (spec.allowedNamespaces is not set), so namespace %q may not act in its name. An administrator of the PartnerTenant sets spec.allowedNamespaces (from: Selector with a label selector, or from: All); nothing was sent to Partner Center.", pt.Name, ns)
	case an.From == v1alpha1.NamespacesFromSelector:
		return fmt.Sprintf("Namespace %q does not match spec.allowedNamespaces.selector of PartnerTenant %q (%s). Label the namespace to match, or widen the selector; nothing was sent to Partner Center.", ns, pt.Name, selectorString(an.Selector))
	default:
		return fmt.Sprintf("PartnerTenant %q does not allow namespace %q; nothing was sent to Partner Center.", pt.Name, ns)
	}
}

func selectorString(ls *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return "invalid selector: " + err.Error()
	}
	return sel.String()
}

// namespaceLabels reads a namespace's labels from the metadata-only cache.
func namespaceLabels(ctx context.Context, c client.Reader, name string) (map[string]string, error) {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := c.Get(ctx, types.NamespacedName{Name: name}, ns); err != nil {
		return nil, err
	}
	return ns.Labels, nil
}

// claim finds the owner of the customer (mca.Owner) in the cache: of the CustomerAgreements
// naming the same customer under the same partner tenant id, in namespaces their PartnerTenants
// allow. It returns the owner's namespace/name when that is another object, which then makes no
// Partner Center call. Just before a write, claimNow asks the API server the same question.
func (s *scope) claim(ctx context.Context) (string, *outcome) {
	var list v1alpha1.CustomerAgreementList
	if err := s.r.Client.List(ctx, &list, client.MatchingFields{customerTenantIDField: norm(s.ca.Spec.CustomerTenantID)}); err != nil {
		return "", transient(v1alpha1.ReasonPartnerCenterError, "Listing the CustomerAgreements of this customer failed: "+err.Error(), err)
	}
	return s.owner(ctx, s.r.Client, list.Items)
}

// claimNow finds the owner of the customer as the API server holds the CustomerAgreements, their
// PartnerTenants and namespaces: two objects created in the same second, each not yet in the
// other's cache, both compute the same owner here before writing.
func (s *scope) claimNow(ctx context.Context, reader client.Reader) (string, *outcome) {
	var list v1alpha1.CustomerAgreementList
	if err := reader.List(ctx, &list, client.MatchingFields{customerTenantIDField: norm(s.ca.Spec.CustomerTenantID)}); err != nil {
		return "", transient(v1alpha1.ReasonPartnerCenterError, "Listing the CustomerAgreements of this customer failed: "+err.Error(), err)
	}
	return s.owner(ctx, reader, list.Items)
}

// owner applies mca.Owner to this object and those of list that claim its customer.
func (s *scope) owner(ctx context.Context, reader client.Reader, list []v1alpha1.CustomerAgreement) (string, *outcome) {
	owner, err := ownerAmong(ctx, reader, s.ca, s.pt.Spec.TenantID, list)
	if err != nil {
		return "", transient(v1alpha1.ReasonPartnerCenterError, "Checking the other CustomerAgreements of this customer failed: "+err.Error(), err)
	}
	if owner.Namespace != s.ca.Namespace || owner.Name != s.ca.Name {
		return owner.Namespace + "/" + owner.Name, nil
	}
	return "", nil
}

// customerOwner finds the owner of ca's customer in the cache (the link delivery controller asks
// too: only the owner's link is delivered).
func customerOwner(ctx context.Context, reader client.Reader, ca *v1alpha1.CustomerAgreement, partnerTenantID string) (mca.Claim, error) {
	var list v1alpha1.CustomerAgreementList
	if err := reader.List(ctx, &list, client.MatchingFields{customerTenantIDField: norm(ca.Spec.CustomerTenantID)}); err != nil {
		return mca.Claim{}, err
	}
	return ownerAmong(ctx, reader, ca, partnerTenantID, list.Items)
}

// ownerAmong applies mca.Owner to ca and those of list that claim its customer.
func ownerAmong(ctx context.Context, reader client.Reader, ca *v1alpha1.CustomerAgreement, partnerTenantID string, list []v1alpha1.CustomerAgreement) (mca.Claim, error) {
	cs := []mca.Claim{claimOf(ca)}
	for i := range list {
		c := &list[i]
		if c.Namespace == ca.Namespace && c.Name == ca.Name {
			continue
		}
		ok, err := claims(ctx, reader, c, partnerTenantID)
		if err != nil {
			return mca.Claim{}, err
		}
		if ok {
			cs = append(cs, claimOf(c))
		}
	}
	return mca.Owner(cs), nil
}

// claims reports whether c is a rival claim: alive, under a PartnerTenant of the same partner
// tenant id, in a namespace that PartnerTenant allows.
func claims(ctx context.Context, reader client.Reader, c *v1alpha1.CustomerAgreement, partnerTenantID string) (bool, error) {
	if !c.DeletionTimestamp.IsZero() {
		return false, nil
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := reader.Get(ctx, types.NamespacedName{Name: c.Spec.PartnerTenantRef.Name}, pt); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	if !strings.EqualFold(pt.Spec.TenantID, partnerTenantID) {
		return false, nil
	}
	nsLabels, err := namespaceLabels(ctx, reader, c.Namespace)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return mca.NamespaceAllowed(pt.Spec.AllowedNamespaces, nsLabels), nil
}

func claimOf(ca *v1alpha1.CustomerAgreement) mca.Claim {
	st := &ca.Status
	acted := st.Attestation != nil || len(st.EarlierAttestations) > 0 || st.CreatedAgreement != nil
	return mca.Claim{Created: ca.CreationTimestamp.Time, Namespace: ca.Namespace, Name: ca.Name, Acted: acted}
}
