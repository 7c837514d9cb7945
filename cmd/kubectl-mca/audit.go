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
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// recordPageSize is how many AttestationRecords one list request reads.
const recordPageSize = 500

// outputJSONL is the -o value that prints one JSON object per line.
const outputJSONL = "jsonl"

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify, export and show the AttestationRecords, and reconcile them with Partner Center",
		Long: `audit reads the AttestationRecords (one per write to Partner Center, a hash chain per
PartnerTenant; cluster administrators only).

  verify     walk each PartnerTenant's chain: records missing, altered or out of order
  export     the records since a date, as a table or as JSON lines to keep outside the cluster
  show       one customer's history, oldest first
  reconcile  compare a PartnerTenant's records with Partner Center's activity log`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.auditVerifyCmd(), a.auditExportCmd(), a.auditShowCmd(), a.auditReconcileCmd())
	return cmd
}

// listRecords calls fn with each AttestationRecord the options select, a page at a time: never
// more than a page in memory.
func listRecords(ctx context.Context, kc client.Reader, fn func(*v1alpha1.AttestationRecord) error, opts ...client.ListOption) error {
	cont := ""
	for {
		var page v1alpha1.AttestationRecordList
		if err := kc.List(ctx, &page, append(slices.Clone(opts), client.Limit(recordPageSize), client.Continue(cont))...); err != nil {
			return fmt.Errorf("listing AttestationRecords: %w", err)
		}
		for i := range page.Items {
			if err := fn(&page.Items[i]); err != nil {
				return err
			}
		}
		if cont = page.Continue; cont == "" {
			return nil
		}
	}
}

// ofPartnerTenant selects the records of a PartnerTenant by their label.
func ofPartnerTenant(name string) client.ListOption {
	return client.MatchingLabels{v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(name)}
}

// actTime is when a record's write was sent: status.requestedAt, else its creation.
func actTime(rec *v1alpha1.AttestationRecord) time.Time {
	if rec.Status.RequestedAt != nil {
		return rec.Status.RequestedAt.Time
	}
	return rec.CreationTimestamp.Time
}

// parseSince reads --since: a number of days or hours back from now ("30d", "12h"), a date
// ("2026-05-01", midnight UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 {
			return now.Add(-time.Duration(d) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-05-01), a time (RFC 3339) or a span back from now (30d, 12h)", s)
}

// writeJSONLine writes v as one line of JSON in which every character that is not graphic (a
// control character, a bidirectional override ...) is escaped as \uXXXX: the records and Partner
// Center's answers are data, and a line may end up on a terminal. encoding/json leaves C1 controls
// and format characters as they are, hence the second pass.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var out strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == utf8.RuneError && n == 1:
			out.WriteString(`\ufffd`)
		case r < utf8.RuneSelf || unicode.IsGraphic(r):
			out.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	out.WriteByte('\n')
	_, err = io.WriteString(w, out.String())
	return err
}

// utf16Pair is the surrogate pair of a rune above U+FFFF.
func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// exported is a record as export and show write it in JSON lines: as the API server holds it,
// without managedFields.
func exported(rec *v1alpha1.AttestationRecord) *v1alpha1.AttestationRecord {
	out := rec.DeepCopy()
	out.APIVersion, out.Kind = v1alpha1.GroupVersion.String(), "AttestationRecord"
	out.ManagedFields = nil
	return out
}

// recordTable writes records as rows, a page at a time (each flush aligns the rows written since
// the last one). Every text is escaped: it comes from a record.
type recordTable struct {
	tw *tabwriter.Writer
}

func newRecordTable(w io.Writer) *recordTable {
	t := &recordTable{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "TIME\tPARTNERTENANT\tCUSTOMER\tACT\tOUTCOME\tANSWER\tREQUESTED BY\tAPPROVAL\tCUSTOMERAGREEMENT\tRECORD")
	return t
}

