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

// Package helm_test renders charts/mca-operator with Helm's own Go packages (the same loader,
// engine and linter as the helm CLI) and compares it with `kustomize build config/default`: with
// the default values and the release name mca-operator in mca-operator-system, the chart must
// create the same RBAC, the same Deployment pod (security contexts, command, args, probes,
// volumes) and the same metrics Service. Helm is imported by this test only: a test checks that
// the manager binary does not link it.
package helm_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/test/internal/repo"
)

const (
	releaseName = "mca-operator"
	namespace   = "mca-operator-system"
)

type object = map[string]any

func chartDir(t *testing.T) string { return filepath.Join(repo.Root(t), "charts", "mca-operator") }

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// splitDocs parses a multi-document YAML stream into objects, skipping empty documents.
func splitDocs(t *testing.T, data []byte) []object {
	t.Helper()
	var out []object
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%v in\n%s", err, data)
		}
		if doc == nil {
			continue
		}
		// Round-trip through JSON so that numbers and maps have the types sigs.k8s.io/yaml gives.
		raw, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var obj object
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

// renderChart renders the chart as `helm template mca-operator charts/mca-operator -n
// mca-operator-system --set ...` does, CRDs included.
func renderChart(t *testing.T, overrides string) []object {
	t.Helper()
	c := loadChart(t)
	vals, err := chartutil.ReadValues([]byte(overrides))
	if err != nil {
		t.Fatal(err)
	}
	renderVals, err := chartutil.ToRenderValues(c, vals.AsMap(),
		chartutil.ReleaseOptions{Name: releaseName, Namespace: namespace, IsInstall: true, Revision: 1},
		chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(c, renderVals)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []object
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasSuffix(name, ".tpl") {
			continue
		}
		objs = append(objs, splitDocs(t, []byte(files[name]))...)
	}
	for _, crd := range c.CRDObjects() {
		objs = append(objs, splitDocs(t, crd.File.Data)...)
	}
	return objs
}

