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

package mca

import (
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The metadata by which Argo CD and Flux mark what they applied. Anyone who may edit an object may
// write them: GitOpsOrigin only names from them, and refuses a value that is not a Kubernetes name.
const (
	// ArgoCDTrackingID is Argo CD's annotation tracking: "<app>:<group>/<kind>:<namespace>/<name>",
	// the app written "<namespace>_<app>" for an Application outside Argo CD's own namespace.
	ArgoCDTrackingID = "argocd.argoproj.io/tracking-id"
	// ArgoCDNamespace is the namespace of an Application whose tracking id names none: Argo CD's
	// own, as installed by default.
	ArgoCDNamespace = "argocd"

	fluxKustomizationName      = "kustomize.toolkit.fluxcd.io/name"
	fluxKustomizationNamespace = "kustomize.toolkit.fluxcd.io/namespace"
	fluxHelmReleaseName        = "helm.toolkit.fluxcd.io/name"
	fluxHelmReleaseNamespace   = "helm.toolkit.fluxcd.io/namespace"

	// maxRevision bounds a revision read from a GitOps object's status.
	maxRevision = 256
)

// GitOpsOrigin names the GitOps object that applied the CustomerAgreement namespace/name from its
// labels and annotations, or nil. Argo CD: the tracking-id annotation only, and only when it
// tracks this very object (a tracking id copied onto another object names nothing; the label
// app.kubernetes.io/instance is not read: Helm and others set it too). Flux: both labels of a
// Kustomization, else both of a HelmRelease. A name or namespace that is not a valid Kubernetes
// name yields nil.
func GitOpsOrigin(namespace, name string, labels, annotations map[string]string) *v1alpha1.GitOpsOrigin {
	if id, ok := annotations[ArgoCDTrackingID]; ok {
		return argoOrigin(id, namespace, name)
	}
	if o := fluxOrigin(labels, fluxKustomizationNamespace, fluxKustomizationName, "Kustomization"); o != nil {
		return o
	}
	return fluxOrigin(labels, fluxHelmReleaseNamespace, fluxHelmReleaseName, "HelmRelease")
}

func argoOrigin(id, namespace, name string) *v1alpha1.GitOpsOrigin {
	parts := strings.Split(id, ":")
	if len(parts) != 3 || parts[1] != v1alpha1.GroupVersion.Group+"/CustomerAgreement" || parts[2] != namespace+"/"+name {
		return nil
	}
	appNS, app, ok := strings.Cut(parts[0], "_")
	if !ok {
		appNS, app = ArgoCDNamespace, parts[0]
	}
	return origin(v1alpha1.GitOpsArgoCD, "Application", appNS, app)
}

func fluxOrigin(labels map[string]string, nsKey, nameKey, kind string) *v1alpha1.GitOpsOrigin {
	ns, okNS := labels[nsKey]
	n, okName := labels[nameKey]
	if !okNS || !okName {
		return nil
	}
	return origin(v1alpha1.GitOpsFlux, kind, ns, n)
}

func origin(tool v1alpha1.GitOpsTool, kind, namespace, name string) *v1alpha1.GitOpsOrigin {
	if len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return nil
	}
	return &v1alpha1.GitOpsOrigin{Tool: tool, Kind: kind, Namespace: namespace, Name: name}
}

// GitOpsRevision is the revision read from a GitOps object's status as a record keeps it: at most
// 256 characters, printable ones only, else empty (a status may be written by whoever may write it).
func GitOpsRevision(s string) string {
	if len(s) > maxRevision || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return ""
	}
	return s
}
