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
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// commentedYAML matches the commented-out YAML lines of config/default/kustomization.yaml
// ("#- ../prometheus", "#patches:", "#  target:"), not its prose ("# [PROMETHEUS] Uncomment ...").
var commentedYAML = regexp.MustCompile(`(?m)^#(\S|  )`)

// renderAllOptions renders config/default with every commented-out option enabled, as a user who
// uncomments them all would.
func renderAllOptions(t *testing.T) renderResult {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "config", "default", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"#- ../certmanager", "#- ../prometheus", "#- path: cert_metrics_manager_patch.yaml", "#replacements:"} {
		if !strings.Contains(string(data), opt) {
			t.Fatalf("config/default/kustomization.yaml no longer offers %q", opt)
		}
	}
	enabled := commentedYAML.ReplaceAllString(string(data), "$1")
	return renderWith(t, "default", map[string]string{"/config/default/kustomization.yaml": enabled})
}

// TestMetricsWithCertsRender: with [METRICS-WITH-CERTS] and [PROMETHEUS] enabled, the manager
// serves cert-manager's certificate for the metrics Service's DNS name, and the ServiceMonitor
// verifies it with the CA of the same Secret (no insecureSkipVerify) and authenticates with a
// token Secret of a service account bound to metrics-reader (not the deprecated bearerTokenFile).
func TestMetricsWithCertsRender(t *testing.T) {
	r := renderAllOptions(t)
	one := func(kind string) map[string]any {
		t.Helper()
		objs := find(r.objects, kind, "")
		if len(objs) != 1 {
			t.Fatalf("config/default with every option renders %d %s, want 1", len(objs), kind)
		}
		if ns := str(objs[0], "metadata", "namespace"); ns != operatorNamespace {
			t.Errorf("%s is in namespace %q", kind, ns)
		}
		return objs[0]
	}
	svc := find(r.objects, "Service", namePrefix+"controller-manager-metrics-service")
	if len(svc) != 1 {
		t.Fatal("metrics Service not rendered")
	}
	dnsName := namePrefix + "controller-manager-metrics-service." + operatorNamespace + ".svc"

	issuer, cert := one("Issuer"), one("Certificate")
	if got := str(cert, "spec", "issuerRef", "name"); got != str(issuer, "metadata", "name") {
		t.Errorf("the Certificate's issuer is %q, the Issuer is %q", got, str(issuer, "metadata", "name"))
	}
	dnsNames := fmt.Sprint(nested(cert, "spec", "dnsNames"))
	if want := fmt.Sprint([]any{dnsName, dnsName + ".cluster.local"}); dnsNames != want {
		t.Errorf("the Certificate's dnsNames are %s, want %s", dnsNames, want)
	}
	certSecret := str(cert, "spec", "secretName")

	dep := find(r.objects, "Deployment", namePrefix+"controller-manager")[0]
	pod, _ := nested(dep, "spec", "template", "spec").(map[string]any)
	container, _ := pod["containers"].([]any)[0].(map[string]any)
	var certPath string
	for _, a := range container["args"].([]any) {
		if s, _ := a.(string); strings.HasPrefix(s, "--metrics-cert-path=") {
			certPath = strings.TrimPrefix(s, "--metrics-cert-path=")
		}
	}
	if certPath == "" {
		t.Fatalf("the manager's args %v lack --metrics-cert-path", container["args"])
	}
	var volume string
	for _, m := range container["volumeMounts"].([]any) {
		if mm, _ := m.(map[string]any); mm["mountPath"] == certPath {
			volume, _ = mm["name"].(string)
		}
	}
	mounted := slices.ContainsFunc(pod["volumes"].([]any), func(v any) bool {
		vm, _ := v.(map[string]any)
		return vm["name"] == volume && str(vm, "secret", "secretName") == certSecret
	})
	if volume == "" || !mounted {
		t.Errorf("--metrics-cert-path=%s is not the Certificate's Secret %s mounted: mounts %v, volumes %v",
			certPath, certSecret, container["volumeMounts"], pod["volumes"])
	}

	sm := one("ServiceMonitor")
	ep, _ := nested(sm, "spec", "endpoints").([]any)[0].(map[string]any)
	if _, ok := ep["bearerTokenFile"]; ok {
		t.Error("the ServiceMonitor uses the deprecated bearerTokenFile")
	}
	tlsConfig, _ := ep["tlsConfig"].(map[string]any)
	if v, ok := tlsConfig["insecureSkipVerify"]; ok && v != false {
		t.Error("the ServiceMonitor skips certificate verification")
	}
	if tlsConfig["serverName"] != dnsName {
		t.Errorf("the ServiceMonitor's serverName is %v, want %s", tlsConfig["serverName"], dnsName)
	}
	if str(tlsConfig, "ca", "secret", "name") != certSecret || str(tlsConfig, "ca", "secret", "key") != "ca.crt" {
		t.Errorf("the ServiceMonitor trusts %v, want ca.crt of the Certificate's Secret %s", tlsConfig["ca"], certSecret)
	}

	tokenName := str(ep, "authorization", "credentials", "name")
	if str(ep, "authorization", "type") != "Bearer" || str(ep, "authorization", "credentials", "key") != "token" {
		t.Errorf("the ServiceMonitor's authorization is %v, want a Bearer token from a Secret's key token", ep["authorization"])
	}
	token := find(r.objects, "Secret", tokenName)
	if len(token) != 1 || token[0]["type"] != "kubernetes.io/service-account-token" {
		t.Fatalf("the ServiceMonitor's credentials Secret %q is not a rendered service-account token Secret", tokenName)
	}
	scraper := str(token[0], "metadata", "annotations", "kubernetes.io/service-account.name")
	if len(find(r.objects, "ServiceAccount", scraper)) != 1 {
		t.Errorf("the token Secret is for the service account %q, which is not rendered", scraper)
	}
	bound := false
	for _, b := range find(r.objects, "ClusterRoleBinding", "") {
		if str(b, "roleRef", "name") != namePrefix+"metrics-reader" {
			continue
		}
		for _, s := range b["subjects"].([]any) {
			sm, _ := s.(map[string]any)
			if sm["kind"] == "ServiceAccount" && sm["name"] == scraper && sm["namespace"] == operatorNamespace {
				bound = true
			}
		}
	}
	if !bound {
		t.Errorf("the scraper %s is not bound to the ClusterRole %smetrics-reader", scraper, namePrefix)
	}
}
