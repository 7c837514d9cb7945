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
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// expiringWithin: links expiring this soon are called out.
const expiringWithin = 7 * 24 * time.Hour

// FleetStatus is `kubectl mca status -o json`.
type FleetStatus struct {
	PartnerTenants []TenantStatus `json:"partnerTenants"`
	NeedsAPerson   []PersonTask   `json:"needsAPerson"`
}

// TenantStatus counts one PartnerTenant's CustomerAgreements.
type TenantStatus struct {
	Name string `json:"name"`
	// Found is false when CustomerAgreements name a PartnerTenant that does not exist.
	Found               bool           `json:"found"`
	Ready               string         `json:"ready,omitempty"`
	ReadyReason         string         `json:"readyReason,omitempty"`
	CustomerAgreements  int            `json:"customerAgreements"`
	Attested            int            `json:"attested"`
	AttestedByPartner   int            `json:"attestedByPartner"`
	AttestedByCustomer  int            `json:"attestedByCustomer"`
	Legacy              int            `json:"legacy"`
	Blocked             int            `json:"blocked"`
	NoMCA               int            `json:"noMCA"`
	NotYetObserved      int            `json:"notYetObserved"`
	AwaitingAcceptance  int            `json:"awaitingAcceptance"`
	LinksExpiringIn7d   int            `json:"linksExpiringWithin7Days"`
	LinksExpired        int            `json:"linksExpired"`
	Renewals            int            `json:"renewals"`
	RenewedCustomers    int            `json:"renewedCustomers"`
	Paused              int            `json:"paused"`
	Stalled             int            `json:"stalled"`
	StalledByReason     map[string]int `json:"stalledByReason"`
	ReconcilingByReason map[string]int `json:"reconcilingByReason,omitempty"`
	// Customers is the PartnerTenant's status.customers: its customers in Partner Center, as of
	// the operator's last list, and how many a CustomerAgreement manages.
	Customers *v1alpha1.CustomerCoverage `json:"customers,omitempty"`
}

// PersonTask is one CustomerAgreement that waits for a person.
type PersonTask struct {
	Namespace     string `json:"namespace"`
	Name          string `json:"name"`
	PartnerTenant string `json:"partnerTenant"`
	Reason        string `json:"reason"`
	WhatToDo      string `json:"whatToDo"`
}

func (a *app) statusCmd() *cobra.Command {
	var ptName, output string
	var unmanaged bool
	cmd := &cobra.Command{
		Use:   "status [-A | -n NS] [--partner-tenant NAME [--unmanaged]]",
		Short: "The fleet at a glance, per PartnerTenant",
		Long: `status counts the CustomerAgreements of each PartnerTenant by state (Attested by the partner or
by the customer, Legacy, Blocked, NoMCA), the links awaiting acceptance, those expiring within 7
days, expired and renewed links, the stalled ones by reason, the PartnerTenant's customers in
Partner Center and how many a CustomerAgreement manages (as of the operator's last list, at most
hourly), and then lists the customers that need a person, with what to do.

With --unmanaged it lists, now, every customer of the PartnerTenant in Partner Center that no
CustomerAgreement manages (it reads Partner Center with the PartnerTenant's credentials Secret,
as import does).`,
		Example: `  kubectl mca status -A
  kubectl mca status --partner-tenant contoso-csp --unmanaged`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unmanaged {
				return a.runUnmanaged(cmd.Context(), ptName, output)
			}
			fs, err := a.fleetStatus(cmd.Context(), ptName)
			if err != nil {
				return err
			}
			switch output {
			case outputJSON:
				return encodeJSON(a.streams.Out, fs)
			case "", "table", "wide":
				printFleetStatus(a.streams.Out, fs)
				return nil
			default:
				return fmt.Errorf("-o %s: use json or leave it out", output)
			}
		},
	}
	a.addNamespaceFlags(cmd)
	cmd.Flags().StringVar(&ptName, "partner-tenant", "", "Only this PartnerTenant.")
	cmd.Flags().StringVarP(&output, "output", "o", "", "json for scripts.")
	cmd.Flags().BoolVar(&unmanaged, "unmanaged", false, "List every customer of --partner-tenant in Partner Center that no CustomerAgreement manages.")
	return cmd
}

// runUnmanaged is status --unmanaged.
func (a *app) runUnmanaged(ctx context.Context, ptName, output string) error {
	if ptName == "" {
		return fmt.Errorf("--unmanaged needs --partner-tenant NAME")
	}
	if output != "" && output != outputJSON {
		return fmt.Errorf("-o %s: use json or leave it out", output)
	}
	rep, err := a.unmanagedReport(ctx, ptName)
	if err != nil {
		return err
	}
	if output == outputJSON {
		return encodeJSON(a.streams.Out, rep)
	}
	printUnmanaged(a.streams.Out, rep)
	return nil
}

func cond(conds []metav1.Condition, t string) *metav1.Condition {
	return meta.FindStatusCondition(conds, t)
}

func isTrue(c *metav1.Condition) bool { return c != nil && c.Status == metav1.ConditionTrue }

