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
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// caPageSize is how many CustomerAgreements one list request of the plugin asks for.
const caPageSize = 500

// managedCustomers reads the cluster's CustomerAgreements, a page at a time, and returns the
// customers (lower-case tenant ids) that one manages for pt's partner tenant id: as the operator
// counts them (mca.Coverage), under a PartnerTenant of that id, in a namespace it allows, not
// being deleted. Only the ids are kept.
func managedCustomers(ctx context.Context, kc client.Client, pt *v1alpha1.PartnerTenant) (map[string]bool, error) {
	var pts v1alpha1.PartnerTenantList
	if err := kc.List(ctx, &pts); err != nil {
		return nil, fmt.Errorf("listing PartnerTenants: %w", err)
	}
	same := map[string]*v1alpha1.AllowedNamespaces{} // PartnerTenants of pt's partner tenant id
	for i := range pts.Items {
		if p := &pts.Items[i]; strings.EqualFold(p.Spec.TenantID, pt.Spec.TenantID) {
			same[p.Name] = p.Spec.AllowedNamespaces
		}
	}
	var nss corev1.NamespaceList
	if err := kc.List(ctx, &nss); err != nil {
		return nil, fmt.Errorf("listing namespaces (to apply the PartnerTenants' allowedNamespaces): %w", err)
	}
	nsLabels := map[string]map[string]string{}
	for _, ns := range nss.Items {
		nsLabels[ns.Name] = ns.Labels
	}
	managed := map[string]bool{}
	opts := []client.ListOption{client.Limit(caPageSize)}
	for {
		var cas v1alpha1.CustomerAgreementList
		if err := kc.List(ctx, &cas, opts...); err != nil {
			return nil, fmt.Errorf("listing CustomerAgreements: %w", err)
		}
		for i := range cas.Items {
			ca := &cas.Items[i]
			an, ok := same[ca.Spec.PartnerTenantRef.Name]
			if ok && ca.DeletionTimestamp.IsZero() && mca.NamespaceAllowed(an, nsLabels[ca.Namespace]) {
				managed[strings.ToLower(strings.TrimSpace(ca.Spec.CustomerTenantID))] = true
			}
		}
		if cas.Continue == "" {
			return managed, nil
		}
		opts = []client.ListOption{client.Limit(caPageSize), client.Continue(cas.Continue)}
	}
}

// UnmanagedCustomer is one line of `kubectl mca status --unmanaged`.
type UnmanagedCustomer struct {
	TenantID    string `json:"tenantId"`
	CompanyName string `json:"companyName,omitempty"`
	Domain      string `json:"domain,omitempty"`
}

// UnmanagedReport is `kubectl mca status --unmanaged -o json`.
type UnmanagedReport struct {
	PartnerTenant string              `json:"partnerTenant"`
	Total         int32               `json:"total"`
	Managed       int32               `json:"managed"`
	Unmanaged     []UnmanagedCustomer `json:"unmanaged"`
}

// unmanagedReport lists the PartnerTenant's customers in Partner Center now and compares them
// with the cluster's CustomerAgreements: every unmanaged customer, not only the first few that
// status.customers names.
func (a *app) unmanagedReport(ctx context.Context, ptName string) (*UnmanagedReport, error) {
	kc, err := a.kube()
	if err != nil {
		return nil, err
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := kc.Get(ctx, client.ObjectKey{Name: ptName}, pt); err != nil {
		return nil, fmt.Errorf("reading PartnerTenant %s: %w", ptName, err)
	}
	managed, err := managedCustomers(ctx, kc, pt)
	if err != nil {
		return nil, err
	}
	pcc, err := a.partnerCenter(kc, pt)
	if err != nil {
		return nil, err
	}
	rep := &UnmanagedReport{PartnerTenant: pt.Name, Unmanaged: []UnmanagedCustomer{}}
	var tally mca.Coverage
	err = pcc.ListCustomers(ctx, 0, func(page pc.CustomersPage) error {
		for _, c := range page.Customers {
			id := strings.ToLower(strings.TrimSpace(c.TenantID))
			isManaged := managed[id]
			tally.Count(id, c.IsReseller(), func() bool { return isManaged })
			if c.IsReseller() && !isManaged {
				rep.Unmanaged = append(rep.Unmanaged, UnmanagedCustomer{TenantID: id, CompanyName: oneLine(c.CompanyName), Domain: oneLine(c.Domain)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the customers of PartnerTenant %s in Partner Center: %w", pt.Name, err)
	}
	rep.Total, rep.Managed = tally.Total, tally.Managed
	return rep, nil
}

func printUnmanaged(w io.Writer, rep *UnmanagedReport) {
	fmt.Fprintf(w, "PartnerTenant %s: %d of %d customers in Partner Center have no CustomerAgreement.\n", rep.PartnerTenant, len(rep.Unmanaged), rep.Total)
	if len(rep.Unmanaged) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CUSTOMER TENANT ID\tCOMPANY\tDOMAIN")
	for _, c := range rep.Unmanaged {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.TenantID, c.CompanyName, c.Domain)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "Write them into Git: kubectl mca import --partner-tenant %s -n NAMESPACE --out DIR --only-missing\n", rep.PartnerTenant)
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
