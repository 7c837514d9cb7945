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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// secretVerbsAllowed are the only verbs the operator may hold on Secrets, and only in the
// credentials namespace: it reads the Partner Center credentials and writes back a rotated
// refresh token, and keeps the acceptance links in Secrets of its own.
var secretVerbsAllowed = []string{"create", "delete", "get", "list", "update"}

// escalationVerbs let a subject grow its own permissions; the operator never needs them.
var escalationVerbs = []string{"escalate", "bind", "impersonate"}

// checkRBAC returns the least-privilege violations of one Role or ClusterRole (given as a generic
// object, as found in a render or in role.yaml). Other kinds yield nothing.
//
//   - no "*" in apiGroups, resources, verbs or nonResourceURLs;
//   - no escalate/bind/impersonate;
//   - a ClusterRole never grants anything on Secrets;
//   - a Role may grant Secrets only in credentialsNamespace, and only secretVerbsAllowed.
func checkRBAC(obj map[string]any, credentialsNamespace string) []string {
	kind := str(obj, "kind")
	if kind != "Role" && kind != "ClusterRole" {
		return nil
	}
	id := fmt.Sprintf("%s %s", kind, str(obj, "metadata", "name"))
	if ns := str(obj, "metadata", "namespace"); ns != "" {
		id += " (namespace " + ns + ")"
	}
	var rules []rbacv1.PolicyRule
	if raw, ok := obj["rules"].([]any); ok {
		for i, r := range raw {
			m, ok := r.(map[string]any)
			if !ok {
				return []string{fmt.Sprintf("%s: rule %d is not an object", id, i)}
			}
			rules = append(rules, rbacv1.PolicyRule{
				APIGroups:       strs(m["apiGroups"]),
				Resources:       strs(m["resources"]),
				Verbs:           strs(m["verbs"]),
				NonResourceURLs: strs(m["nonResourceURLs"]),
				ResourceNames:   strs(m["resourceNames"]),
			})
		}
	}
	var bad []string
	for i, r := range rules {
		where := fmt.Sprintf("%s rule %d", id, i)
		for field, vals := range map[string][]string{
			"apiGroups": r.APIGroups, "resources": r.Resources, "verbs": r.Verbs, "nonResourceURLs": r.NonResourceURLs,
		} {
			for _, v := range vals {
				if strings.Contains(v, "*") {
					bad = append(bad, fmt.Sprintf("%s: wildcard %q in %s", where, v, field))
				}
			}
		}
		for _, v := range r.Verbs {
			if slices.Contains(escalationVerbs, strings.ToLower(v)) {
				bad = append(bad, fmt.Sprintf("%s: privilege-escalation verb %q", where, v))
			}
		}
		if !grantsSecrets(r) {
			continue
		}
		switch kind {
		case "ClusterRole":
			bad = append(bad, fmt.Sprintf("%s: a ClusterRole grants %v on secrets (cluster-wide)", where, r.Verbs))
		case "Role":
			if ns := str(obj, "metadata", "namespace"); ns != credentialsNamespace {
				bad = append(bad, fmt.Sprintf("%s: grants secrets in namespace %q, only %q is allowed", where, ns, credentialsNamespace))
			}
			for _, v := range r.Verbs {
				if !slices.Contains(secretVerbsAllowed, v) {
					bad = append(bad, fmt.Sprintf("%s: verb %q on secrets, only %v are allowed", where, v, secretVerbsAllowed))
				}
			}
		}
	}
	return bad
}

// grantsSecrets is true when the rule covers core-group Secrets (or one of their subresources).
func grantsSecrets(r rbacv1.PolicyRule) bool {
	core := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
	if !core {
		return false
	}
	for _, res := range r.Resources {
		res = strings.ToLower(res)
		if res == "secrets" || strings.HasPrefix(res, "secrets/") || res == "*" {
			return true
		}
	}
	return false
}

