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

package policies

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
	"github.com/mca-operator/mca-operator/internal/pcsim"
)

// With the shipped policies installed, alice creates a CustomerAgreement (applied, as its
// tracking annotation says, by an Argo CD Application this cluster does not serve); the operator,
// run as cmd/manager wires it against the simulator, starts the attestation as itself, and the
// record names alice, not the operator, and the Application without a revision.
func TestTheRecordNamesTheUserWhoCreatedTheAgreement(t *testing.T) {
	c := start(t)
	c.install("requested-by", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	const partnerTenantID, customer = "11111111-aaaa-4aaa-8aaa-111111111111", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	sim := pcsim.New(&pcsim.Seed{Partners: []pcsim.SeedPartner{{TenantID: partnerTenantID, Type: string(v1alpha1.PartnerTypeDirectBill),
		ClientID: "c0000000-0000-4000-8000-00000000000a", ClientSecret: "sim-secret", RefreshToken: "sim-refresh",
		Customers: []pcsim.SeedCustomer{{TenantID: customer, CompanyName: "Fabrikam"}}}}}, pcsim.Options{})
	url, err := sim.StartTLS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	const credentials = "mca-operator-system"
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: credentials}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentials, Name: "pc-contoso"},
			StringData: map[string]string{"clientId": "c0000000-0000-4000-8000-00000000000a", "clientSecret": "sim-secret", "refreshToken": "sim-refresh"}},
		&v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: "contoso"}, Spec: v1alpha1.PartnerTenantSpec{
			TenantID: partnerTenantID, PartnerType: v1alpha1.PartnerTypeDirectBill, Endpoint: url, Authority: url,
			CredentialsSecretRef: v1alpha1.SecretReference{Name: "pc-contoso"},
			AllowedNamespaces:    &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}}},
	} {
		if err := c.admin.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	o := operator.Defaults()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.CredentialsNamespace = credentials
	o.PollInterval, o.MinReadInterval = 300*time.Millisecond, 200*time.Millisecond
	o.SkipNameValidation = true
	o.HTTPClient = sim.HTTPClient()
	mgr, err := operator.New(ctx, c.cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the manager: %v", err)
		}
	})

	ca := c.agreement("fabrikam", map[string]string{
		"argocd.argoproj.io/tracking-id": "customers:partnercenter.mca.dev/CustomerAgreement:" + c.ns + "/fabrikam"})
	eventually(t, func() error { return c.as("alice", "uid-alice").Create(ctx, ca) })

	var rec v1alpha1.AttestationRecord
	eventually(t, func() error {
		var list v1alpha1.AttestationRecordList
		if err := c.admin.List(ctx, &list); err != nil {
			return err
		}
		if len(list.Items) != 1 || list.Items[0].Status.Outcome != v1alpha1.OutcomeSucceeded {
			return fmt.Errorf("records %+v, want one, Succeeded", list.Items)
		}
		rec = list.Items[0]
		return nil
	})
	by := rec.Spec.RequestedBy
	if rec.Spec.Act != v1alpha1.ActStartAttestation || by.Username != "alice" || by.UID != "uid-alice" {
		t.Errorf("record %s: act %s, requestedBy %+v; want StartAttestation by alice (uid-alice)", rec.Name, rec.Spec.Act, by)
	}
	want := v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsArgoCD, Kind: "Application", Namespace: "argocd", Name: "customers"}
	if by.GitOps == nil || *by.GitOps != want {
		t.Errorf("requestedBy.gitOps %+v, want %+v (no revision: Applications are not served)", by.GitOps, want)
	}
}
