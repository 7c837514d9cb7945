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
	"reflect"
	"strings"
	"testing"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestGitOpsOrigin(t *testing.T) {
	const ns, name = "customers", "wide-world"
	track := func(id string) map[string]string { return map[string]string{ArgoCDTrackingID: id} }
	own := "partnercenter.mca.dev/CustomerAgreement:customers/wide-world"
	argo := func(appNS, app string) *v1alpha1.GitOpsOrigin {
		return &v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsArgoCD, Kind: "Application", Namespace: appNS, Name: app}
	}
	flux := func(kind, fluxNS, n string) *v1alpha1.GitOpsOrigin {
		return &v1alpha1.GitOpsOrigin{Tool: v1alpha1.GitOpsFlux, Kind: kind, Namespace: fluxNS, Name: n}
	}
	kustomization := map[string]string{fluxKustomizationName: "customers", fluxKustomizationNamespace: "flux-system"}
	helm := map[string]string{fluxHelmReleaseName: "mca", fluxHelmReleaseNamespace: "flux-system"}
	for _, tc := range []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        *v1alpha1.GitOpsOrigin
	}{
		{"nothing", nil, nil, nil},
		{"argo cd, application in its own namespace", nil, track("customers:" + own), argo(ArgoCDNamespace, "customers")},
		{"argo cd, application in any namespace", nil, track("team-a_customers:" + own), argo("team-a", "customers")},
		{"argo cd, tracking another object", nil, track("customers:partnercenter.mca.dev/CustomerAgreement:customers/other"), nil},
		{"argo cd, tracking another kind", nil, track("customers:apps/Deployment:customers/wide-world"), nil},
		{"argo cd, a colon too many", nil, track("customers:x:" + own), nil},
		{"argo cd, no app", nil, track(":" + own), nil},
		{"argo cd, app not a name", nil, track("Customers!:" + own), nil},
		{"argo cd, app namespace not a label", nil, track("team.a_customers:" + own), nil},
		{"argo cd, line break in the app", nil, track("cust\nomers:" + own), nil},
		{"argo cd, app too long", nil, track(strings.Repeat("a", 254) + ":" + own), nil},
		{"argo cd, empty tracking id", nil, track(""), nil},
		// The instance label alone names nothing: Helm and others set it too.
		{"argo cd instance label only", map[string]string{"app.kubernetes.io/instance": "customers"}, nil, nil},
		// A tracking id present decides, even if invalid: Flux's labels do not stand in for it.
		{"argo cd invalid beside flux labels", kustomization, track("x"), nil},
		{"flux kustomization", kustomization, nil, flux("Kustomization", "flux-system", "customers")},
		{"flux helm release", helm, nil, flux("HelmRelease", "flux-system", "mca")},
		{"flux kustomization before helm release", map[string]string{fluxKustomizationName: "k", fluxKustomizationNamespace: "flux-system",
			fluxHelmReleaseName: "h", fluxHelmReleaseNamespace: "flux-system"}, nil, flux("Kustomization", "flux-system", "k")},
		{"flux name without namespace", map[string]string{fluxKustomizationName: "customers"}, nil, nil},
		{"flux namespace without name", map[string]string{fluxHelmReleaseNamespace: "flux-system"}, nil, nil},
		{"flux namespace not a label", map[string]string{fluxKustomizationName: "k", fluxKustomizationNamespace: "../etc"}, nil, nil},
		{"flux name with a slash", map[string]string{fluxKustomizationName: "a/b", fluxKustomizationNamespace: "flux-system"}, nil, nil},
		{"flux namespace too long", map[string]string{fluxKustomizationName: "k", fluxKustomizationNamespace: strings.Repeat("a", 64)}, nil, nil},
		{"flux labels in annotations", nil, kustomization, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := GitOpsOrigin(ns, name, tc.labels, tc.annotations); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GitOpsOrigin = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGitOpsRevision(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"4f1c2e9d0b":                       "4f1c2e9d0b",
		"main@sha1:4f1c2e9d0b":             "main@sha1:4f1c2e9d0b",
		"1.2.3":                            "1.2.3",
		"main@sha1:4f\nrevision=forged":    "",
		"a b":                              "",
		"\u202eevil":                       "",
		strings.Repeat("a", maxRevision):   strings.Repeat("a", maxRevision),
		strings.Repeat("a", maxRevision+1): "",
	} {
		if got := GitOpsRevision(in); got != want {
			t.Errorf("GitOpsRevision(%q) = %q, want %q", in, got, want)
		}
	}
}
