package main

import (
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// registerCompletions completes PartnerTenant names for --partner-tenant. Cobra's own
// `completion` command writes the bash, zsh, fish and PowerShell scripts.
func registerCompletions(a *app, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Flags().Lookup("partner-tenant") != nil {
			_ = c.RegisterFlagCompletionFunc("partner-tenant", a.completePartnerTenants)
		}
	}
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
