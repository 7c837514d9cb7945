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
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
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

// A sender address admitted before the CRD refused it (or with the rule bypassed) makes
// LinkDeliveryReady False, naming the field, instead of True while no email can be sent.
func TestLinkDeliveryReadyChecksTheSenderAddresses(t *testing.T) {
	for name, c := range map[string]struct {
		from, replyTo string
		want          string
	}{
		"valid":                  {"mca@contoso.example", "", "True/" + v1alpha1.ReasonTemplatesLoaded},
		"display name, quoted":   {`"Contoso, Inc." <mca@contoso.example>`, "", "True/" + v1alpha1.ReasonTemplatesLoaded},
		"display name, unquoted": {"Contoso, Inc. <mca@contoso.example>", "", "False/" + v1alpha1.ReasonSenderAddressInvalid},
		"bracket":                {"x@y>", "", "False/" + v1alpha1.ReasonSenderAddressInvalid},
		"reply-to":               {"mca@contoso.example", "<x@y", "False/" + v1alpha1.ReasonSenderAddressInvalid},
	} {
		pt := &v1alpha1.PartnerTenant{Spec: v1alpha1.PartnerTenantSpec{LinkDelivery: &v1alpha1.LinkDelivery{
			Email: &v1alpha1.EmailDelivery{From: c.from, ReplyTo: c.replyTo}}}}
		(&PartnerTenantReconciler{}).checkLinkDelivery(context.Background(), pt)
		got := meta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady)
		if got == nil || string(got.Status)+"/"+got.Reason != c.want {
			t.Errorf("%s: LinkDeliveryReady = %+v, want %s", name, got, c.want)
		}
	}
}