func (t *recordTable) row(rec *v1alpha1.AttestationRecord) {
	s, by := &rec.Status, &rec.Spec.RequestedBy
	answer := "-"
	if s.HTTPStatus != 0 {
		answer = strconv.Itoa(int(s.HTTPStatus))
		if s.Code != "" {
			answer += " " + s.Code
		}
	}
	who := orDash(by.Username)
	if by.FieldManager != "" {
		who += " (" + by.FieldManager + ")"
	}
	outcome := string(s.Outcome)
	if outcome == "" {
		outcome = "-"
	}
	approval := "-"
	if a := s.Approval; a != nil {
		approval = string(a.Decision) + " by " + a.By
	} else if mca.NotAwaiting(rec) == "" {
		approval = "awaiting"
	}
	ca := rec.Spec.CustomerAgreement
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", actTime(rec).UTC().Format(time.RFC3339), printable(rec.Spec.PartnerTenant.Name),
		printable(rec.Spec.CustomerTenantID), printable(string(rec.Spec.Act)), printable(outcome), printable(answer), printable(who),
		printable(approval), printable(ca.Namespace+"/"+ca.Name), printable(rec.Name))
}

func (t *recordTable) flush() error { return t.tw.Flush() }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- verify ---------------------------------------------------------------

// ChainReport is one PartnerTenant's chain in `audit verify -o json`.
type ChainReport struct {
	PartnerTenant string             `json:"partnerTenant"`
	Records       int                `json:"records"`
	First         int64              `json:"first,omitempty"`
	Last          int64              `json:"last,omitempty"`
	Findings      []mca.ChainFinding `json:"findings,omitempty"`
	Faults        int                `json:"faults"`
}

