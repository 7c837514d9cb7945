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
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// pauseCmd is `pause NAME` (pause true) or `resume NAME` (pause false).
func (a *app) pauseCmd(pause bool) *cobra.Command {
	use, short := "resume NAME", "Resume a paused CustomerAgreement"
	if pause {
		use, short = "pause NAME", "Pause a CustomerAgreement: the operator leaves it alone (no Partner Center calls)"
	}
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeCustomerAgreements,
		RunE: func(cmd *cobra.Command, args []string) error {
			var v any // nil removes the annotation
			verb := "resumed"
			if pause {
				v, verb = annotationTrue, "paused"
			}
			ns, err := a.namespace()
			if err != nil {
				return err
			}
			if err := a.annotate(cmd.Context(), &v1alpha1.CustomerAgreement{}, ns, args[0], v1alpha1.AnnotationPaused, v); err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "customeragreement %s/%s %s\n", ns, args[0], verb)
			return nil
		},
	}
}

func (a *app) reconcileCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reconcile NAME | reconcile partnertenant NAME",
		Short: "Ask the operator to reconcile a CustomerAgreement (or a PartnerTenant) now",
		Long: `reconcile sets the annotation partnercenter.mca.dev/reconcile-requested-at to the current time,
which makes the operator reconcile the object now instead of at its next resync.`,
		Example: `  kubectl mca reconcile contoso -n customers
  kubectl mca reconcile partnertenant contoso-csp`,
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: a.completeCustomerAgreements,
		RunE: func(cmd *cobra.Command, args []string) error {
			stamp := a.now().UTC().Format(time.RFC3339Nano)
			if len(args) == 2 {
				switch args[0] {
				case "partnertenant", "partnertenants", "ptenant", "pt":
				default:
					return fmt.Errorf("reconcile %s %s: the only kind besides CustomerAgreements is partnertenant", args[0], args[1])
				}
				if err := a.annotate(cmd.Context(), &v1alpha1.PartnerTenant{}, "", args[1], v1alpha1.AnnotationReconcileRequestedAt, stamp); err != nil {
					return err
				}
				fmt.Fprintf(a.streams.Out, "partnertenant %s: reconcile requested\n", args[1])
				return nil
			}
			ns, err := a.namespace()
			if err != nil {
				return err
			}
			if err := a.annotate(cmd.Context(), &v1alpha1.CustomerAgreement{}, ns, args[0], v1alpha1.AnnotationReconcileRequestedAt, stamp); err != nil {
				return err
			}
			fmt.Fprintf(a.streams.Out, "customeragreement %s/%s: reconcile requested\n", ns, args[0])
			return nil
		},
	}
}

// annotate sets (or, with a nil value, removes) one annotation by a merge patch.
func (a *app) annotate(ctx context.Context, obj client.Object, ns, name, key string, value any) error {
	kc, err := a.kube()
	if err != nil {
		return err
	}
	obj.SetNamespace(ns)
	obj.SetName(name)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{key: value}}})
	if err != nil {
		return err
	}
	return kc.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", patch))
}