func strs(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestRBACCheckerRejectsBadRoles(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string // substring of one violation; "" means no violation
	}{
		{"cluster role reading secrets", `
kind: ClusterRole
metadata: {name: manager-role}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]`, "cluster-wide"},
		{"cluster role with wildcard verbs", `
kind: ClusterRole
metadata: {name: manager-role}
rules:
- apiGroups: [partnercenter.mca.dev]
  resources: [customeragreements]
  verbs: ["*"]`, "wildcard"},
		{"cluster role with wildcard resources hides secrets", `
kind: ClusterRole
metadata: {name: manager-role}
rules:
- apiGroups: [""]
  resources: ["*"]
  verbs: [get]`, "cluster-wide"},
		{"cluster role with wildcard api group", `
kind: ClusterRole
metadata: {name: x}
rules:
- apiGroups: ["*"]
  resources: [configmaps]
  verbs: [get]`, "wildcard"},
		{"non-resource wildcard", `
kind: ClusterRole
metadata: {name: x}
rules:
- nonResourceURLs: ["/metrics*"]
  verbs: [get]`, "wildcard"},
		{"escalation verb", `
kind: ClusterRole
metadata: {name: x}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind]`, "privilege-escalation"},
		{"role watching secrets", `
kind: Role
metadata: {name: manager-role, namespace: mca-operator-system}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]`, `verb "watch"`},
		{"role with secrets in another namespace", `
kind: Role
metadata: {name: manager-role, namespace: default}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]`, `namespace "default"`},
		{"role with secrets without namespace", `
kind: Role
metadata: {name: manager-role}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]`, `namespace ""`},
		{"allowed: get/update secrets in the credentials namespace", `
kind: Role
metadata: {name: manager-role, namespace: mca-operator-system}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, update]`, ""},
		{"allowed: secrets in another api group is not core secrets", `
kind: ClusterRole
metadata: {name: x}
rules:
- apiGroups: [example.com]
  resources: [secrets]
  verbs: [get]`, ""},
		{"allowed: cluster role on own kinds", `
kind: ClusterRole
metadata: {name: manager-role}
rules:
- apiGroups: [partnercenter.mca.dev]
  resources: [customeragreements, partnertenants]
  verbs: [get, list, watch, update, patch]`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := splitYAML(t, []byte(tc.yaml))
			if len(objs) != 1 {
				t.Fatalf("want one object, got %d", len(objs))
			}
			got := checkRBAC(objs[0], operatorNamespace)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no violation, got %v", got)
				}
				return
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Fatalf("want a violation containing %q, got %v", tc.want, got)
			}
		})
	}
}

// TestGeneratedRoleLeastPrivilege checks config/rbac/role.yaml as controller-gen wrote it, before
// kustomize touches it.
func TestGeneratedRoleLeastPrivilege(t *testing.T) {
	data, err := os.ReadFile(generatedRolePath(t))
	if os.IsNotExist(err) {
		t.Skip("config/rbac/role.yaml is not generated yet (run `make manifests`)")
	}
	if err != nil {
		t.Fatal(err)
	}
	objs := splitYAML(t, data)
	if len(find(objs, "ClusterRole", "manager-role")) != 1 {
		t.Errorf("role.yaml has no ClusterRole manager-role (controller-gen rbac:roleName=manager-role)")
	}
	for _, o := range objs {
		for _, v := range checkRBAC(o, operatorNamespace) {
			t.Error(v)
		}
	}
	roles := find(objs, "Role", "manager-role")
	if len(roles) == 0 {
		t.Logf("role.yaml has no namespaced Role manager-role yet: the Secrets marker " +
			"(+kubebuilder:rbac:groups=\"\",namespace=mca-operator-system,resources=secrets,verbs=get;update) is not in place")
	}
	for _, r := range roles {
		if ns := str(r, "metadata", "namespace"); ns != operatorNamespace {
			t.Errorf("Role manager-role is generated into namespace %q; the kustomize namespace is %q", ns, operatorNamespace)
		}
	}
}