// VerifyReport is `audit verify -o json`.
type VerifyReport struct {
	Chains []ChainReport `json:"chains"`
	// Unlabeled names the records without a partner-tenant label: no chain walk finds them.
	Unlabeled []string `json:"unlabeled,omitempty"`
	Faults    int      `json:"faults"`
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var partnerTenant, output string
	cmd := &cobra.Command{
		Use:   "verify [--partner-tenant NAME]",
		Short: "Walk each PartnerTenant's chain of AttestationRecords and report records missing, altered or out of order",
		Long: `verify reads each PartnerTenant's AttestationRecords (by their partner-tenant label, a page at
a time, one chain in memory at most) and checks the hash chain: every sequence from the first
record kept to the last has a record named for it, each record names its predecessor and the
digest the predecessor has now (the SHA-256 of its spec's canonical encoding), and none was
created before its predecessor. It reports:

  Missing     a sequence without a record (deleted)
  Altered     a record whose digest is not the one its successor recorded (edited, or deleted and
              created again with other content), or that is not where its label puts it
  OutOfOrder  a record named for another sequence, a sequence held twice, a link that skips a
              record, or a record created before its predecessor
  Pruned      the chain starts after sequence 1: its oldest records were deleted, which is allowed
              once their retention ended (not a fault)

The last record of a chain has no successor yet: its deletion or change shows once the next act
is recorded. Without --partner-tenant it verifies every chain, including those of PartnerTenants
deleted since. It exits with 2 when anything is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := a.verifyChains(cmd.Context(), partnerTenant)
			if err != nil {
				return err
			}
			switch output {
			case outputJSON:
				if err := encodeJSON(a.streams.Out, rep); err != nil {
					return err
				}
			case "":
				printVerify(a.streams.Out, rep)
			default:
				return fmt.Errorf("-o %s: use json or leave it out", output)
			}
			if rep.Faults > 0 {
				fmt.Fprintf(a.streams.ErrOut, "%d problems in the chains of AttestationRecords.\n", rep.Faults)
				return exitError{code: 2}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&partnerTenant, "partner-tenant", "", "Verify this PartnerTenant's chain only (default: every chain).")
	cmd.Flags().StringVarP(&output, "output", "o", "", "json, or leave it out for a table.")
	return cmd
}

// chainGroup is one chain to walk: the label value its records carry and, when known, the
// PartnerTenant's name.
type chainGroup struct{ label, name string }

func (a *app) verifyChains(ctx context.Context, partnerTenant string) (*VerifyReport, error) {
	kc, err := a.kube()
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Chains: []ChainReport{}}
	var groups []chainGroup
	if partnerTenant != "" {
		groups = []chainGroup{{label: v1alpha1.LinkLabelValue(partnerTenant), name: partnerTenant}}
	} else if groups, rep.Unlabeled, err = chainGroups(ctx, kc); err != nil {
		return nil, err
	}
	rep.Faults = len(rep.Unlabeled)
	for _, g := range groups {
		cr, err := verifyChain(ctx, kc, g)
		if err != nil {
			return nil, err
		}
		rep.Faults += cr.Faults
		rep.Chains = append(rep.Chains, cr)
	}
	return rep, nil
}

// chainGroups finds the chains in the cluster: the partner-tenant label values of all records (read
// as metadata only, a page at a time), named after the PartnerTenants that exist; and the records
// without the label.
func chainGroups(ctx context.Context, kc client.Client) ([]chainGroup, []string, error) {
	var pts v1alpha1.PartnerTenantList
	if err := kc.List(ctx, &pts); err != nil {
		return nil, nil, fmt.Errorf("listing PartnerTenants: %w", err)
	}
	names := map[string]string{}
	for _, pt := range pts.Items {
		names[v1alpha1.LinkLabelValue(pt.Name)] = pt.Name
	}
	labels := map[string]bool{}
	var unlabeled []string
	cont := ""
	for {
		page := &metav1.PartialObjectMetadataList{}
		page.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("AttestationRecordList"))
		if err := kc.List(ctx, page, client.Limit(recordPageSize), client.Continue(cont)); err != nil {
			return nil, nil, fmt.Errorf("listing AttestationRecords: %w", err)
		}
		for _, m := range page.Items {
			if l := m.Labels[v1alpha1.LabelRecordPartnerTenant]; l != "" {
				labels[l] = true
			} else {
				unlabeled = append(unlabeled, m.Name)
			}
		}
		if cont = page.Continue; cont == "" {
			break
		}
	}
	groups := make([]chainGroup, 0, len(labels))
	for l := range labels {
		groups = append(groups, chainGroup{label: l, name: names[l]})
	}
	slices.SortFunc(groups, func(x, y chainGroup) int { return strings.Compare(x.label, y.label) })
	return groups, unlabeled, nil
}

// verifyChain reads one chain's records and checks it. The chain's PartnerTenant is g.name, else
// (a PartnerTenant deleted since) the one its first record names.
func verifyChain(ctx context.Context, kc client.Reader, g chainGroup) (ChainReport, error) {
	var entries []mca.ChainEntry
	err := listRecords(ctx, kc, func(rec *v1alpha1.AttestationRecord) error {
		entries = append(entries, mca.ChainEntryOf(rec))
		return nil
	}, client.MatchingLabels{v1alpha1.LabelRecordPartnerTenant: g.label})
	if err != nil {
		return ChainReport{}, err
	}
	name := g.name
	if name == "" && len(entries) > 0 {
		name = entries[0].PartnerTenant
	}
	cr := ChainReport{PartnerTenant: name, Records: len(entries)}
	for _, e := range entries {
		if cr.First == 0 || e.Sequence < cr.First {
			cr.First = e.Sequence
		}
		cr.Last = max(cr.Last, e.Sequence)
	}
	cr.Findings = mca.VerifyChain(name, entries)
	for _, f := range cr.Findings {
		if f.IsFault() {
			cr.Faults++
		}
	}
	return cr, nil
}

func printVerify(w io.Writer, rep *VerifyReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTNERTENANT\tRECORDS\tSEQUENCES\tRESULT")
	for _, c := range rep.Chains {
		seqs, result := "-", "ok"
		if c.Records > 0 {
			seqs = fmt.Sprintf("%d-%d", c.First, c.Last)
		}
		if c.Faults > 0 {
			result = fmt.Sprintf("%d problems", c.Faults)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", printable(c.PartnerTenant), c.Records, seqs, result)
	}
	_ = tw.Flush()
	if rep.Faults == 0 && !hasFindings(rep) {
		fmt.Fprintf(w, "%d chains verified: nothing missing, altered or out of order.\n", len(rep.Chains))
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTNERTENANT\tFINDING\tSEQUENCE\tRECORD\tDETAIL")
	for _, c := range rep.Chains {
		for _, f := range c.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", printable(c.PartnerTenant), f.Kind, f.Sequence, printable(f.Record), printable(f.Detail))
		}
	}
	for _, n := range rep.Unlabeled {
		fmt.Fprintf(tw, "-\t%s\t-\t%s\t%s\n", mca.FindingAltered, printable(n), "it carries no "+v1alpha1.LabelRecordPartnerTenant+" label: no chain holds it")
	}
	_ = tw.Flush()
}

func hasFindings(rep *VerifyReport) bool {
	for _, c := range rep.Chains {
		if len(c.Findings) > 0 {
			return true
		}
	}
	return false
}
