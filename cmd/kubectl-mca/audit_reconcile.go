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
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

type reconcileOptions struct {
	partnerTenant, since, output string
	window, settle               time.Duration
}

// UnexplainedAct is an act Partner Center holds that no record explains, in `audit reconcile -o
// json`. Its texts come from Partner Center.
type UnexplainedAct struct {
	Time              time.Time          `json:"time"`
	Act               v1alpha1.RecordAct `json:"act"`
	OperationType     string             `json:"operationType"`
	CustomerID        string             `json:"customerId,omitempty"`
	CustomerName      string             `json:"customerName,omitempty"`
	UserPrincipalName string             `json:"userPrincipalName,omitempty"`
	ApplicationID     string             `json:"applicationId,omitempty"`
	CorrelationID     string             `json:"correlationId,omitempty"`
	ID                string             `json:"id"`
}

// UnshownRecord is a record Partner Center does not show, in `audit reconcile -o json`.
type UnshownRecord struct {
	Time          time.Time          `json:"time"`
	Record        string             `json:"record"`
	Act           v1alpha1.RecordAct `json:"act"`
	CustomerID    string             `json:"customerId"`
	CorrelationID string             `json:"correlationId,omitempty"`
}

// ReconcileReport is `audit reconcile -o json`.
type ReconcileReport struct {
	PartnerTenant string           `json:"partnerTenant"`
	From          time.Time        `json:"from"`
	To            time.Time        `json:"to"`
	Records       int              `json:"records"`
	LoggedActs    int              `json:"loggedActs"`
	Matched       []mca.ActMatch   `json:"matched"`
	Unexplained   []UnexplainedAct `json:"unexplained"`
	NotShown      []UnshownRecord  `json:"notShown"`
	NotShownYet   []UnshownRecord  `json:"notShownYet"`
}

