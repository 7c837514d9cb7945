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

package mca

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Coverage compares a partner's customers in Partner Center with the CustomerAgreements that
// manage them. A customer counts when Partner Center lists it with a reseller relationship (the
// customers whose agreement the partner attests); it is managed when a CustomerAgreement names it
// under a PartnerTenant of the same partner tenant id, in a namespace that PartnerTenant allows:
// one that may act for the customer (a CustomerAgreement in a namespace it does not allow writes
// nothing, so the customer is unmanaged). It keeps the counts and the first
// v1alpha1.MaxUnmanagedIDs unmanaged ids, never the whole list.
type Coverage struct {
	Total, Managed, Unmanaged int32
	UnmanagedIDs              []string
}

// Count adds one listed customer: its tenant id, whether the partner resells to it, and whether a
// CustomerAgreement manages it (asked only of the customers that count).
func (c *Coverage) Count(tenantID string, reseller bool, managed func() bool) {
	if !reseller {
		return
	}
	c.Total++
	if managed() {
		c.Managed++
		return
	}
	c.Unmanaged++
	if len(c.UnmanagedIDs) < v1alpha1.MaxUnmanagedIDs {
		c.UnmanagedIDs = append(c.UnmanagedIDs, tenantID)
	}
}

// Status is the PartnerTenant's status.customers for a list complete at checkedAt.
func (c *Coverage) Status(checkedAt time.Time) *v1alpha1.CustomerCoverage {
	return &v1alpha1.CustomerCoverage{
		Total: c.Total, Managed: c.Managed, Unmanaged: c.Unmanaged,
		UnmanagedIDs: append([]string(nil), c.UnmanagedIDs...), CheckedAt: metav1.NewTime(checkedAt),
	}
}

// CoverageDue says whether the customers list is to be read again now, at most once every
// interval after the last complete one (checkedAt; none: now), and otherwise how long until it is.
func CoverageDue(last *v1alpha1.CustomerCoverage, now time.Time, interval time.Duration) (bool, time.Duration) {
	if last == nil || last.CheckedAt.IsZero() {
		return true, 0
	}
	next := last.CheckedAt.Add(interval)
	if !now.Before(next) {
		return true, 0
	}
	return false, next.Sub(now)
}

// NamespaceAllowed applies a PartnerTenant's allowedNamespaces to a namespace's labels. Absent
// allows none; an invalid selector allows none.
func NamespaceAllowed(an *v1alpha1.AllowedNamespaces, nsLabels map[string]string) bool {
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
