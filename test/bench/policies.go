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
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// shippedPolicies are the admission policies of config/policies that concern CustomerAgreements:
// a cluster that runs the operator has them, so the benchmark's objects get the shard label and
// the requester's annotations from the API server, as in production, and the manager has nothing
// to label.
var shippedPolicies = []string{"partner_tenant_label.yaml", "requested_by.yaml"}

// installPolicies creates the shipped policies from dir and waits until the API server applies
// them (its policy plugin picks new policies up within a second or so).
func (cp *controlPlane) installPolicies(ctx context.Context, dir string) error {
	for _, file := range shippedPolicies {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		for _, doc := range bytes.Split(b, []byte("\n---\n")) {
			var u unstructured.Unstructured
			if err := yaml.Unmarshal(doc, &u.Object); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if err := cp.cl.Create(ctx, &u); err != nil {
				return fmt.Errorf("creating %s %s from %s: %w", u.GetKind(), u.GetName(), file, err)
			}
		}
	}
	return cp.waitPoliciesApplied(ctx)
}

// waitPoliciesApplied dry-runs the creation of a CustomerAgreement until the API server sets its
// shard label.
func (cp *controlPlane) waitPoliciesApplied(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		probe := agreementsFor(customers(1, func(int) kind { return kindAttested }))[0]
		probe.Namespace, probe.Name = credentialsNamespace, "bench-policy-probe"
		// An error too may be passing: the API server serves a new CRD a moment after envtest
		// saw it established.
		err := cp.cl.Create(ctx, probe, client.DryRunAll)
		if err == nil {
			got := probe.Labels[v1alpha1.LabelPartnerTenant]
			if got == partnerName {
				return nil
			}
			err = fmt.Errorf("the label %s is %q", v1alpha1.LabelPartnerTenant, got)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API server did not apply the shipped policies (%v) within 30s (last: %w)", shippedPolicies, err)
		}
		if err := sleepUntil(ctx, time.Now().Add(200*time.Millisecond)); err != nil {
			return err
		}
	}
}
