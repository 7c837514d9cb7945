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

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

var goldenNow = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

func condition(t, status, reason, msg string) metav1.Condition {
	return metav1.Condition{Type: t, Status: metav1.ConditionStatus(status), Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(goldenNow.Add(-time.Hour))}
}

func at(d time.Duration) *metav1.Time { t := metav1.NewTime(goldenNow.Add(d)); return &t }

// goldenFleet creates a PartnerTenant and CustomerAgreements in every state the status command
// counts, in the namespaces golden-a and golden-b, plus link Secrets.
func goldenFleet(t *testing.T) {
	t.Helper()
	ctx := tctx(t)
	createNamespace(t, "golden-a", nil)
	createNamespace(t, "golden-b", nil)
	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "golden-pt"},
		Spec: v1alpha1.PartnerTenantSpec{TenantID: "a0a0a0a0-0000-4000-8000-000000000001", PartnerType: v1alpha1.PartnerTypeDirectBill,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-golden"}, AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}},
	}
	if err := cluster.Create(ctx, pt); err != nil {
		t.Fatal(err)
	}
	pt.Status.Conditions = []metav1.Condition{condition(v1alpha1.ConditionReady, "True", v1alpha1.ReasonConnected, "Partner Center reached.")}
	pt.Status.Customers = &v1alpha1.CustomerCoverage{Total: 40, Managed: 28, Unmanaged: 12, CheckedAt: metav1.NewTime(goldenNow.Add(-20 * time.Minute))}
	for i := range v1alpha1.MaxUnmanagedIDs {
		pt.Status.Customers.UnmanagedIDs = append(pt.Status.Customers.UnmanagedIDs, fmt.Sprintf("d0d0d0d0-0000-4000-8000-%012d", i))
	}
	if err := cluster.Status().Update(ctx, pt); err != nil {
		t.Fatal(err)
	}
	sig := &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example"}
	type item struct {
		ns, name, pt string
		paused       bool
		status       *v1alpha1.CustomerAgreementStatus
		linkSecret   map[string]string
	}
	ready := func(s, reason, msg string) []metav1.Condition {
		return []metav1.Condition{condition(v1alpha1.ConditionReady, s, reason, msg)}
	}
	items := []item{
		{ns: "golden-a", name: "attested-partner", pt: "golden-pt", status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateAttested, AcceptedBy: v1alpha1.AcceptedByPartner, Conditions: ready("True", v1alpha1.ReasonAttested, "Attested.")}},
		{ns: "golden-a", name: "attested-customer", pt: "golden-pt", status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateAttested, AcceptedBy: v1alpha1.AcceptedByCustomer, Conditions: ready("True", v1alpha1.ReasonAcceptedByCustomer, "Accepted by the customer.")}},
		{ns: "golden-a", name: "legacy", pt: "golden-pt", status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateLegacy}},
		{ns: "golden-a", name: "blocked", pt: "golden-pt", status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateBlocked}},
		{ns: "golden-a", name: "awaiting", pt: "golden-pt",
			status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateNoMCA,
				Conditions: append(ready("False", v1alpha1.ReasonAwaitingCustomer, "Waiting for Ada Lovelace to accept."), condition(v1alpha1.ConditionAwaitingCustomerAcceptance, "True", v1alpha1.ReasonAwaitingCustomer, "Link sent.")),
				Attestation: &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-0001"), Status: "LinkGenerated", ExpiresAt: at(3*24*time.Hour + 2*time.Hour), Renewals: 1,
					Deliveries: []v1alpha1.Delivery{
						{Channel: v1alpha1.ChannelEmail, Kind: v1alpha1.DeliveryInitial, MessageID: "m1", AttemptedAt: at(-4 * 24 * time.Hour), SentAt: at(-4 * 24 * time.Hour)},
						{Channel: v1alpha1.ChannelWebhook, Kind: v1alpha1.DeliveryInitial, MessageID: "m2", AttemptedAt: at(-4 * 24 * time.Hour), Failure: "webhook answered 503"},
					}}},
			linkSecret: map[string]string{"acceptanceLink": "https://pcsim.example/accept/att-0001?sig=abc", "attestationId": "att-0001", "expiresAt": goldenNow.Add(3*24*time.Hour + 2*time.Hour).Format(time.RFC3339)}},
		{ns: "golden-a", name: "later-link", pt: "golden-pt",
			status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateNoMCA,
				Conditions:  []metav1.Condition{condition(v1alpha1.ConditionAwaitingCustomerAcceptance, "True", v1alpha1.ReasonAwaitingCustomer, "Link sent.")},
				Attestation: &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-0002"), Status: "LinkGenerated", ExpiresAt: at(9 * 24 * time.Hour), LinkSecretRef: &v1alpha1.LocalObjectReference{Name: "mca-link-gone"}}}},
		{ns: "golden-a", name: "expired-link", pt: "golden-pt",
			status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateLegacy, Attestation: &v1alpha1.AttestationStatus{Handle: v1alpha1.AttestationHandle("att-0003"), Status: "Expired", ExpiresAt: at(-time.Hour), Renewals: 2}}},
		{ns: "golden-a", name: "duplicate", pt: "golden-pt",
			status: &v1alpha1.CustomerAgreementStatus{State: v1alpha1.StateNoMCA, Conditions: []metav1.Condition{
				condition(v1alpha1.ConditionReady, "False", v1alpha1.ReasonDuplicateSignatory, "Partner Center refused the attestation (600061): name another authorised signatory in spec.signatory, or the same person with another email address or phone number."),
				condition(v1alpha1.ConditionStalled, "True", v1alpha1.ReasonDuplicateSignatory, "Duplicate signatory.")}}},
		{ns: "golden-a", name: "paused", pt: "golden-pt", paused: true},
		{ns: "golden-a", name: "unobserved", pt: "golden-pt"},
		{ns: "golden-b", name: "not-allowed", pt: "golden-pt",
			status: &v1alpha1.CustomerAgreementStatus{Conditions: []metav1.Condition{
				condition(v1alpha1.ConditionReady, "False", v1alpha1.ReasonNamespaceNotAllowed, "PartnerTenant golden-pt does not admit namespace golden-b: add it to spec.allowedNamespaces."),
				condition(v1alpha1.ConditionStalled, "True", v1alpha1.ReasonNamespaceNotAllowed, "Namespace not allowed.")}}},
		{ns: "golden-b", name: "orphan", pt: "ghost-pt",
			status: &v1alpha1.CustomerAgreementStatus{Conditions: []metav1.Condition{
				condition(v1alpha1.ConditionStalled, "True", v1alpha1.ReasonCredentialsMissing, "The credentials Secret pc-ghost is missing: create it in mca-operator-system.")}}},
	}
	for i, it := range items {
		ca := &v1alpha1.CustomerAgreement{
			ObjectMeta: metav1.ObjectMeta{Namespace: it.ns, Name: it.name},
			Spec: v1alpha1.CustomerAgreementSpec{PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: it.pt},
				CustomerTenantID: fmt.Sprintf("c0c0c0c0-0000-4000-8000-%012d", i),
				CompanyName:      "Company " + it.name, Signatory: sig.DeepCopy()},
		}
		if it.paused {
			ca.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
		}
		if err := cluster.Create(ctx, ca); err != nil {
			t.Fatal(err)
		}
		if it.linkSecret != nil {
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: defaultCredentialsNamespace, Name: "mca-link-" + string(ca.UID),
				Labels: map[string]string{v1alpha1.LabelLinkNamespace: ca.Namespace, v1alpha1.LabelLinkName: ca.Name}}, StringData: it.linkSecret}
			if err := cluster.Create(ctx, sec); err != nil {
				t.Fatal(err)
			}
			it.status.Attestation.LinkSecretRef = &v1alpha1.LocalObjectReference{Name: sec.Name}
		}
		if it.status != nil {
			ca.Status = *it.status
			if err := cluster.Status().Update(ctx, ca); err != nil {
				t.Fatalf("%s: %v", it.name, err)
			}
		}
	}
}

