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
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
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
	if namespaceAllowed(s.pt.Spec.AllowedNamespaces, nsLabels) {
		return nil
	}
	return stalled(v1alpha1.ReasonNamespaceNotAllowed, notAllowedMessage(s.pt, s.ca.Namespace))
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

// namespaceAllowed applies a PartnerTenant's allowedNamespaces to a namespace's labels. Absent
// allows none; an invalid selector allows none.
func namespaceAllowed(an *v1alpha1.AllowedNamespaces, nsLabels map[string]string) bool {
	if an == nil {
		return false
	}
	switch an.From {
	case v1alpha1.NamespacesFromAll:
		return true
	case v1alpha1.NamespacesFromSelector:
		if an.Selector == nil {
			return false
		}
		sel, err := metav1.LabelSelectorAsSelector(an.Selector)
		if err != nil {
			return false
		}
		return sel.Matches(labels.Set(nsLabels))
	default:
		return false
	}
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

// claim lets only the owner of the customer act: of the CustomerAgreements naming the same
// customer under the same partner tenant id (in namespaces their PartnerTenants allow), the
// oldest. Every other one makes no Partner Center call.
func (s *scope) claim(ctx context.Context) *outcome {
	owner, err := customerOwner(ctx, s.r.Client, s.ca, s.pt.Spec.TenantID)
	if err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Checking the other CustomerAgreements of this customer failed: "+err.Error(), err)
	}
	if owner == claimantOf(s.ca) {
		return nil
	}
	return stalled(v1alpha1.ReasonCustomerClaimed, fmt.Sprintf(
		"CustomerAgreement %s/%s, created earlier, already manages customer %s for partner tenant %s; this one makes no write to Partner Center. Delete this duplicate, or delete that one to hand the customer over.",
		owner.namespace, owner.name, s.ca.Spec.CustomerTenantID, s.pt.Spec.TenantID))
}

// customerOwner returns the claim that owns ca's customer under partnerTenantID (the link
// delivery controller asks too: only the owner's link is delivered).
func customerOwner(ctx context.Context, c client.Reader, ca *v1alpha1.CustomerAgreement, partnerTenantID string) (claimant, error) {
	var list v1alpha1.CustomerAgreementList
	if err := c.List(ctx, &list, client.MatchingFields{customerTenantIDField: norm(ca.Spec.CustomerTenantID)}); err != nil {
		return claimant{}, err
	}
	claimants := []claimant{claimantOf(ca)}
	for i := range list.Items {
		rival := &list.Items[i]
		if rival.Namespace == ca.Namespace && rival.Name == ca.Name {
			continue
		}
		ok, err := claims(ctx, c, rival, partnerTenantID)
		if err != nil {
			return claimant{}, err
		}
		if ok {
			claimants = append(claimants, claimantOf(rival))
		}
	}
	return claimOwner(claimants), nil
}

// claims reports whether c is a rival claim: alive, under a PartnerTenant of the same partner
// tenant id, in a namespace that PartnerTenant allows.
func claims(ctx context.Context, r client.Reader, c *v1alpha1.CustomerAgreement, partnerTenantID string) (bool, error) {
	if !c.DeletionTimestamp.IsZero() {
		return false, nil
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := r.Get(ctx, types.NamespacedName{Name: c.Spec.PartnerTenantRef.Name}, pt); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	if !strings.EqualFold(pt.Spec.TenantID, partnerTenantID) {
		return false, nil
	}
	nsLabels, err := namespaceLabels(ctx, r, c.Namespace)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return namespaceAllowed(pt.Spec.AllowedNamespaces, nsLabels), nil
}

type claimant struct {
	created         time.Time
	namespace, name string
}

func claimantOf(ca *v1alpha1.CustomerAgreement) claimant {
	return claimant{created: ca.CreationTimestamp.Time, namespace: ca.Namespace, name: ca.Name}
}

// claimOwner picks the owner of a customer: the oldest claim, then by namespace and name.
func claimOwner(cs []claimant) claimant {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if !a.created.Equal(b.created) {
			return a.created.Before(b.created)
		}
		if a.namespace != b.namespace {
			return a.namespace < b.namespace
		}
		return a.name < b.name
	})
	return cs[0]
}
