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
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// PendingAct is one act awaiting a decision, as `pending -o json` writes it.
type PendingAct struct {
	Record            string      `json:"record"`
	PartnerTenant     string      `json:"partnerTenant"`
	CustomerTenantID  string      `json:"customerTenantId"`
	CustomerAgreement string      `json:"customerAgreement"`
	Act               string      `json:"act"`
	RequestedBy       string      `json:"requestedBy,omitempty"`
	RequestBodySHA256 string      `json:"requestBodySHA256"`
	Created           metav1.Time `json:"created"`
}

func (a *app) pendingCmd() *cobra.Command {
	var partnerTenant, output string
	cmd := &cobra.Command{
		Use:   "pending [--partner-tenant NAME] [-o json]",
		Short: "The acts awaiting approval (four eyes), for kubectl mca approve or deny",
		Long: `pending lists the AttestationRecords whose act waits for a person's decision: their PartnerTenant
requires approval, nobody decided yet, and the act was neither sent nor superseded by a changed
spec. It selects them by the label partnercenter.mca.dev/approval=pending, a page at a time, and
shows for each the record, PartnerTenant, customer, CustomerAgreement, act, who asked for it and
how long it has waited. Decide with kubectl mca approve RECORD or kubectl mca deny RECORD.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != outputJSON {
				return fmt.Errorf("-o %s: use json or leave it out", output)
			}
			kc, err := a.kube()
			if err != nil {
				return err
			}
			opts := []client.ListOption{client.MatchingLabels{v1alpha1.LabelRecordApproval: v1alpha1.ApprovalPending}}
			if partnerTenant != "" {
				opts = append(opts, ofPartnerTenant(partnerTenant))
			}
			acts := []PendingAct{}
			if err := listRecords(cmd.Context(), kc, func(rec *v1alpha1.AttestationRecord) error {
				if mca.NotAwaiting(rec) == "" {
					acts = append(acts, pendingAct(rec))
				}
				return nil
			}, opts...); err != nil {
				return err
			}
			if output == outputJSON {
				return encodeJSON(a.streams.Out, acts)
			}
			if len(acts) == 0 {
				fmt.Fprintln(a.streams.ErrOut, "No act awaits approval.")
				return nil
			}
			a.printPending(acts)
			return nil
		},
	}
	cmd.Flags().StringVar(&partnerTenant, "partner-tenant", "", "This PartnerTenant's acts only.")
	cmd.Flags().StringVarP(&output, "output", "o", "", "json, or leave it out for a table.")
	return cmd
}

func pendingAct(rec *v1alpha1.AttestationRecord) PendingAct {
	s := &rec.Spec
	return PendingAct{Record: rec.Name, PartnerTenant: s.PartnerTenant.Name, CustomerTenantID: s.CustomerTenantID,
		CustomerAgreement: s.CustomerAgreement.Namespace + "/" + s.CustomerAgreement.Name, Act: string(s.Act),
		RequestedBy: s.RequestedBy.Username, RequestBodySHA256: s.RequestBodySHA256, Created: rec.CreationTimestamp}
}

// printPending writes the acts as a table; every text is escaped: it comes from a record.
func (a *app) printPending(acts []PendingAct) {
	tw := tabwriter.NewWriter(a.streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECORD\tPARTNERTENANT\tCUSTOMER\tCUSTOMERAGREEMENT\tACT\tREQUESTED BY\tAGE")
	now := a.now()
	for _, p := range acts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(p.Record), printable(p.PartnerTenant), printable(p.CustomerTenantID),
			printable(p.CustomerAgreement), printable(p.Act), printable(orDash(p.RequestedBy)), duration.HumanDuration(now.Sub(p.Created.Time)))
	}
	_ = tw.Flush()
}
