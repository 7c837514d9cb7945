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

package integration

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

func newNamespace() string {
	GinkgoHelper()
	ns := "t-" + rand.String(6)
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	return ns
}

func signatory(c pcsim.SeedContact) *v1alpha1.Signatory {
	return &v1alpha1.Signatory{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, PhoneNumber: c.PhoneNumber}
}

// createAgreement creates a CustomerAgreement for customer under partner p.
func createAgreement(ns, customer string, p testPartner, mutate ...func(*v1alpha1.CustomerAgreement)) *v1alpha1.CustomerAgreement {
	GinkgoHelper()
	ca := &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "customer-" + customer[:1] + "-" + customer[len(customer)-4:]},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: p.name},
			CustomerTenantID: customer,
			CompanyName:      "Customer " + customer[len(customer)-4:],
			Signatory:        signatory(ada),
		},
	}
	for _, m := range mutate {
		m(ca)
	}
	Expect(k8sClient.Create(ctx, ca)).To(Succeed())
	// Each spec's objects go with it: a CustomerAgreement left behind would own its customer (the
	// oldest claim wins) and stall the next spec's object for the same customer.
	DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, ca))).To(Succeed()) })
	return ca
}

func legacyConfirmation(daysAgo int) func(*v1alpha1.CustomerAgreement) {
	return func(ca *v1alpha1.CustomerAgreement) {
		ca.Spec.Method = v1alpha1.MethodLegacyConfirmation
		d := metav1.NewTime(time.Now().Add(-time.Duration(daysAgo) * 24 * time.Hour).UTC().Truncate(time.Second))
		ca.Spec.DateAgreed = &d
	}
}

func observeOnly(ca *v1alpha1.CustomerAgreement) {
	ca.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
}

func fetch(ca *v1alpha1.CustomerAgreement) *v1alpha1.CustomerAgreement {
	GinkgoHelper()
	got := &v1alpha1.CustomerAgreement{}
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), got)).To(Succeed())
	return got
}

// condition returns "Status/Reason" of a condition, or "" when it is absent.
func condition(ca *v1alpha1.CustomerAgreement, typ string) string {
	c := meta.FindStatusCondition(ca.Status.Conditions, typ)
	if c == nil {
		return ""
	}
	return string(c.Status) + "/" + c.Reason
}

// eventually waits until the CustomerAgreement satisfies check, returning the object.
func eventually(ca *v1alpha1.CustomerAgreement, check func(g Gomega, got *v1alpha1.CustomerAgreement)) *v1alpha1.CustomerAgreement {
	GinkgoHelper()
	var got *v1alpha1.CustomerAgreement
	Eventually(func(g Gomega) {
		got = &v1alpha1.CustomerAgreement{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(ca), got)).To(Succeed())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		check(g, got)
	}).Should(Succeed())
	return got
}

func hasState(state v1alpha1.AgreementState, ready string) func(Gomega, *v1alpha1.CustomerAgreement) {
	return func(g Gomega, got *v1alpha1.CustomerAgreement) {
		g.Expect(got.Status.State).To(Equal(state))
		g.Expect(condition(got, v1alpha1.ConditionReady)).To(Equal(ready))
	}
}

// poke asks for a reconcile now (any annotation change does), without a spec change.
func poke(ca *v1alpha1.CustomerAgreement) {
	GinkgoHelper()
	got := fetch(ca)
	patch := client.MergeFrom(got.DeepCopy())
	if got.Annotations == nil {
		got.Annotations = map[string]string{}
	}
	got.Annotations["partnercenter.mca.dev/reconcile-requested-at"] = time.Now().Format(time.RFC3339Nano)
	Expect(k8sClient.Patch(ctx, got, patch)).To(Succeed())
}

// requests counts the simulator's requests whose path names the customer (method "" = any).
func requests(customer, method string) int {
	n := 0
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, customer) && (method == "" || r.Method == method) {
			n++
		}
	}
	return n
}

// kstatusOf computes what Flux and `kubectl wait` see.
func kstatusOf(ca *v1alpha1.CustomerAgreement) status.Status {
	GinkgoHelper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ca)
	Expect(err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: m})
	Expect(err).NotTo(HaveOccurred())
	return res.Status
}

// events returns "Reason: note" of the events about the object.
func events(ca *v1alpha1.CustomerAgreement) []string {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(ca.Namespace))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == ca.Name {
			out = append(out, e.Reason+": "+e.Note)
		}
	}
	return out
}

// acceptThroughPage plays the customer's signatory: open the acceptance link, find the form
// with its Accept button, and submit it, as a browser would.
func acceptThroughPage(link string) {
	GinkgoHelper()
	Expect(pcsim.AcceptThroughPage(sim.HTTPClient(), link)).To(Succeed())
}

// linkOf reads the acceptance link of the CustomerAgreement's current attestation from its
// Secret in the operator's namespace, as an administrator would.
// attestationIDOf reads the id of ca's current attestation from its ids Secret (status holds only
// the handle: the id completes the link).
func attestationIDOf(ca *v1alpha1.CustomerAgreement) string {
	GinkgoHelper()
	Expect(ca.Status.Attestation).NotTo(BeNil())
	Expect(ca.Status.AttestationIDsSecretRef).NotTo(BeNil())
	sec := &corev1.Secret{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: credentialsNamespace, Name: ca.Status.AttestationIDsSecretRef.Name}, sec)).To(Succeed())
	id := string(sec.Data[ca.Status.Attestation.Handle])
	Expect(id).NotTo(BeEmpty())
	return id
}

func linkOf(ca *v1alpha1.CustomerAgreement) string {
	GinkgoHelper()
	Expect(ca.Status.Attestation).NotTo(BeNil())
	Expect(ca.Status.Attestation.LinkSecretRef).NotTo(BeNil())
	sec := &corev1.Secret{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: credentialsNamespace, Name: ca.Status.Attestation.LinkSecretRef.Name}, sec)).To(Succeed())
	return string(sec.Data["acceptanceLink"])
}