func renderKustomize(t *testing.T, dir string) []object {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).
		Run(filesys.MakeFsOnDisk(), filepath.Join(repo.Root(t), "config", dir))
	if err != nil {
		t.Fatal(err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return splitDocs(t, out)
}

func str(obj object, path ...string) string {
	v, _ := nested(obj, path...).(string)
	return v
}

func nested(obj any, path ...string) any {
	for _, p := range path {
		m, ok := obj.(map[string]any)
		if !ok {
			return nil
		}
		obj = m[p]
	}
	return obj
}

func key(obj object) string {
	ns := str(obj, "metadata", "namespace")
	if strings.HasPrefix(str(obj, "kind"), "MutatingAdmissionPolicy") {
		// Cluster-scoped; kustomize does not know the kind yet and gives it config/default's
		// namespace, which the API server drops.
		ns = ""
	}
	return fmt.Sprintf("%s %s/%s", str(obj, "kind"), ns, str(obj, "metadata", "name"))
}

func index(objs []object) map[string]object {
	m := map[string]object{}
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if str(o, "kind") == kind && (name == "" || str(o, "metadata", "name") == name) {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

func has(objs []object, kind string) bool {
	for _, o := range objs {
		if str(o, "kind") == kind {
			return true
		}
	}
	return false
}

func args(t *testing.T, objs []object) []string {
	t.Helper()
	dep := find(t, objs, "Deployment", "")
	containers, _ := nested(dep, "spec", "template", "spec", "containers").([]any)
	raw := nested(containers[0], "args").([]any)
	out := make([]string, 0, len(raw))
	for _, a := range raw {
		out = append(out, a.(string))
	}
	return out
}

// TestChartMatchesKustomize: with the default values, the chart creates what config/default
// creates (but the Namespace, which `helm install --create-namespace` makes) under the same names,
// with the same RBAC rules and bindings, the same CRDs and the same pod spec but the image.
func TestChartMatchesKustomize(t *testing.T) {
	chartObjs := index(renderChart(t, ""))
	kustObjs := index(renderKustomize(t, "default"))

	for k, want := range kustObjs {
		kind := str(want, "kind")
		if kind == "Namespace" {
			continue
		}
		got, ok := chartObjs[k]
		if !ok {
			t.Errorf("the chart does not render %s", k)
			continue
		}
		switch kind {
		case "ClusterRole", "Role":
			if !reflect.DeepEqual(got["rules"], want["rules"]) {
				t.Errorf("%s: the chart's rules differ from config/default's:\nchart: %v\nkustomize: %v", k, got["rules"], want["rules"])
			}
			for l, v := range nested(want, "metadata", "labels").(map[string]any) {
				if strings.HasPrefix(l, "rbac.authorization.k8s.io/aggregate-to-") && nested(got, "metadata", "labels", l) != v {
					t.Errorf("%s: the chart lacks the label %s=%v", k, l, v)
				}
			}
			for l := range nested(got, "metadata", "labels").(map[string]any) {
				if strings.HasPrefix(l, "rbac.authorization.k8s.io/aggregate-to-") && nested(want, "metadata", "labels", l) == nil {
					t.Errorf("%s: the chart adds the label %s", k, l)
				}
			}
		case "ClusterRoleBinding", "RoleBinding":
			for _, f := range []string{"roleRef", "subjects"} {
				if !reflect.DeepEqual(got[f], want[f]) {
					t.Errorf("%s: %s differs:\nchart: %v\nkustomize: %v", k, f, got[f], want[f])
				}
			}
		case "CustomResourceDefinition":
			if !reflect.DeepEqual(got["spec"], want["spec"]) {
				t.Errorf("%s: the chart's CRD differs from config/crd/bases (copy them: make chart)", k)
			}
		case "Deployment":
			gotPod := nested(got, "spec", "template", "spec").(map[string]any)
			wantPod := nested(want, "spec", "template", "spec").(map[string]any)
			for _, pod := range []map[string]any{gotPod, wantPod} {
				for _, c := range pod["containers"].([]any) {
					delete(c.(map[string]any), "image")
				}
			}
			for f := range wantPod {
				if !reflect.DeepEqual(gotPod[f], wantPod[f]) {
					t.Errorf("%s: the pod's %s differs:\nchart: %v\nkustomize: %v", k, f, gotPod[f], wantPod[f])
				}
			}
			for f := range gotPod {
				if _, ok := wantPod[f]; !ok {
					t.Errorf("%s: the chart's pod adds %s", k, f)
				}
			}
			for _, f := range []string{"replicas", "strategy"} {
				if !reflect.DeepEqual(nested(got, "spec", f), nested(want, "spec", f)) {
					t.Errorf("%s: spec.%s differs", k, f)
				}
			}
		case "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding":
			if !reflect.DeepEqual(got["spec"], want["spec"]) {
				t.Errorf("%s: the chart's spec differs from config/policies':\nchart: %v\nkustomize: %v", k, got["spec"], want["spec"])
			}
		case "Service":
			if !reflect.DeepEqual(nested(got, "spec", "ports"), nested(want, "spec", "ports")) {
				t.Errorf("%s: ports differ", k)
			}
		}
		// Selectors must select the pods of this release.
		sel, _ := nested(got, "spec", "selector").(map[string]any)
		if kind == "Deployment" {
			sel, _ = nested(got, "spec", "selector", "matchLabels").(map[string]any)
		}
		if sel != nil {
			podLabels := nested(chartObjs["Deployment "+namespace+"/mca-operator-controller-manager"], "spec", "template", "metadata", "labels").(map[string]any)
			for l, v := range sel {
				if podLabels[l] != v {
					t.Errorf("%s selects %s=%v, the pods have %v", k, l, v, podLabels[l])
				}
			}
		}
	}
	for k := range chartObjs {
		if _, ok := kustObjs[k]; !ok {
			t.Errorf("the chart renders %s, which config/default does not", k)
		}
	}
}

// TestChartImageIsTheProjectVersion: the chart's version and appVersion are the VERSION file, and
// the default image tag follows them.
func TestChartImageIsTheProjectVersion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo.Root(t), "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSpace(string(data))
	c := loadChart(t)
	if c.Metadata.Version != version || c.Metadata.AppVersion != version {
		t.Errorf("Chart.yaml has version %q, appVersion %q; VERSION is %q (run make chart)", c.Metadata.Version, c.Metadata.AppVersion, version)
	}
	dep := find(t, renderChart(t, ""), "Deployment", "")
	containers := nested(dep, "spec", "template", "spec", "containers").([]any)
	if img := str(containers[0].(map[string]any), "image"); img != "mca-operator:v"+version {
		t.Errorf("default image %q, want mca-operator:v%s", img, version)
	}
}

// TestChartCopiesAreCurrent: the CRDs, the alert rules and the admission policies are copies of
// config/ (Helm cannot read files outside the chart); `make chart` refreshes them.
func TestChartCopiesAreCurrent(t *testing.T) {
	root := repo.Root(t)
	pairs := map[string]string{
		"charts/mca-operator/files/prometheus-rules.yaml": "config/prometheus/rules.yaml",
	}
	policies, err := filepath.Glob(filepath.Join(root, "config", "policies", "*.yaml"))
	if err != nil || len(policies) < 2 {
		t.Fatalf("no policies in config/policies: %v", err)
	}
	for _, p := range policies {
		if !strings.HasPrefix(filepath.Base(p), "kustomiz") {
			pairs["charts/mca-operator/files/policies/"+filepath.Base(p)] = "config/policies/" + filepath.Base(p)
		}
	}
	// And nothing else: a policy removed from config/ goes from the chart too.
	copies, err := filepath.Glob(filepath.Join(root, "charts", "mca-operator", "files", "policies", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range copies {
		if _, ok := pairs["charts/mca-operator/files/policies/"+filepath.Base(c)]; !ok {
			t.Errorf("charts/mca-operator/files/policies/%s is not in config/policies (run make chart)", filepath.Base(c))
		}
	}
	crds, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	for _, crd := range crds {
		pairs["charts/mca-operator/crds/"+filepath.Base(crd)] = "config/crd/bases/" + filepath.Base(crd)
	}
	for copyPath, orig := range pairs {
		a, err := os.ReadFile(filepath.Join(root, copyPath))
		if err != nil {
			t.Errorf("%v (run make chart)", err)
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, orig))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s (run make chart)", copyPath, orig)
		}
	}
}

// TestChartValues: the values change what they say, and only that.
func TestChartValues(t *testing.T) {
	objs := renderChart(t, `
credentialsNamespace: partner-secrets
logLevel: debug
leaderElection:
  enabled: true
  namespace: leases
extraArgs: ["--resync-interval=12h"]
extraCA:
  configMapName: corp-proxy-ca
  key: bundle.pem
image:
  repository: registry.example/mca-operator
  tag: v9.9.9
resources:
  limits:
    memory: 512Mi
`)
	want := []string{
		"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443",
		"--leader-election-namespace=leases", "--credentials-namespace=partner-secrets",
		"--zap-log-level=debug", "--partner-center-ca-file=/etc/mca-operator/extra-ca/bundle.pem",
		"--resync-interval=12h",
	}
	if got := args(t, objs); !reflect.DeepEqual(got, want) {
		t.Errorf("args %q, want %q", got, want)
	}
	if ns := str(find(t, objs, "Role", "mca-operator-manager-role"), "metadata", "namespace"); ns != "partner-secrets" {
		t.Errorf("the Secrets Role is in %q, want the credentials namespace", ns)
	}
	if ns := str(find(t, objs, "Role", "mca-operator-leader-election-role"), "metadata", "namespace"); ns != "leases" {
		t.Errorf("the leader-election Role is in %q, want leases", ns)
	}
	dep := find(t, objs, "Deployment", "")
	pod := nested(dep, "spec", "template", "spec").(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	if c["image"] != "registry.example/mca-operator:v9.9.9" {
		t.Errorf("image %v", c["image"])
	}
	if nested(c, "resources", "limits", "memory") != "512Mi" {
		t.Errorf("resources %v", c["resources"])
	}
	if !strings.Contains(fmt.Sprint(pod["volumes"]), "corp-proxy-ca") ||
		!strings.Contains(fmt.Sprint(c["volumeMounts"]), "/etc/mca-operator/extra-ca") {
		t.Errorf("the extra CA ConfigMap is not mounted: %v %v", pod["volumes"], c["volumeMounts"])
	}

	noLE := renderChart(t, "leaderElection: {enabled: false}")
	for _, a := range args(t, noLE) {
		if a == "--leader-elect" {
			t.Error("leaderElection.enabled=false still passes --leader-elect")
		}
	}
	// The PartnerTenant Leases need the Role with leader election off too.
	find(t, noLE, "Role", "mca-operator-leader-election-role")
}

// TestChartShards: shards render one Deployment per shard, each serving its PartnerTenants under
// its own leader election and selecting only its own pods; a PartnerTenant named by two shards
// is refused at render time.
func TestChartShards(t *testing.T) {
	objs := renderChart(t, `
shards:
- {name: emea, partnerTenants: [contoso-de, contoso-fr], replicas: 2}
- {name: us, partnerTenants: [contoso-us]}
`)
	want := map[string]struct {
		args     []string
		replicas float64
	}{
		"mca-operator-controller-manager-emea": {[]string{"--leader-election-id=emea.mca-operator.partnercenter.mca.dev", "--partner-tenants=contoso-de,contoso-fr"}, 2},
		"mca-operator-controller-manager-us":   {[]string{"--leader-election-id=us.mca-operator.partnercenter.mca.dev", "--partner-tenants=contoso-us"}, 1},
	}
	deps := 0
	for _, o := range objs {
		if str(o, "kind") != "Deployment" {
			continue
		}
		deps++
		name := str(o, "metadata", "name")
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected Deployment %s", name)
			continue
		}
		got := args(t, []object{o})
		for _, a := range w.args {
			if !slices.Contains(got, a) {
				t.Errorf("%s: args %q lack %q", name, got, a)
			}
		}
		if r := nested(o, "spec", "replicas"); r != w.replicas {
			t.Errorf("%s: replicas %v, want %v", name, r, w.replicas)
		}
		shard := strings.TrimPrefix(name, "mca-operator-controller-manager-")
		if nested(o, "spec", "selector", "matchLabels", "partnercenter.mca.dev/shard") != shard ||
			nested(o, "spec", "template", "metadata", "labels", "partnercenter.mca.dev/shard") != shard {
			t.Errorf("%s does not select only its own pods: %v", name, nested(o, "spec", "selector"))
		}
	}
	if deps != len(want) {
		t.Errorf("%d Deployments rendered, want %d", deps, len(want))
	}

	c := loadChart(t)
	for name, overrides := range map[string]string{
		"overlap":    "shards: [{name: a, partnerTenants: [contoso]}, {name: b, partnerTenants: [contoso, fabrikam]}]",
		"no tenants": "shards: [{name: a}]",
	} {
		vals, err := chartutil.ReadValues([]byte(overrides))
		if err != nil {
			t.Fatal(err)
		}
		rv, err := chartutil.ToRenderValues(c, vals.AsMap(), chartutil.ReleaseOptions{Name: releaseName, Namespace: namespace, IsInstall: true}, chartutil.DefaultCapabilities)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Render(c, rv); err == nil {
			t.Errorf("%s: the chart renders shards %s", name, overrides)
		} else if name == "overlap" && !strings.Contains(err.Error(), "PartnerTenant contoso is named by shards a and b") {
			t.Errorf("overlap: %v", err)
		}
	}
}

// TestChartOptionalComponents: the ServiceMonitor, PrometheusRule and NetworkPolicy are off by
// default; on, they match config/prometheus and config/network-policy, and the ServiceMonitor
// authenticates with `authorization` (not the deprecated bearerTokenFile) and, with cert-manager,
// verifies the metrics certificate instead of skipping verification.
func TestChartOptionalComponents(t *testing.T) {
	def := renderChart(t, "")
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "NetworkPolicy", "Certificate"} {
		if has(def, kind) {
			t.Errorf("%s rendered by default", kind)
		}
	}
	objs := renderChart(t, `
serviceMonitor: {enabled: true}
prometheusRule: {enabled: true}
networkPolicy: {enabled: true}
metrics: {certManager: {enabled: true}}
`)
	kust := renderKustomize(t, "prometheus")
	if got, want := nested(find(t, objs, "PrometheusRule", ""), "spec"), nested(find(t, kust, "PrometheusRule", ""), "spec"); !reflect.DeepEqual(got, want) {
		t.Error("the chart's PrometheusRule differs from config/prometheus/rules.yaml")
	}
	np := renderKustomize(t, "network-policy")
	if got, want := nested(find(t, objs, "NetworkPolicy", ""), "spec", "ingress"), nested(find(t, np, "NetworkPolicy", ""), "spec", "ingress"); !reflect.DeepEqual(got, want) {
		t.Errorf("NetworkPolicy ingress differs:\nchart: %v\nkustomize: %v", got, want)
	}

	sm := find(t, objs, "ServiceMonitor", "")
	ep := nested(sm, "spec", "endpoints").([]any)[0].(map[string]any)
	if _, ok := ep["bearerTokenFile"]; ok {
		t.Error("the ServiceMonitor uses the deprecated bearerTokenFile")
	}
	secretName := str(ep, "authorization", "credentials", "name")
	tokenSecret := find(t, objs, "Secret", secretName)
	if tokenSecret["type"] != "kubernetes.io/service-account-token" {
		t.Errorf("the scrape token Secret %s is of type %v", secretName, tokenSecret["type"])
	}
	scraper := str(tokenSecret, "metadata", "annotations", "kubernetes.io/service-account.name")
	binding := find(t, objs, "ClusterRoleBinding", "mca-operator-metrics-scraper-rolebinding")
	if str(binding, "roleRef", "name") != "mca-operator-metrics-reader" ||
		str(nested(binding, "subjects").([]any)[0].(map[string]any), "name") != scraper {
		t.Errorf("the scraper %s is not bound to metrics-reader: %v", scraper, binding)
	}
	tls := ep["tlsConfig"].(map[string]any)
	if v, ok := tls["insecureSkipVerify"]; ok && v != false {
		t.Error("with cert-manager the ServiceMonitor still skips verification")
	}
	cert := find(t, objs, "Certificate", "")
	certSecret := str(cert, "spec", "secretName")
	if str(tls, "ca", "secret", "name") != certSecret {
		t.Errorf("the ServiceMonitor trusts %v, the Certificate writes %s", tls["ca"], certSecret)
	}
	svc := find(t, objs, "Service", "")
	wantName := str(svc, "metadata", "name") + "." + namespace + ".svc"
	if tls["serverName"] != wantName || !strings.Contains(fmt.Sprint(nested(cert, "spec", "dnsNames")), wantName) {
		t.Errorf("serverName %v, dnsNames %v, want %s", tls["serverName"], nested(cert, "spec", "dnsNames"), wantName)
	}
	a := args(t, objs)
	if !strings.Contains(strings.Join(a, " "), "--metrics-cert-path=/tmp/k8s-metrics-server/metrics-certs") {
		t.Errorf("args %q lack --metrics-cert-path", a)
	}
	pod := nested(find(t, objs, "Deployment", ""), "spec", "template", "spec").(map[string]any)
	if !strings.Contains(fmt.Sprint(pod["volumes"]), certSecret) {
		t.Errorf("the certificate Secret %s is not mounted: %v", certSecret, pod["volumes"])
	}
}

// TestHelmLint runs `helm lint` (the SDK's lint package, strict about templates): no warning or
// error, with the default values and with every option on.
func TestHelmLint(t *testing.T) {
	for name, overrides := range map[string]string{
		"defaults": "",
		"everything": `
serviceMonitor: {enabled: true}
prometheusRule: {enabled: true}
networkPolicy: {enabled: true}
metrics: {certManager: {enabled: true}}
extraCA: {configMapName: ca}
`,
	} {
		vals, err := chartutil.ReadValues([]byte(overrides))
		if err != nil {
			t.Fatal(err)
		}
		linter := lint.AllWithKubeVersion(chartDir(t), vals.AsMap(), namespace, nil)
		for _, m := range linter.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("%s: %s", name, m)
			} else {
				t.Logf("%s: %s", name, m)
			}
		}
	}
}

// TestManagerDoesNotLinkHelm: Helm is a test dependency; the manager binary must not carry it.
func TestManagerDoesNotLinkHelm(t *testing.T) {
	repo.ConsultSources(t, "./cmd/manager")
	cmd := exec.Command("go", "list", "-deps", "./cmd/manager")
	cmd.Dir = repo.Root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if !strings.Contains(string(out), "sigs.k8s.io/controller-runtime") {
		t.Fatalf("go list -deps ./cmd/manager printed no dependencies:\n%s", out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "helm.sh/") || strings.HasPrefix(dep, "github.com/google/go-containerregistry") {
			t.Errorf("the manager links %s", dep)
		}
	}
}