func TestRenderedRBACLeastPrivilege(t *testing.T) {
	r := render(t, "default")
	var roles int
	for _, o := range r.objects {
		if k := str(o, "kind"); k == "Role" || k == "ClusterRole" {
			roles++
		}
		for _, v := range checkRBAC(o, operatorNamespace) {
			t.Error(v)
		}
	}
	if roles < 5 {
		t.Fatalf("the render has only %d Roles/ClusterRoles; config/rbac is not included", roles)
	}

	sa := namePrefix + "controller-manager"
	if len(find(r.objects, "ServiceAccount", sa)) != 1 {
		t.Fatalf("ServiceAccount %s not rendered", sa)
	}

	// Every binding names a role of the render and binds only the operator's service account.
	for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
		for _, o := range find(r.objects, kind, "") {
			var b rbacv1.RoleBinding
			convert(t, o, &b)
			id := kind + " " + b.Name
			if kind == "RoleBinding" && b.Namespace != operatorNamespace {
				t.Errorf("%s is in namespace %q, want %q", id, b.Namespace, operatorNamespace)
			}
			if b.RoleRef.Name == "cluster-admin" || b.RoleRef.Name == "admin" || b.RoleRef.Name == "edit" {
				t.Errorf("%s binds the built-in %s ClusterRole", id, b.RoleRef.Name)
			}
			refs := find(r.objects, b.RoleRef.Kind, b.RoleRef.Name)
			if len(refs) == 0 {
				if b.Name == namePrefix+"manager-secrets-rolebinding" && !r.usedFixture {
					t.Logf("%s names Role %s, which role.yaml does not define yet (no Secrets marker)", id, b.RoleRef.Name)
					continue
				}
				t.Errorf("%s references %s %q, which is not in the render", id, b.RoleRef.Kind, b.RoleRef.Name)
			}
			for _, s := range b.Subjects {
				if s.Kind != "ServiceAccount" || s.Name != sa || s.Namespace != operatorNamespace {
					t.Errorf("%s binds %s %s/%s; want only ServiceAccount %s/%s", id, s.Kind, s.Namespace, s.Name, operatorNamespace, sa)
				}
			}
		}
	}

	// The manager's ClusterRole is bound cluster-wide; the Secrets Role only in its namespace.
	if len(find(r.objects, "ClusterRole", namePrefix+"manager-role")) != 1 {
		t.Errorf("ClusterRole %smanager-role not rendered", namePrefix)
	}
	if b := find(r.objects, "ClusterRoleBinding", namePrefix+"manager-rolebinding"); len(b) != 1 ||
		str(b[0], "roleRef", "name") != namePrefix+"manager-role" || str(b[0], "roleRef", "kind") != "ClusterRole" {
		t.Errorf("ClusterRoleBinding %smanager-rolebinding does not bind ClusterRole %smanager-role: %v", namePrefix, namePrefix, b)
	}
	secretRoles := find(r.objects, "Role", namePrefix+"manager-role")
	if len(secretRoles) == 1 {
		b := find(r.objects, "RoleBinding", namePrefix+"manager-secrets-rolebinding")
		if len(b) != 1 || str(b[0], "roleRef", "kind") != "Role" || str(b[0], "roleRef", "name") != namePrefix+"manager-role" {
			t.Errorf("the Secrets Role %smanager-role is not bound by RoleBinding %smanager-secrets-rolebinding: %v", namePrefix, namePrefix, b)
		}
		if !hasRule(t, secretRoles[0], "", "secrets", "get") || !hasRule(t, secretRoles[0], "", "secrets", "update") {
			t.Errorf("Role %smanager-role does not grant get and update on secrets", namePrefix)
		}
	}

	// Leader election: Leases in the operator namespace, bound to the service account.
	le := find(r.objects, "Role", namePrefix+"leader-election-role")
	if len(le) != 1 {
		t.Fatalf("Role %sleader-election-role not rendered", namePrefix)
	}
	if ns := str(le[0], "metadata", "namespace"); ns != operatorNamespace {
		t.Errorf("leader election Role in namespace %q", ns)
	}
	for _, verb := range []string{"get", "create", "update"} {
		if !hasRule(t, le[0], "coordination.k8s.io", "leases", verb) {
			t.Errorf("leader election Role lacks %s on leases", verb)
		}
	}
	if b := find(r.objects, "RoleBinding", namePrefix+"leader-election-rolebinding"); len(b) != 1 ||
		str(b[0], "roleRef", "name") != namePrefix+"leader-election-role" {
		t.Errorf("leader election Role is not bound")
	}

	// Metrics authentication and authorisation (filters.WithAuthenticationAndAuthorization).
	ma := find(r.objects, "ClusterRole", namePrefix+"metrics-auth-role")
	if len(ma) != 1 || !hasRule(t, ma[0], "authentication.k8s.io", "tokenreviews", "create") ||
		!hasRule(t, ma[0], "authorization.k8s.io", "subjectaccessreviews", "create") {
		t.Errorf("ClusterRole %smetrics-auth-role must allow creating tokenreviews and subjectaccessreviews", namePrefix)
	}
	if b := find(r.objects, "ClusterRoleBinding", namePrefix+"metrics-auth-rolebinding"); len(b) != 1 {
		t.Errorf("metrics-auth-role is not bound")
	}
	mr := find(r.objects, "ClusterRole", namePrefix+"metrics-reader")
	if len(mr) != 1 {
		t.Fatalf("ClusterRole %smetrics-reader not rendered", namePrefix)
	}
	var reader rbacv1.ClusterRole
	convert(t, mr[0], &reader)
	if len(reader.Rules) != 1 || !slices.Equal(reader.Rules[0].NonResourceURLs, []string{"/metrics"}) ||
		!slices.Equal(reader.Rules[0].Verbs, []string{"get"}) {
		t.Errorf("metrics-reader must grant exactly get on /metrics, got %+v", reader.Rules)
	}

	// Editor and viewer roles for both kinds; viewers never write.
	for _, kind := range []string{"partnertenant", "customeragreement"} {
		for _, role := range []string{"editor", "viewer"} {
			name := namePrefix + kind + "-" + role + "-role"
			o := find(r.objects, "ClusterRole", name)
			if len(o) != 1 {
				t.Errorf("ClusterRole %s not rendered", name)
				continue
			}
			if role == "viewer" {
				var cr rbacv1.ClusterRole
				convert(t, o[0], &cr)
				for _, rule := range cr.Rules {
					for _, v := range rule.Verbs {
						if !slices.Contains([]string{"get", "list", "watch"}, v) {
							t.Errorf("%s grants %q", name, v)
						}
					}
				}
			}
		}
	}
}

