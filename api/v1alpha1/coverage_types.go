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

package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// MaxUnmanagedIDs is how many unmanaged customers a PartnerTenant's status names; kubectl mca
// status --unmanaged lists them all.
const MaxUnmanagedIDs = 10

// CustomerCoverage compares the partner's customers in Partner Center with the CustomerAgreements
// that manage them: a customer with a reseller relationship is managed when a CustomerAgreement
// names it under a PartnerTenant of the same partner tenant id, in a namespace that PartnerTenant
// allows (the CustomerAgreements that could act for it).
type CustomerCoverage struct {
	// total is the number of customers with a reseller relationship Partner Center listed.
	Total int32 `json:"total"`
	// managed is how many of them a CustomerAgreement manages.
	Managed int32 `json:"managed"`
	// unmanaged is how many of them no CustomerAgreement manages.
	Unmanaged int32 `json:"unmanaged"`
	// unmanagedIds are the first unmanaged customers' tenant ids, in the list's order.
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	UnmanagedIDs []string `json:"unmanagedIds,omitempty"`
	// checkedAt is when the list these counts come from was complete.
	CheckedAt metav1.Time `json:"checkedAt"`
}
