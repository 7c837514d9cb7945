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

package manifests_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInstallerHasEverything checks that config/default, which `make build-installer` writes to
// dist/install.yaml, is a whole installation in one file: both CRDs, the namespace, the
// ServiceAccount, the RBAC, the Deployment and the metrics Service.
func TestInstallerHasEverything(t *testing.T) {
	r := render(t, "default")
	for _, want := range []struct{ kind, name string }{
		{"CustomResourceDefinition", "customeragreements.partnercenter.mca.dev"},
		{"CustomResourceDefinition", "partnertenants.partnercenter.mca.dev"},
		{"Namespace", operatorNamespace},
		{"ServiceAccount", namePrefix + "controller-manager"},
		{"ClusterRole", namePrefix + "manager-role"},
		{"ClusterRoleBinding", namePrefix + "manager-rolebinding"},
		{"Role", namePrefix + "leader-election-role"},
		{"Deployment", namePrefix + "controller-manager"},
		{"Service", namePrefix + "controller-manager-metrics-service"},
	} {
		if len(find(r.objects, want.kind, want.name)) != 1 {
			t.Errorf("config/default (dist/install.yaml) has no %s %s", want.kind, want.name)
		}
	}
}

// TestMakefileInstallTargets checks that the Makefile has the scaffold's install/uninstall and
// deploy/undeploy pairs and that build-installer renders config/default into dist/install.yaml.
func TestMakefileInstallTargets(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	mk := string(data)
	for _, target := range []string{"install", "uninstall", "deploy", "undeploy", "build-installer"} {
		if !regexp.MustCompile(`(?m)^` + target + `:`).MatchString(mk) {
			t.Errorf("the Makefile has no %s target", target)
		}
	}
	// build-installer and release both render with render-install (a copy of config/ with the image
	// set); test/release checks the release's install.yaml against config/default.
	if !strings.Contains(mk, "$(call render-install,dist/install.yaml)") ||
		!strings.Contains(mk, `$(KUSTOMIZE) build "$$config/config/default" > $(1)`) {
		t.Error("build-installer does not render config/default into dist/install.yaml")
	}
}
