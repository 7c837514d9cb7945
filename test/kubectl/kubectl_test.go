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

// Package kubectl_test checks that the names a user types after `kubectl` (short names,
// categories, the commands printed in README.md) resolve to the intended resources. It starts a
// control plane with the CRDs of config/crd/bases, applies config/samples, and resolves every
// argument with cli-runtime's resource.Builder and the discovery RESTMapper, the same code kubectl
// runs: categories are expanded first (restmapper.NewDiscoveryCategoryExpander), then short names
// (restmapper.NewShortcutExpander).
package kubectl_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const group = "partnercenter.mca.dev"

// kubectlFlags is what kubectl builds from its command line: a kubeconfig for the test control
// plane and a private discovery cache.
var kubectlFlags *genericclioptions.ConfigFlags

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the control plane (set KUBEBUILDER_ASSETS):", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	dir, err := os.MkdirTemp("", "kubectl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if err := writeKubeconfig(env, cfg, dir); err != nil {
		fmt.Fprintln(os.Stderr, "kubeconfig:", err)
		return 1
	}
	if err := applySamples(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "applying config/samples:", err)
		return 1
	}
	if err := createRecord(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "creating an AttestationRecord:", err)
		return 1
	}
	return m.Run()
}

func writeKubeconfig(env *envtest.Environment, cfg *rest.Config, dir string) error {
	user, err := env.AddUser(envtest.User{Name: "kubectl-test", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return err
	}
	cacheDir := filepath.Join(dir, "cache")
	kubectlFlags = genericclioptions.NewConfigFlags(true)
	kubectlFlags.KubeConfig = &path
	kubectlFlags.CacheDir = &cacheDir
	return nil
}

// applySamples creates what `kubectl apply -k config/samples` creates, plus the operator's
// namespace that the sample credentials live in.
func applySamples(cfg *rest.Config) error {
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mca-operator-system"}}); err != nil {
		return err
	}
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).
		Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(), "config", "samples"))
	if err != nil {
		return err
	}
	for _, res := range resMap.Resources() {
		m, err := res.Map()
		if err != nil {
			return err
		}
		obj := &unstructured.Unstructured{Object: m}
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
	return nil
}

// createRecord creates an AttestationRecord such as the operator writes for each write to Partner
// Center (the samples have none: the operator writes them).
func createRecord(cfg *rest.Config) error {
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		return err
	}
	rec := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "AttestationRecord",
		"metadata": map[string]any{"name": "atr-5c0a0cb5f1d1-0000000001"},
		"spec": map[string]any{
			"partnerTenant":     map[string]any{"name": "direct-bill", "tenantId": "11111111-1111-1111-1111-111111111111"},
			"customerTenantId":  "aaaaaaaa-0000-0000-0000-000000000005",
			"customerAgreement": map[string]any{"namespace": "customers", "name": "wide-world-partner-attestation", "uid": "u", "generation": int64(1)},
			"act":               "StartAttestation", "requestId": "r-1", "requestBody": "{}", "requestBodySHA256": "00",
			"sequence": int64(1), "retainUntil": "2033-01-01T00:00:00Z",
		},
	}}
	return c.Create(context.Background(), rec)
}

// invocation is the part of a kubectl command line that the resource builder sees.
type invocation struct {
	namespace     string
	allNamespaces bool
	args          []string // resource types, TYPE NAME..., or TYPE/NAME
}

// resolve runs the resource builder the way `kubectl get` and `kubectl describe` do and returns
// the objects found.
func resolve(inv invocation) ([]*resource.Info, error) {
	ns := inv.namespace
	if ns == "" {
		ns = "default" // the kubeconfig's context names none
	}
	return resource.NewBuilder(kubectlFlags).
		Unstructured().
		ContinueOnError().
		NamespaceParam(ns).DefaultNamespace().AllNamespaces(inv.allNamespaces).
		ResourceTypeOrNameArgs(true, inv.args...).
		Flatten().
		Do().Infos()
}

func kinds(infos []*resource.Info) []string {
	set := map[string]bool{}
	for _, info := range infos {
		gvk := info.Object.GetObjectKind().GroupVersionKind()
		set[gvk.GroupKind().String()] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	customerAgreement = "CustomerAgreement." + group
	attestationRecord = "AttestationRecord." + group
	partnerTenant     = "PartnerTenant." + group
	namespace         = "Namespace"
)

// TestNamesResolveToOneMeaning lists every object of each name kubectl accepts for the API and
// checks that it lists exactly the intended kinds: `mca` is a short name of CustomerAgreement only
// (when it was also a category, `kubectl get mca` listed PartnerTenants too), `partnercenter` is
// the category of the three kinds.
func TestNamesResolveToOneMeaning(t *testing.T) {
	cases := map[string][]string{
		"mca":                {customerAgreement},
		"custagr":            {customerAgreement},
		"customeragreement":  {customerAgreement},
		"customeragreements": {customerAgreement},
		"ptenant":            {partnerTenant},
		"partnertenant":      {partnerTenant},
		"partnertenants":     {partnerTenant},
		"atr":                {attestationRecord},
		"attestationrecords": {attestationRecord},
		"partnercenter":      {attestationRecord, customerAgreement, partnerTenant},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			infos, err := resolve(invocation{allNamespaces: true, args: []string{name}})
			if err != nil {
				t.Fatalf("kubectl get %s -A: %v", name, err)
			}
			if got := kinds(infos); !slices.Equal(got, want) {
				t.Errorf("kubectl get %s -A lists %v, want %v", name, got, want)
			}
		})
	}
}