// fleetStatus tallies the CustomerAgreements in the namespace (all with -A) per PartnerTenant, and
// lists the stalled ones as tasks for a person.
func (a *app) fleetStatus(ctx context.Context, onlyPT string) (*FleetStatus, error) {
	kc, err := a.kube()
	if err != nil {
		return nil, err
	}
	ns, err := a.listNamespace()
	if err != nil {
		return nil, err
	}
	var pts v1alpha1.PartnerTenantList
	if err := kc.List(ctx, &pts); err != nil {
		return nil, fmt.Errorf("listing PartnerTenants: %w", err)
	}
	var cas v1alpha1.CustomerAgreementList
	if err := kc.List(ctx, &cas, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("listing CustomerAgreements: %w", err)
	}
	f := &fleetTally{now: a.now(), byName: map[string]*TenantStatus{}, needs: []PersonTask{}}
	f.addTenants(pts.Items, cas.Items, ns, onlyPT)
	for i := range cas.Items {
		if ca := &cas.Items[i]; onlyPT == "" || ca.Spec.PartnerTenantRef.Name == onlyPT {
			f.addAgreement(ca)
		}
	}
	return f.result(), nil
}

// fleetTally is the report fleetStatus builds, one PartnerTenant at a time.
type fleetTally struct {
	now    time.Time
	byName map[string]*TenantStatus
	needs  []PersonTask
}

// tenant is the PartnerTenant's column of the report, added on first use.
func (f *fleetTally) tenant(name string) *TenantStatus {
	if t := f.byName[name]; t != nil {
		return t
	}
	t := &TenantStatus{Name: name, StalledByReason: map[string]int{}}
	f.byName[name] = t
	return t
}

// addTenants adds the PartnerTenants that exist with their readiness: only onlyPT when set, and in
// a namespace's view only those its CustomerAgreements use.
func (f *fleetTally) addTenants(pts []v1alpha1.PartnerTenant, cas []v1alpha1.CustomerAgreement, ns, onlyPT string) {
	used := map[string]bool{}
	for _, ca := range cas {
		used[ca.Spec.PartnerTenantRef.Name] = true
	}
	for _, pt := range pts {
		if onlyPT != "" && pt.Name != onlyPT {
			continue
		}
		if ns != "" && onlyPT == "" && !used[pt.Name] {
			continue // a namespace's view shows the PartnerTenants its CustomerAgreements use
		}
		t := f.tenant(pt.Name)
		t.Found = true
		t.Customers = pt.Status.Customers
		if r := cond(pt.Status.Conditions, v1alpha1.ConditionReady); r != nil {
			t.Ready, t.ReadyReason = string(r.Status), r.Reason
		}
	}
}

// addAgreement counts one CustomerAgreement in its PartnerTenant's column, and as a task for a
// person when it is stalled.
func (f *fleetTally) addAgreement(ca *v1alpha1.CustomerAgreement) {
	t := f.tenant(ca.Spec.PartnerTenantRef.Name)
	t.CustomerAgreements++
	countState(t, ca)
	if isTrue(cond(ca.Status.Conditions, v1alpha1.ConditionAwaitingCustomerAcceptance)) {
		t.AwaitingAcceptance++
	}
	if at := ca.Status.Attestation; at != nil {
		countLink(t, at, f.now)
	}
	if ca.Annotations[v1alpha1.AnnotationPaused] == annotationTrue || isTrue(cond(ca.Status.Conditions, v1alpha1.ConditionPaused)) {
		t.Paused++
	}
	if rc := cond(ca.Status.Conditions, v1alpha1.ConditionReconciling); isTrue(rc) && rc.Reason != "" {
		if t.ReconcilingByReason == nil {
			t.ReconcilingByReason = map[string]int{}
		}
		t.ReconcilingByReason[rc.Reason]++
	}
	if st := cond(ca.Status.Conditions, v1alpha1.ConditionStalled); isTrue(st) {
		t.Stalled++
		t.StalledByReason[st.Reason]++
		f.needs = append(f.needs, personTask(ca, st))
	}
}

// countState counts the CustomerAgreement's state (Attested also by who accepted).
func countState(t *TenantStatus, ca *v1alpha1.CustomerAgreement) {
	switch ca.Status.State {
	case v1alpha1.StateAttested:
		t.Attested++
		if ca.Status.AcceptedBy == v1alpha1.AcceptedByCustomer {
			t.AttestedByCustomer++
		} else {
			t.AttestedByPartner++
		}
	case v1alpha1.StateLegacy:
		t.Legacy++
	case v1alpha1.StateBlocked:
		t.Blocked++
	case v1alpha1.StateNoMCA:
		t.NoMCA++
	default:
		t.NotYetObserved++
	}
}