// TestStatusAndLinksGolden checks status (table and JSON, all namespaces and one) and links
// against golden files.
func TestStatusAndLinksGolden(t *testing.T) {
	needCluster(t)
	goldenFleet(t)
	ctx := tctx(t)
	now := "--now=" + goldenNow.Format(time.RFC3339)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"status-all.golden", []string{"status", "-A", "--partner-tenant", "golden-pt"}},
		{"status-golden-b.golden", []string{"status", "-n", "golden-b"}},
		{"status-all-json.golden", []string{"status", "-A", "--partner-tenant", "golden-pt", "-o", "json"}},
		{"links-golden-a.golden", []string{"links", "-n", "golden-a"}},
		{"links-golden-a-json.golden", []string{"links", "-n", "golden-a", "-o", "json"}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			out, stderr, err := run(ctx, "", append(c.args, now)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			golden(t, c.golden, out)
		})
	}
}

// TestPauseResumeReconcile sets and removes the annotations the operator reads.
func TestPauseResumeReconcile(t *testing.T) {
	needCluster(t)
	ctx := tctx(t)
	createNamespace(t, "control", nil)
	ca := &v1alpha1.CustomerAgreement{ObjectMeta: metav1.ObjectMeta{Namespace: "control", Name: "contoso"},
		Spec: v1alpha1.CustomerAgreementSpec{PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "control-pt"}, CustomerTenantID: "d0d0d0d0-0000-4000-8000-000000000001", CompanyName: "Contoso", ManagementPolicy: v1alpha1.ManagementPolicyObserve}}
	pt := &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "control-pt"},
		Spec: v1alpha1.PartnerTenantSpec{TenantID: "a0a0a0a0-0000-4000-8000-000000000002", PartnerType: v1alpha1.PartnerTypeDirectBill, CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-control"}}}
	for _, o := range []client.Object{ca, pt} {
		if err := cluster.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = cluster.Delete(context.Background(), pt) })
	annotations := func(o client.Object) map[string]string {
		t.Helper()
		if err := cluster.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatal(err)
		}
		return o.GetAnnotations()
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(ctx, "", args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return out
	}
	mustRun("pause", "contoso", "-n", "control")
	if annotations(ca)[v1alpha1.AnnotationPaused] != "true" {
		t.Fatalf("not paused: %v", ca.Annotations)
	}
	mustRun("resume", "contoso", "-n", "control")
	if _, ok := annotations(ca)[v1alpha1.AnnotationPaused]; ok {
		t.Fatalf("still paused: %v", ca.Annotations)
	}
	before := time.Now().Add(-time.Second)
	mustRun("reconcile", "contoso", "-n", "control")
	ts, err := time.Parse(time.RFC3339Nano, annotations(ca)[v1alpha1.AnnotationReconcileRequestedAt])
	if err != nil || ts.Before(before) {
		t.Fatalf("reconcile-requested-at = %q (%v)", ca.Annotations[v1alpha1.AnnotationReconcileRequestedAt], err)
	}
	if out := mustRun("reconcile", "partnertenant", "control-pt"); !strings.Contains(out, "reconcile requested") {
		t.Errorf("output %q", out)
	}
	if _, err := time.Parse(time.RFC3339Nano, annotations(pt)[v1alpha1.AnnotationReconcileRequestedAt]); err != nil {
		t.Fatalf("PartnerTenant reconcile-requested-at: %v (%v)", pt.Annotations, err)
	}
	if _, _, err := run(ctx, "", "pause", "no-such", "-n", "control"); err == nil {
		t.Error("pausing a missing CustomerAgreement succeeded")
	}
}
