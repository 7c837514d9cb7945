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
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// registerCompletions completes PartnerTenant names for --partner-tenant, in every command and
// subcommand (audit verify ...), CustomerAgreements for audit show (approve and deny complete the
// records awaiting a decision themselves). Cobra's own `completion`
// command writes the bash, zsh, fish and PowerShell scripts.
func registerCompletions(a *app, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Flags().Lookup("partner-tenant") != nil {
			_ = c.RegisterFlagCompletionFunc("partner-tenant", a.completePartnerTenants)
		}
		if c.Name() == "show" && c.Parent() != nil && c.Parent().Name() == "audit" {
			c.ValidArgsFunction = a.completeNamespacedCustomerAgreements
		}
		registerCompletions(a, c)
	}
}

// completeNamespacedCustomerAgreements completes NAMESPACE/NAME of the CustomerAgreements in
// every namespace the user may list.
func (a *app) completeNamespacedCustomerAgreements(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	kc, err := a.kube()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var cas v1alpha1.CustomerAgreementList
	if err := kc.List(cmd.Context(), &cas); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]string, 0, len(cas.Items))
	for _, ca := range cas.Items {
		out = append(out, ca.Namespace+"/"+ca.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completePartnerTenants(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	kc, err := a.kube()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var pts v1alpha1.PartnerTenantList
	if err := kc.List(cmd.Context(), &pts); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]string, 0, len(pts.Items))
	for _, pt := range pts.Items {
		out = append(out, pt.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completeCustomerAgreements(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		if cmd.Name() == "reconcile" && args[0] == "partnertenant" && len(args) == 1 {
			return a.completePartnerTenants(cmd, nil, "")
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	kc, err := a.kube()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, err := a.namespace()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var cas v1alpha1.CustomerAgreementList
	if err := kc.List(cmd.Context(), &cas, client.InNamespace(ns)); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]string, 0, len(cas.Items)+1)
	if cmd.Name() == "reconcile" {
		out = append(out, "partnertenant")
	}
	for _, ca := range cas.Items {
		out = append(out, ca.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completePendingRecords completes the names of the AttestationRecords awaiting a decision (by
// their pending label), for approve and deny.
func (a *app) completePendingRecords(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	kc, err := a.kube()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	_ = listRecords(cmd.Context(), kc, func(rec *v1alpha1.AttestationRecord) error {
		if mca.NotAwaiting(rec) == "" {
			out = append(out, rec.Name)
		}
		return nil
	}, client.MatchingLabels{v1alpha1.LabelRecordApproval: v1alpha1.ApprovalPending})
	return out, cobra.ShellCompDirectiveNoFileComp
}