// hasRule is true when some rule of the role grants verb on group/resource.
func hasRule(t testing.TB, obj map[string]any, group, resource, verb string) bool {
	t.Helper()
	var role rbacv1.ClusterRole // Role and ClusterRole share the rules' shape
	convert(t, map[string]any{"rules": obj["rules"]}, &role)
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}

func TestRenderedDeployment(t *testing.T) {
	r := render(t, "default")

	if len(find(r.objects, "Namespace", operatorNamespace)) != 1 {
		t.Errorf("Namespace %s not rendered", operatorNamespace)
	}
	for _, crd := range []string{"partnertenants.partnercenter.mca.dev", "customeragreements.partnercenter.mca.dev"} {
		if len(find(r.objects, "CustomResourceDefinition", crd)) != 1 {
			t.Errorf("CRD %s not rendered", crd)
		}
	}
	for _, o := range r.objects {
		kind := str(o, "kind")
		name := str(o, "metadata", "name")
		if kind != "Namespace" && kind != "CustomResourceDefinition" && !strings.HasPrefix(name, namePrefix) {
			t.Errorf("%s %s lacks the name prefix %q", kind, name, namePrefix)
		}
		ns := str(o, "metadata", "namespace")
		if (kind == "Deployment" || kind == "Service" || kind == "ServiceAccount" || kind == "Role" || kind == "RoleBinding") && ns != operatorNamespace {
			t.Errorf("%s %s is in namespace %q, want %q", kind, name, ns, operatorNamespace)
		}
	}

	deps := find(r.objects, "Deployment", namePrefix+"controller-manager")
	if len(deps) != 1 {
		t.Fatalf("Deployment %scontroller-manager: found %d", namePrefix, len(deps))
	}
	var d appsv1.Deployment
	convert(t, deps[0], &d)
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != namePrefix+"controller-manager" {
		t.Errorf("serviceAccountName = %q", pod.ServiceAccountName)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod securityContext.runAsNonRoot must be true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile must be RuntimeDefault")
	}
	if !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}

	var c *corev1.Container
	for i := range pod.Containers {
		if pod.Containers[i].Name == "manager" {
			c = &pod.Containers[i]
		}
	}
	if c == nil {
		t.Fatalf("no container named manager")
	}
	if c.Image != "controller:latest" {
		t.Errorf("image = %q, want controller:latest (make deploy sets the real one)", c.Image)
	}
	if !slices.Equal(c.Command, []string{"/manager"}) {
		t.Errorf("command = %v", c.Command)
	}
	for _, a := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"} {
		if !slices.Contains(c.Args, a) {
			t.Errorf("args %v lack %s", c.Args, a)
		}
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatalf("container securityContext missing")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("allowPrivilegeEscalation must be false")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("readOnlyRootFilesystem must be true")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities must drop ALL and add none: %+v", sc.Capabilities)
	case sc.Privileged != nil && *sc.Privileged:
		t.Errorf("container must not be privileged")
	}
	if (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) && (psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot) {
		t.Errorf("runAsNonRoot must be set")
	}

	checkProbe := func(what string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe must be an httpGet", what)
			return
		}
		if p.HTTPGet.Path != path || p.HTTPGet.Port != intstr.FromInt32(8081) {
			t.Errorf("%s probe = %s:%s, want %s:8081", what, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
		}
	}
	checkProbe("liveness", c.LivenessProbe, "/healthz")
	checkProbe("readiness", c.ReadinessProbe, "/readyz")

	var podNS bool
	for _, e := range c.Env {
		if e.Name == "POD_NAMESPACE" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace" {
			podNS = true
		}
	}
	if !podNS {
		t.Errorf("env POD_NAMESPACE must come from the downward API (metadata.namespace)")
	}

	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[res]
		lim, okLim := c.Resources.Limits[res]
		if !okReq || !okLim {
			t.Errorf("%s request and limit must both be set", res)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s request %s exceeds limit %s", res, req.String(), lim.String())
		}
	}

	// A read-only root filesystem needs a writable /tmp for the metrics server's self-signed cert.
	var tmp bool
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/tmp" {
			tmp = true
		}
	}
	if !tmp {
		t.Errorf("no writable /tmp mount; controller-runtime writes its self-signed metrics certificate there")
	}

	// The metrics Service: https on 8443, selecting the manager pods.
	svcs := find(r.objects, "Service", namePrefix+"controller-manager-metrics-service")
	if len(svcs) != 1 {
		t.Fatalf("metrics Service not rendered")
	}
	var svc corev1.Service
	convert(t, svcs[0], &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || svc.Spec.Ports[0].Name != "https" ||
		svc.Spec.Ports[0].TargetPort != intstr.FromInt32(8443) {
		t.Errorf("metrics Service ports = %+v, want https 8443", svc.Spec.Ports)
	}
	if !labelsMatch(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("metrics Service selector %v does not select the manager pods %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestOptionalComponentsRender renders config/network-policy, and config/default with the optional
// components enabled, as a user who uncomments them would.
func TestOptionalComponentsRender(t *testing.T) {
	np := render(t, "network-policy")
	if len(find(np.objects, "NetworkPolicy", "")) != 1 {
		t.Fatalf("config/network-policy must render one NetworkPolicy")
	}
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "config", "default", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"#- ../prometheus", "#- ../network-policy"} {
		if !strings.Contains(string(data), opt) {
			t.Errorf("config/default/kustomization.yaml no longer offers %q", opt)
		}
	}
	enabled := strings.NewReplacer("#- ../prometheus", "- ../prometheus", "#- ../network-policy", "- ../network-policy").Replace(string(data))
	r := renderWith(t, "default", map[string]string{"/config/default/kustomization.yaml": enabled})
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "NetworkPolicy"} {
		objs := find(r.objects, kind, "")
		if len(objs) != 1 {
			t.Errorf("with the optional components, config/default renders %d %s", len(objs), kind)
			continue
		}
		if ns := str(objs[0], "metadata", "namespace"); ns != operatorNamespace {
			t.Errorf("%s is in namespace %q", kind, ns)
		}
	}
	if np := find(r.objects, "NetworkPolicy", ""); len(np) == 1 {
		deps := find(r.objects, "Deployment", namePrefix+"controller-manager")
		sel, _ := nested(np[0], "spec", "podSelector", "matchLabels").(map[string]any)
		podLabels, _ := nested(deps[0], "spec", "template", "metadata", "labels").(map[string]any)
		for k, v := range sel {
			if podLabels[k] != v {
				t.Errorf("NetworkPolicy selects %s=%v, the manager pods have %v", k, v, podLabels[k])
			}
		}
	}
}

// TestDocsStateTheShippedRBAC: wherever the docs name the operator's verbs on Secrets or
// ConfigMaps ("`get` and `update` on Secrets"), they name exactly the verbs of the Role
// manager-role in config/rbac/role.yaml, and docs/operations.md names every resource that Role
// grants.
func TestDocsStateTheShippedRBAC(t *testing.T) {
	data, err := os.ReadFile(generatedRolePath(t))
	if err != nil {
		t.Fatal(err)
	}
	roles := find(splitYAML(t, data), "Role", "manager-role")
	if len(roles) != 1 {
		t.Fatalf("role.yaml has %d Roles manager-role, want 1", len(roles))
	}
	granted := map[string][]string{} // docs word -> verbs, sorted
	words := map[string]string{"secrets": "Secrets", "configmaps": "ConfigMaps"}
	rules, _ := roles[0]["rules"].([]any)
	for _, raw := range rules {
		r, _ := raw.(map[string]any)
		for _, res := range strs(r["resources"]) {
			w, ok := words[res]
			if !ok {
				t.Errorf("the Role grants %s, which this test does not know how the docs name", res)
				continue
			}
			granted[w] = append(granted[w], strs(r["verbs"])...)
		}
	}
	for w := range granted {
		slices.Sort(granted[w])
		granted[w] = slices.Compact(granted[w])
	}

	phrase := regexp.MustCompile("((?:`[a-z]+`(?:, | and | or |/))*`[a-z]+`) on (Secrets|ConfigMaps)\\b")
	verb := regexp.MustCompile("`([a-z]+)`")
	for _, doc := range []string{"docs/operations.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), doc))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(b)), " ")
		named := map[string]bool{}
		for _, m := range phrase.FindAllStringSubmatch(text, -1) {
			var verbs []string
			for _, v := range verb.FindAllStringSubmatch(m[1], -1) {
				verbs = append(verbs, v[1])
			}
			slices.Sort(verbs)
			verbs = slices.Compact(verbs)
			named[m[2]] = true
			if !slices.Equal(verbs, granted[m[2]]) {
				t.Errorf("%s says %q; the shipped Role grants %v on %s", doc, m[0], granted[m[2]], m[2])
			}
		}
		if doc != "docs/operations.md" {
			continue
		}
		for w := range granted {
			if !named[w] {
				t.Errorf("%s does not say which verbs the operator holds on %s (the shipped Role grants %v)", doc, w, granted[w])
			}
		}
	}
}
