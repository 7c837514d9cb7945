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
	"encoding/json"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

const (
	// lastAppliedAnnotation is where `kubectl apply` (client-side, Argo CD's default) keeps the
	// manifest it applied.
	lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
	// gitOpsFieldManager is the field manager of a client-side apply.
	gitOpsFieldManager = "kubectl-client-side-apply"
	// gitOpsTrackingLabel is the label by which Argo CD tracks what it applied.
	gitOpsTrackingLabel = "app.kubernetes.io/instance"
)

// asGitOpsApplies makes the CustomerAgreements what a client-side apply creates: the tracking
// label, and the manifest as applied in the last-applied annotation. Created with
// gitOpsCreateOption, they also carry the apply's managedFields.
func asGitOpsApplies(cas []*v1alpha1.CustomerAgreement) error {
	for _, ca := range cas {
		ca.Labels = map[string]string{gitOpsTrackingLabel: "customers"}
		manifest := ca.DeepCopy()
		manifest.APIVersion, manifest.Kind = v1alpha1.GroupVersion.String(), "CustomerAgreement"
		b, err := json.Marshal(manifest)
		if err != nil {
			return err
		}
		ca.Annotations = map[string]string{lastAppliedAnnotation: string(b)}
	}
	return nil
}

// gitOpsCreateOption creates as `kubectl apply` does.
var gitOpsCreateOption = client.FieldOwner(gitOpsFieldManager)
