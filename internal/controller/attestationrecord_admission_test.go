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
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/rand"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/metrics"
)

// installShippedPolicies creates the admission policies of config/policies, read from the file
// the project ships.
func installShippedPolicies() {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "policies", "attestationrecord_retention.yaml"))
	Expect(err).NotTo(HaveOccurred())
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return
		}
		Expect(err).NotTo(HaveOccurred())
		if len(obj.Object) == 0 {
			continue
		}
		err = k8sClient.Create(ctx, obj)
		if !apierrors.IsAlreadyExists(err) {
			Expect(err).NotTo(HaveOccurred())
		}
	}
}

func testRecord(retainUntil time.Time) *v1alpha1.AttestationRecord {
	name := "atr-test-" + rand.String(8)
	return &v1alpha1.AttestationRecord{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1alpha1.LabelRecordRequestID: "r-" + name}},
		Spec: v1alpha1.AttestationRecordSpec{
			PartnerTenant:     v1alpha1.RecordPartnerTenant{Name: "contoso", TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c"},
			CustomerTenantID:  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: "customers", Name: "fabrikam", UID: "u", Generation: 1},
			Act:               v1alpha1.ActStartAttestation,
			RequestID:         "r-" + name,
			RequestBody:       `{"companyName":"Fabrikam"}`,
			RequestBodySHA256: "00",
			Sequence:          1,
			RetainUntil:       metav1.NewTime(retainUntil.UTC().Truncate(time.Second)),
		},
	}
}

// patchStatus applies f to the record's status as a merge patch.
func patchStatus(rec *v1alpha1.AttestationRecord, f func(*v1alpha1.AttestationRecordStatus)) error {
	before := rec.DeepCopy()
	f(&rec.Status)
	return k8sClient.Status().Patch(ctx, rec, client.MergeFrom(before))
}

var _ = Describe("AttestationRecord admission", func() {
	It("keeps the spec immutable and each status field written once", func() {
		rec := testRecord(time.Now().Add(time.Hour))
		Expect(k8sClient.Create(ctx, rec)).To(Succeed())
		now := metav1.NewTime(time.Now().UTC().Truncate(time.Second))
		Expect(patchStatus(rec, func(s *v1alpha1.AttestationRecordStatus) {
			s.Outcome, s.RequestedAt = v1alpha1.OutcomeUnknown, &now
		})).To(Succeed())

		edited := rec.DeepCopy()
		edited.Spec.RequestBody = `{"companyName":"Someone Else"}`
		expectRejected(k8sClient.Update(ctx, edited), "spec of an AttestationRecord is immutable")

		Expect(patchStatus(rec, func(s *v1alpha1.AttestationRecordStatus) {
			s.Outcome, s.HTTPStatus, s.Code, s.AnsweredAt = v1alpha1.OutcomeRefused, 409, "600061", &now
		})).To(Succeed(), "Unknown may become Refused")

		for what, change := range map[string]func(*v1alpha1.AttestationRecordStatus){
			"status.outcome may only change from Unknown": func(s *v1alpha1.AttestationRecordStatus) { s.Outcome = v1alpha1.OutcomeSucceeded },
			"status.code is written once":                 func(s *v1alpha1.AttestationRecordStatus) { s.Code = "600062" },
			"status.httpStatus is written once":           func(s *v1alpha1.AttestationRecordStatus) { s.HTTPStatus = 0 },
			"status.requestedAt is written once": func(s *v1alpha1.AttestationRecordStatus) {
				s.RequestedAt = &metav1.Time{Time: now.Add(time.Hour)}
			},
		} {
			cur := &v1alpha1.AttestationRecord{}
			Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(rec), cur)).To(Succeed())
			expectRejected(patchStatus(cur, change), what)
		}
		// A field not written yet may still be written once.
		cur := &v1alpha1.AttestationRecord{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(rec), cur)).To(Succeed())
		Expect(patchStatus(cur, func(s *v1alpha1.AttestationRecordStatus) { s.CorrelationID = "c-1" })).To(Succeed())
	})

	It("refuses deleting a record before its retention ended, and allows it after", func() {
		installShippedPolicies()
		young := testRecord(time.Now().Add(time.Hour))
		old := testRecord(time.Now().Add(-time.Minute))
		Expect(k8sClient.Create(ctx, young)).To(Succeed())
		Expect(k8sClient.Create(ctx, old)).To(Succeed())
		// The API server loads a new policy within a second or so: until it refuses deleting a
		// canary, the canaries go.
		Eventually(func() error {
			canary := testRecord(time.Now().Add(time.Hour))
			Expect(k8sClient.Create(ctx, canary)).To(Succeed())
			return k8sClient.Delete(ctx, canary)
		}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(WithTransform(apierrors.IsForbidden, BeTrue()), "the policy never took effect")
		err := k8sClient.Delete(ctx, young)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "deleting a young record: %v", err)
		Expect(err.Error()).To(ContainSubstring("is kept until"))
		err = k8sClient.Delete(ctx, old)
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a record whose retainUntil passed but whose retention the operator has not ended: %v", err)
		Expect(err.Error()).To(ContainSubstring("status.retentionEndedAt"))

		// The operator's sweep, a page of one record at a time, ends the retention of the old one
		// only.
		tracker := metrics.NewUnknownRecordTracker(time.Now)
		Expect((&RecordRetention{Client: k8sClient, Reader: k8sClient, PageSize: 1, Unknown: tracker}).Sweep(ctx)).To(Succeed())
		got := &v1alpha1.AttestationRecord{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(young), got)).To(Succeed())
		Expect(got.Status.RetentionEndedAt).To(BeNil())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(old), got)).To(Succeed())
		Expect(got.Status.RetentionEndedAt).NotTo(BeNil())

		Expect(k8sClient.Delete(ctx, old)).To(Succeed())
		Expect(apierrors.IsForbidden(k8sClient.Delete(ctx, young))).To(BeTrue())
	})

	It("validates and defaults the PartnerTenant's spec.audit.retention as the operator parses it", func() {
		pt := func(name string, retention *metav1.Duration) *v1alpha1.PartnerTenant {
			return &v1alpha1.PartnerTenant{ObjectMeta: metaName(name), Spec: v1alpha1.PartnerTenantSpec{
				TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", PartnerType: v1alpha1.PartnerTypeDirectBill,
				CredentialsSecretRef: v1alpha1.SecretReference{Name: "creds"}, Audit: &v1alpha1.AuditSettings{Retention: retention}}}
		}
		defaulted := pt("audit-default-"+rand.String(5), nil)
		Expect(k8sClient.Create(ctx, defaulted)).To(Succeed())
		Expect(defaulted.Spec.Audit.Retention).NotTo(BeNil())
		Expect(defaulted.Spec.Audit.Retention.Duration).To(Equal(v1alpha1.DefaultRecordRetention))
		Expect(k8sClient.Create(ctx, pt("audit-ok-"+rand.String(5), &metav1.Duration{Duration: 87600 * time.Hour}))).To(Succeed())
		for _, bad := range []string{"1h", "900000h", "7d", "-61320h"} {
			obj := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": v1alpha1.GroupVersion.String(), "kind": "PartnerTenant",
				"metadata": map[string]any{"name": "audit-bad-" + rand.String(5)},
				"spec": map[string]any{"tenantId": "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", "partnerType": "DirectBill",
					"credentialsSecretRef": map[string]any{"name": "creds"}, "audit": map[string]any{"retention": bad}},
			}}
			expectRejected(k8sClient.Create(ctx, obj), "spec.audit.retention must be a duration")
		}
	})
})