func (a *app) auditReconcileCmd() *cobra.Command {
	o := &reconcileOptions{}
	cmd := &cobra.Command{
		Use:   "reconcile --partner-tenant NAME [--since 30d]",
		Short: "Compare a PartnerTenant's AttestationRecords with Partner Center's activity log",
		Long: `reconcile reads Partner Center's activity log (GET /v1/auditrecords, the agreement resource, at
most 90 days back) with the operator's credentials for the PartnerTenant, and its AttestationRecords
of the same span, and lists:

  - agreement acts Partner Center holds that no record explains: someone attested outside the
    operator (in the Partner Center UI, or with another tool);
  - Succeeded records Partner Center does not show. Partner Center shows new entries late, so a
    record younger than --settle is listed apart ("not shown yet") and is not a fault.

An entry and a record match on the correlation id (Partner Center's originalCorrelationId, the
record's status.correlationId), else on the kind of act, the customer and the time (within
--window). Which operation an act logs is modeled (docs/partner-center-api.md). A record left
Unknown that Partner Center shows is reported as carried out. It exits with 2 when anything is
unexplained or not shown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runReconcile(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.partnerTenant, "partner-tenant", "", "The PartnerTenant (required).")
	f.StringVar(&o.since, "since", "30d", "From then on: 30d, 12h back from now, a date (2026-05-01) or an RFC 3339 time; at most 90 days back.")
	f.DurationVar(&o.window, "window", 15*time.Minute, "Without a matching correlation id, how far apart in time an entry and a record may be.")
	f.DurationVar(&o.settle, "settle", 4*time.Hour, "How long Partner Center may take to show an act.")
	f.StringVarP(&o.output, "output", "o", "", "json, or leave it out for tables.")
	_ = cmd.MarkFlagRequired("partner-tenant")
	return cmd
}

func (a *app) runReconcile(ctx context.Context, o *reconcileOptions) error {
	if o.output != "" && o.output != outputJSON {
		return fmt.Errorf("-o %s: use json or leave it out", o.output)
	}
	now := a.now()
	from, err := parseSince(o.since, now)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	kc, err := a.kube()
	if err != nil {
		return err
	}
	var pt v1alpha1.PartnerTenant
	if err := kc.Get(ctx, client.ObjectKey{Name: o.partnerTenant}, &pt); err != nil {
		return fmt.Errorf("reading PartnerTenant %s: %w", o.partnerTenant, err)
	}
	pcc, err := a.partnerCenter(kc, &pt)
	if err != nil {
		return err
	}
	rep := &ReconcileReport{PartnerTenant: pt.Name, From: from.UTC(), To: now.UTC()}
	logged, entries, err := loggedActs(ctx, pcc, from, now)
	if err != nil {
		return fmt.Errorf("reading Partner Center's activity log: %w", err)
	}
	var recs []mca.RecordedAct
	// Records a little older than the span may explain its first entries.
	if err := listRecords(ctx, kc, func(rec *v1alpha1.AttestationRecord) error {
		if at := actTime(rec); !at.Before(from.Add(-o.window)) {
			recs = append(recs, mca.RecordedAct{Record: rec.Name, Act: rec.Spec.Act, Customer: rec.Spec.CustomerTenantID,
				CorrelationID: rec.Status.CorrelationID, Outcome: rec.Status.Outcome, At: at})
		}
		return nil
	}, ofPartnerTenant(pt.Name)); err != nil {
		return err
	}
	res := mca.ReconcileActs(recs, logged, o.window, o.settle, now)
	rep.Records, rep.LoggedActs, rep.Matched = len(recs), len(logged), res.Matched
	for _, l := range res.Unexplained {
		e := entries[l.ID]
		rep.Unexplained = append(rep.Unexplained, UnexplainedAct{Time: l.At, Act: l.Act, OperationType: e.OperationType, CustomerID: e.CustomerID,
			CustomerName: e.CustomerName, UserPrincipalName: e.UserPrincipalName, ApplicationID: e.ApplicationID, CorrelationID: e.OriginalCorrelationID, ID: e.ID})
	}
	rep.NotShown, rep.NotShownYet = unshown(res.NotShown, from), unshown(res.NotShownYet, from)
	if o.output == outputJSON {
		if err := writeJSONLine(a.streams.Out, rep); err != nil {
			return err
		}
	} else {
		printReconcile(a.streams.Out, rep)
	}
	if len(rep.Unexplained) > 0 || len(rep.NotShown) > 0 {
		return exitError{code: 2}
	}
	return nil
}

// loggedActs reads the agreement entries of the activity log from from to now, and keeps those of
// the acts a record records (pc.AuditActOf), within the span, by id.
func loggedActs(ctx context.Context, pcc *pc.Client, from, now time.Time) ([]mca.LoggedAct, map[string]pc.AuditRecord, error) {
	var logged []mca.LoggedAct
	entries := map[string]pc.AuditRecord{}
	q := pc.AuditQuery{Start: from, End: now, Filter: &pc.AuditFilter{Field: pc.AuditFilterResourceType, Value: pc.AuditResourceTypeAgreement, Operator: pc.AuditOperatorEquals}}
	err := pcc.ListAuditRecords(ctx, q, 0, func(p pc.AuditRecordsPage) error {
		for _, r := range p.Records {
			act, ok := pc.AuditActOf(r)
			if !ok || r.OperationDate.Before(from) || r.OperationDate.After(now) {
				continue
			}
			id := r.ID
			if _, dup := entries[id]; dup || id == "" {
				id = fmt.Sprintf("%s#%d", r.ID, len(entries))
			}
			entries[id] = r
			logged = append(logged, mca.LoggedAct{ID: id, Act: act, Customer: r.CustomerID, CorrelationID: r.OriginalCorrelationID, At: r.OperationDate})
		}
		return nil
	})
	return logged, entries, err
}

// unshown keeps the records of the span (not those read only to explain its first entries).
func unshown(recs []mca.RecordedAct, from time.Time) []UnshownRecord {
	out := []UnshownRecord{}
	for _, r := range recs {
		if !r.At.Before(from) {
			out = append(out, UnshownRecord{Time: r.At, Record: r.Record, Act: r.Act, CustomerID: r.Customer, CorrelationID: r.CorrelationID})
		}
	}
	return out
}

func printReconcile(w io.Writer, rep *ReconcileReport) {
	byCorrelation, unknown := 0, 0
	for _, m := range rep.Matched {
		if m.By == mca.MatchByCorrelation {
			byCorrelation++
		}
		if m.WasUnknown {
			unknown++
		}
	}
	fmt.Fprintf(w, "PartnerTenant %s, %s to %s: Partner Center logged %d agreement acts; %d records.\n",
		printable(rep.PartnerTenant), rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339), rep.LoggedActs, rep.Records)
	fmt.Fprintf(w, "Matched: %d (%d by correlation id, %d by customer and time).\n", len(rep.Matched), byCorrelation, len(rep.Matched)-byCorrelation)
	if unknown > 0 {
		fmt.Fprintf(w, "Of those, %d records are Unknown and Partner Center shows the write carried out.\n", unknown)
	}
	fmt.Fprintf(w, "\nActs Partner Center holds that no record explains (made outside the operator): %d\n", len(rep.Unexplained))
	if len(rep.Unexplained) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tOPERATION\tCUSTOMER\tCOMPANY\tBY\tCORRELATION ID")
		for _, u := range rep.Unexplained {
			by := u.UserPrincipalName
			if by == "" {
				by = "application " + u.ApplicationID
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Time.UTC().Format(time.RFC3339), printable(orDash(u.OperationType)), printable(orDash(u.CustomerID)),
				printable(orDash(u.CustomerName)), printable(by), printable(orDash(u.CorrelationID)))
		}
		_ = tw.Flush()
	}
	for _, part := range []struct {
		title string
		recs  []UnshownRecord
	}{{"Records Partner Center does not show", rep.NotShown}, {"Records Partner Center does not show yet (younger than --settle)", rep.NotShownYet}} {
		fmt.Fprintf(w, "\n%s: %d\n", part.title, len(part.recs))
		if len(part.recs) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tACT\tCUSTOMER\tRECORD\tCORRELATION ID")
		for _, r := range part.recs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Time.UTC().Format(time.RFC3339), r.Act, printable(r.CustomerID), printable(r.Record), printable(orDash(r.CorrelationID)))
		}
		_ = tw.Flush()
	}
}
