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

package operator

import (
	"unique"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// trimForCache is what the informers keep of every object, measured by make bench's scale phase
// (100,000 CustomerAgreements as GitOps applies them). The operator reads neither managedFields
// nor the last-applied annotation of kubectl's client-side apply (Argo CD's default), which holds
// the whole manifest again: both are dropped. Of a CustomerAgreement's labels and annotations the
// cache keeps only the annotations the operator reads from it (cachedAnnotations): a GitOps tool's
// tracking, a team's own, the requester's (which an AttestationRecord reads from the API server),
// the shard label (read from the API server too) cost each of 100,000 objects its own small maps,
// some 300 bytes each, for nothing. Nothing the operator writes
// is computed from what is dropped: it writes status as a merge patch of status alone, and labels
// as a merge patch of its one label. The strings that repeat from one CustomerAgreement to the next
// (condition types, reasons and messages, states, the namespace) are interned, so that 100,000
// objects share one copy of each.
func trimForCache(in any) (any, error) {
	obj, err := meta.Accessor(in)
	if err != nil {
		return in, nil // not an object (a tombstone): nothing to trim
	}
	// Checked first: setting nil managedFields on an object that has none is not a no-op for
	// every type.
	if obj.GetManagedFields() != nil {
		obj.SetManagedFields(nil)
	}
	if a := obj.GetAnnotations(); a != nil {
		if _, ok := a[corev1.LastAppliedConfigAnnotation]; ok {
			delete(a, corev1.LastAppliedConfigAnnotation)
			if len(a) == 0 {
				obj.SetAnnotations(nil)
			}
		}
	}
	if ca, ok := in.(*v1alpha1.CustomerAgreement); ok {
		internCustomerAgreement(ca)
	}
	return in, nil
}

// intern returns the canonical copy of s. The unique package keeps it only while some handle
// is alive, so that interning holds no memory of its own: a string that outlives its handle is
// interned anew, at worst once per garbage collection.
func intern[S ~string](s S) S {
	if s == "" {
		return s
	}
	return S(unique.Make(string(s)).Value())
}

// cachedAnnotations are the annotations of a CustomerAgreement that the operator reads from the
// cache: pause and reconcile-now. It reads no label of one from the cache: the shard label is
// selected and relabelled through the API server (shard.go, tenantlease.go).
var cachedAnnotations = []string{v1alpha1.AnnotationPaused, v1alpha1.AnnotationReconcileRequestedAt}

// keepOnly is m with only the keys given (nil if none), each key the constant itself and each
// value interned.
func keepOnly(m map[string]string, keys []string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			if out == nil {
				out = make(map[string]string, len(keys))
			}
			out[k] = intern(v)
		}
	}
	return out
}

// internCustomerAgreement keeps the annotations the operator reads and no label, interns the
// strings of a CustomerAgreement that are few across all of them, and lets the signatory on
// record share the spec's strings where they are equal (the usual case).
func internCustomerAgreement(ca *v1alpha1.CustomerAgreement) {
	ca.Labels = nil
	ca.Annotations = keepOnly(ca.Annotations, cachedAnnotations)
	ca.Namespace = intern(ca.Namespace)
	if on, want := ca.Status.Signatory, ca.Spec.Signatory; on != nil && want != nil {
		on.FirstName = same(on.FirstName, want.FirstName)
		on.LastName = same(on.LastName, want.LastName)
		on.Email = same(on.Email, want.Email)
		on.PhoneNumber = same(on.PhoneNumber, want.PhoneNumber)
	}
	sp := &ca.Spec
	sp.PartnerTenantRef.Name = intern(sp.PartnerTenantRef.Name)
	sp.Method, sp.ManagementPolicy = intern(sp.Method), intern(sp.ManagementPolicy)
	sp.Country, sp.Language = intern(sp.Country), intern(sp.Language)
	st := &ca.Status
	st.State, st.AcceptedBy, st.TemplateID = intern(st.State), intern(st.AcceptedBy), intern(st.TemplateID)
	if a := st.Attestation; a != nil {
		a.Status, a.Intent = intern(a.Status), intern(a.Intent)
	}
	if cr := st.CreatedAgreement; cr != nil {
		cr.Method = intern(cr.Method)
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
		c.Status = intern(c.Status)
	}
}

// same is b if it equals a (so that a's copy can be collected), else a.
func same(a, b string) string {
	if a == b {
		return b
	}
	return a
}