// countLink counts the attestation link's renewals and, while it waits for the customer, whether
// it expired or expires within expiringWithin of now.
func countLink(t *TenantStatus, at *v1alpha1.AttestationStatus, now time.Time) {
	t.Renewals += int(at.Renewals)
	if at.Renewals > 0 {
		t.RenewedCustomers++
	}
	pending := !strings.EqualFold(at.Status, pc.StatusAgreementCreated) && !strings.EqualFold(at.Status, pc.StatusCustomerAccepted)
	if at.ExpiresAt == nil || !pending {
		return
	}
	switch left := at.ExpiresAt.Sub(now); {
	case left <= 0 || strings.EqualFold(at.Status, pc.StatusExpired):
		t.LinksExpired++
	case left <= expiringWithin:
		t.LinksExpiringIn7d++
	}
}

// personTask is what to do about a stalled CustomerAgreement: the Ready condition's message when it
// has one, else the Stalled condition's.
func personTask(ca *v1alpha1.CustomerAgreement, stalled *metav1.Condition) PersonTask {
	what := stalled.Message
	if r := cond(ca.Status.Conditions, v1alpha1.ConditionReady); r != nil && r.Message != "" {
		what = r.Message
	}
	return PersonTask{Namespace: ca.Namespace, Name: ca.Name, PartnerTenant: ca.Spec.PartnerTenantRef.Name, Reason: stalled.Reason, WhatToDo: what}
}

// result is the report: PartnerTenants by name, tasks by namespace and name.
func (f *fleetTally) result() *FleetStatus {
	fs := &FleetStatus{NeedsAPerson: f.needs}
	names := make([]string, 0, len(f.byName))
	for n := range f.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fs.PartnerTenants = append(fs.PartnerTenants, *f.byName[n])
	}
	sort.Slice(fs.NeedsAPerson, func(i, j int) bool {
		x, y := fs.NeedsAPerson[i], fs.NeedsAPerson[j]
		if x.Namespace != y.Namespace {
			return x.Namespace < y.Namespace
		}
		return x.Name < y.Name
	})
	return fs
}

func printFleetStatus(w io.Writer, fs *FleetStatus) {
	if len(fs.PartnerTenants) == 0 {
		fmt.Fprintln(w, "No PartnerTenants or CustomerAgreements found.")
		return
	}
	for i, t := range fs.PartnerTenants {
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := "PartnerTenant " + t.Name
		switch {
		case !t.Found:
			head += " (not found)"
		case t.Ready != "":
			head += fmt.Sprintf(" (Ready %s, %s)", t.Ready, t.ReadyReason)
		}
		fmt.Fprintln(w, head)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		row := func(k string, v int, extra string) {
			if extra != "" {
				extra = "  " + extra
			}
			fmt.Fprintf(tw, "  %s\t%d%s\n", k, v, extra)
		}
		row("CustomerAgreements", t.CustomerAgreements, "")
		row("Attested", t.Attested, fmt.Sprintf("(by partner %d, by customer %d)", t.AttestedByPartner, t.AttestedByCustomer))
		row("Legacy", t.Legacy, "")
		row("Blocked", t.Blocked, "")
		row("NoMCA", t.NoMCA, "")
		if t.NotYetObserved > 0 {
			row("Not yet observed", t.NotYetObserved, "")
		}
		row("Awaiting acceptance", t.AwaitingAcceptance, "")
		row("Links expiring within 7 days", t.LinksExpiringIn7d, "")
		row("Links expired", t.LinksExpired, "")
		row("Renewed links", t.Renewals, fmt.Sprintf("(%d customers)", t.RenewedCustomers))
		row("Paused", t.Paused, "")
		row("Stalled", t.Stalled, reasons(t.StalledByReason))
		if c := t.Customers; c != nil {
			row("Customers in Partner Center", int(c.Total), fmt.Sprintf("(managed %d, unmanaged %d, listed %s)", c.Managed, c.Unmanaged, c.CheckedAt.UTC().Format(time.RFC3339)))
		}
		_ = tw.Flush()
		printUnmanagedIDs(w, t)
	}
	fmt.Fprintln(w)
	if len(fs.NeedsAPerson) == 0 {
		fmt.Fprintln(w, "No customer needs a person.")
		return
	}
	fmt.Fprintf(w, "Needs a person (%d):\n", len(fs.NeedsAPerson))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAMESPACE\tNAME\tPARTNER TENANT\tREASON\tWHAT TO DO")
	for _, p := range fs.NeedsAPerson {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name, p.PartnerTenant, p.Reason, oneLine(p.WhatToDo))
	}
	_ = tw.Flush()
}

// printUnmanagedIDs names the first unmanaged customers of status.customers, one a line, and how
// to see them all.
func printUnmanagedIDs(w io.Writer, t TenantStatus) {
	c := t.Customers
	if c == nil || c.Unmanaged == 0 {
		return
	}
	fmt.Fprintf(w, "  Without a CustomerAgreement (first %d of %d; all: kubectl mca status --partner-tenant %s --unmanaged):\n", len(c.UnmanagedIDs), c.Unmanaged, t.Name)
	for _, id := range c.UnmanagedIDs {
		fmt.Fprintf(w, "    %s\n", id)
	}
}

func reasons(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