// TestDescribeByShortName is the command that failed with "you must specify only one resource"
// while `mca` was a category of two resources.
func TestDescribeByShortName(t *testing.T) {
	for _, short := range []string{"mca", "custagr"} {
		infos, err := resolve(invocation{namespace: "customers", args: []string{short, "wide-world-partner-attestation"}})
		if err != nil {
			t.Fatalf("kubectl describe %s -n customers wide-world-partner-attestation: %v", short, err)
		}
		if len(infos) != 1 || kinds(infos)[0] != customerAgreement {
			t.Errorf("kubectl describe %s -n customers wide-world-partner-attestation found %v", short, kinds(infos))
		}
	}
	infos, err := resolve(invocation{args: []string{"ptenant", "direct-bill"}})
	if err != nil || len(infos) != 1 || kinds(infos)[0] != partnerTenant {
		t.Errorf("kubectl describe ptenant direct-bill: %v %v", kinds(infos), err)
	}
}

// intended is what each resource name printed in the documentation means.
var intended = map[string][]string{
	"customeragreements": {customerAgreement},
	"customeragreement":  {customerAgreement},
	"mca":                {customerAgreement},
	"custagr":            {customerAgreement},
	"partnertenants":     {partnerTenant},
	"partnertenant":      {partnerTenant},
	"ptenant":            {partnerTenant},
	"atr":                {attestationRecord},
	"attestationrecords": {attestationRecord},
	"partnercenter":      {attestationRecord, customerAgreement, partnerTenant},
	"namespace":          {namespace},
	"namespaces":         {namespace},
	"ns":                 {namespace},
}

var inlineCode = regexp.MustCompile("`(kubectl [^`]+)`")

// readmeCommands returns every kubectl command line printed in README.md: the lines of code blocks
// and the inline code spans that start with `kubectl`, without trailing comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []string
	inBlock := false
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			if strings.HasPrefix(line, "kubectl ") {
				if i := strings.Index(line, " #"); i >= 0 {
					line = line[:i]
				}
				out = append(out, strings.TrimSpace(line))
			}
			continue
		}
		for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
			// `kubectl describe` alone names the command; it is not a command line.
			if len(strings.Fields(m[1])) > 2 {
				out = append(out, m[1])
			}
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// placeholder stands for the names the documentation leaves to the reader (<ns>, <name>).
var placeholders = map[string]string{"<ns>": "customers", "<namespace>": "customers"}

// parse splits a kubectl command line into its verb and what the resource builder sees. Labels
// and annotations (key=value, key-) and the values of flags are dropped.
func parse(t *testing.T, line string) (string, invocation) {
	t.Helper()
	fields := strings.Fields(line)[1:]
	verb := fields[0]
	var inv invocation
	for i := 1; i < len(fields); i++ {
		f := fields[i]
		if p, ok := placeholders[f]; ok {
			f = p
		}
		switch {
		case f == "-A" || f == "--all-namespaces":
			inv.allNamespaces = true
		case f == "-n" || f == "--namespace":
			i++
			inv.namespace = fields[i]
			if p, ok := placeholders[inv.namespace]; ok {
				inv.namespace = p
			}
		case strings.HasPrefix(f, "--namespace="):
			inv.namespace = strings.TrimPrefix(f, "--namespace=")
		case f == "-o" || f == "-l" || f == "--selector" || f == "--for" || f == "--timeout":
			i++
		case strings.HasPrefix(f, "-"):
		case (verb == "label" || verb == "annotate") && (strings.Contains(f, "=") || strings.HasSuffix(f, "-")):
		case strings.HasPrefix(f, "<"):
			t.Fatalf("%q: placeholder %s has no stand-in in the test", line, f)
		default:
			inv.args = append(inv.args, f)
		}
	}
	return verb, inv
}

// TestREADMECommands resolves every kubectl command printed in README.md against the samples:
// each must find objects, and only of the kinds its resource name is meant to name.
func TestREADMECommands(t *testing.T) {
	commands := readmeCommands(t)
	if len(commands) < 5 {
		t.Fatalf("found only %d kubectl commands in README.md: %q", len(commands), commands)
	}
	mapper, err := kubectlFlags.ToRESTMapper()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range commands {
		if f := strings.Fields(line); len(f) > 1 && (f[1] == "mca" || f[1] == "krew") {
			// The plugin's own commands are tested by cmd/kubectl-mca; krew installs it.
			continue
		}
		t.Run(line, func(t *testing.T) {
			verb, inv := parse(t, line)
			switch verb {
			case "explain":
				// kubectl explain maps TYPE[.FIELD...] with the RESTMapper and its short names;
				// categories do not apply.
				name, _, _ := strings.Cut(inv.args[0], ".")
				gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Resource: name})
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if gvr.Group != group {
					t.Errorf("%s explains %v", line, gvr)
				}
			case "get", "describe", "label", "annotate", "wait", "delete":
				if len(inv.args) == 0 {
					t.Fatalf("%s: no resource", line)
				}
				typ, _, _ := strings.Cut(inv.args[0], "/")
				want, ok := intended[strings.Split(typ, ",")[0]]
				if !ok {
					t.Fatalf("%s: the test does not know what %q is meant to name", line, typ)
				}
				infos, err := resolve(inv)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if len(infos) == 0 {
					t.Fatalf("%s finds nothing in the samples", line)
				}
				if got := kinds(infos); !slices.Equal(got, want) {
					t.Errorf("%s resolves to %v, want %v", line, got, want)
				}
			case "apply", "create":
				// Files, kustomizations and generators (create secret, create namespace): no
				// resource name to resolve.
			default:
				t.Fatalf("%s: verb %q is not checked by this test; teach it", line, verb)
			}
		})
	}
}
