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
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func (a *app) auditExportCmd() *cobra.Command {
	var since, partnerTenant, output string
	cmd := &cobra.Command{
		Use:   "export --since DATE [--partner-tenant NAME] [-o jsonl]",
		Short: "The AttestationRecords of the acts since a date: a table, or JSON lines to keep outside the cluster",
		Long: `export writes the AttestationRecords of the acts made since --since (a date such as 2026-05-01, an
RFC 3339 time, or a span back from now such as 30d or 12h), in chain order: PartnerTenant by
PartnerTenant, each chain by sequence. The records are read a page at a time and written as they
come, however many there are.

By default it prints a table for people. -o jsonl writes one record per line, each the whole
object as the API server holds it (spec, status, name, uid, labels; without managedFields): what an
auditor keeps outside the cluster. The chain can be checked from it alone: each record's
spec.previous.digest is "sha256:" and the SHA-256 of the canonical encoding of the previous
record's spec (documented in the README). Characters that could drive a terminal are escaped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since == "" {
				return errors.New("--since is required (a date such as 2026-05-01, or a span such as 30d)")
			}
			from, err := parseSince(since, a.now())
			if err != nil {
				return fmt.Errorf("--since: %w", err)
			}
			var opts []client.ListOption
			if partnerTenant != "" {
				opts = append(opts, ofPartnerTenant(partnerTenant))
			}
			return a.writeRecords(output, func(emit func(*v1alpha1.AttestationRecord) error, flush func() error) error {
				kc, err := a.kube()
				if err != nil {
					return err
				}
				n := 0
				return listRecords(cmd.Context(), kc, func(rec *v1alpha1.AttestationRecord) error {
					if actTime(rec).Before(from) {
						return nil
					}
					if err := emit(rec); err != nil {
						return err
					}
					if n++; n%recordPageSize == 0 {
						return flush()
					}
					return nil
				}, opts...)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "The acts made since then: 2026-05-01, an RFC 3339 time, or 30d, 12h back from now (required).")
	f.StringVar(&partnerTenant, "partner-tenant", "", "This PartnerTenant's records only.")
	f.StringVarP(&output, "output", "o", "", "jsonl (one record per line), or leave it out for a table.")
	return cmd
}

// writeRecords runs produce with an emit that writes a record in the output format (a table row,
// or a JSON line) and a flush that aligns the table rows written so far.
func (a *app) writeRecords(output string, produce func(emit func(*v1alpha1.AttestationRecord) error, flush func() error) error) error {
	switch output {
	case outputJSONL:
		return produce(func(rec *v1alpha1.AttestationRecord) error { return writeJSONLine(a.streams.Out, exported(rec)) }, func() error { return nil })
	case "":
		t := newRecordTable(a.streams.Out)
		if err := produce(func(rec *v1alpha1.AttestationRecord) error { t.row(rec); return nil }, t.flush); err != nil {
			return err
		}
		return t.flush()
	default:
		return fmt.Errorf("-o %s: use jsonl or leave it out", output)
	}
}

func (a *app) auditShowCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show CUSTOMER",
		Short: "One customer's history of acts, oldest first",
		Long: `show lists the AttestationRecords of one customer, oldest first. CUSTOMER is a customer tenant id,
or NAMESPACE/NAME of a CustomerAgreement: then the records it caused, and, while it exists, every
record of its customer tenant id (made for another CustomerAgreement since deleted, or through
another PartnerTenant). It reads every record a page at a time and keeps the customer's only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			match, err := a.customerMatcher(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			kc, err := a.kube()
			if err != nil {
				return err
			}
			var recs []*v1alpha1.AttestationRecord
			if err := listRecords(cmd.Context(), kc, func(rec *v1alpha1.AttestationRecord) error {
				if match(rec) {
					recs = append(recs, rec.DeepCopy())
				}
				return nil
			}); err != nil {
				return err
			}
			slices.SortStableFunc(recs, func(x, y *v1alpha1.AttestationRecord) int {
				return cmp.Or(actTime(x).Compare(actTime(y)), strings.Compare(x.Name, y.Name))
			})
			if len(recs) == 0 && output == "" {
				fmt.Fprintf(a.streams.ErrOut, "No AttestationRecord names %s.\n", printable(args[0]))
				return nil
			}
			return a.writeRecords(output, func(emit func(*v1alpha1.AttestationRecord) error, _ func() error) error {
				for _, rec := range recs {
					if err := emit(rec); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "jsonl (one record per line), or leave it out for a table.")
	return cmd
}

// customerMatcher says which records belong to the customer arg names: a customer tenant id, or
// NAMESPACE/NAME of a CustomerAgreement (its records, and while it exists its customer's).
func (a *app) customerMatcher(ctx context.Context, arg string) (func(*v1alpha1.AttestationRecord) bool, error) {
	ns, name, isCA := strings.Cut(arg, "/")
	if !isCA {
		id, ok := customerTenantID(arg)
		if !ok {
			return nil, fmt.Errorf("%q is neither a customer tenant id (a GUID) nor NAMESPACE/NAME of a CustomerAgreement", printable(arg))
		}
		return func(rec *v1alpha1.AttestationRecord) bool { return strings.EqualFold(rec.Spec.CustomerTenantID, id) }, nil
	}
	kc, err := a.kube()
	if err != nil {
		return nil, err
	}
	tenant := ""
	var ca v1alpha1.CustomerAgreement
	switch err := kc.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &ca); {
	case err == nil:
		tenant = ca.Spec.CustomerTenantID
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading CustomerAgreement %s: %w", arg, err)
	}
	return func(rec *v1alpha1.AttestationRecord) bool {
		c := rec.Spec.CustomerAgreement
		return (c.Namespace == ns && c.Name == name) || (tenant != "" && strings.EqualFold(rec.Spec.CustomerTenantID, tenant))
	}, nil
}
