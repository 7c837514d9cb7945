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

	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// TestPartnerTenantReconcileNowAnnotation: annotating a PartnerTenant asks for a reconcile, as it
// does for a CustomerAgreement; a spec change does too; the operator's own status write does not.
func TestPartnerTenantReconcileNowAnnotation(t *testing.T) {
	base := &v1alpha1.PartnerTenant{}
	base.Name = "prod"
	base.Generation = 1
	base.Annotations = map[string]string{"team": "billing"}

	annotated := base.DeepCopy()
	annotated.Annotations["partnercenter.mca.dev/reconcile-requested-at"] = "2026-11-23T10:00:00Z"
	specChanged := base.DeepCopy()
	specChanged.Generation = 2
	statusOnly := base.DeepCopy()
	statusOnly.Status.ObservedGeneration = 1

	p := partnerTenantEvents()
	for name, c := range map[string]struct {
		newObj *v1alpha1.PartnerTenant
		want   bool
	}{
		"reconcile-now annotation": {annotated, true},
		"spec change":              {specChanged, true},
		"status write":             {statusOnly, false},
	} {
		if got := p.Update(event.UpdateEvent{ObjectOld: base, ObjectNew: c.newObj}); got != c.want {
			t.Errorf("%s: reconcile %v, want %v", name, got, c.want)
		}
	}
}
