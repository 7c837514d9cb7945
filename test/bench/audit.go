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
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// auditPolicy logs, at the Metadata level (who wrote which object), the writes by which the
// scale phase attributes a manager's work: to CustomerAgreements and their status, Secrets and
// Events. Nothing else, so that the API server spends little on it.
func auditPolicy() auditv1.Policy {
	return auditv1.Policy{
		TypeMeta:   metav1.TypeMeta{APIVersion: auditv1.SchemeGroupVersion.String(), Kind: "Policy"},
		OmitStages: []auditv1.Stage{auditv1.StageRequestReceived},
		Rules: []auditv1.PolicyRule{
			{Level: auditv1.LevelMetadata, Verbs: []string{"create", "update", "patch", "delete"}, Resources: []auditv1.GroupResources{
				{Group: v1alpha1.GroupVersion.Group, Resources: []string{"customeragreements", "customeragreements/status"}},
				{Group: "", Resources: []string{"secrets", "events"}},
				{Group: "events.k8s.io", Resources: []string{"events"}},
			}},
			{Level: auditv1.LevelNone},
		},
	}
}

// auditLogMaxMiB is the audit log's size before the API server would rotate it (1 TiB: never).
const auditLogMaxMiB = 1 << 20

// configureAudit has the control plane's API server (not started yet) log the writes of
// auditPolicy to a file under dir, as JSON lines, and returns the file's path.
func configureAudit(env *envtest.Environment, dir string) (string, error) {
	b, err := yaml.Marshal(auditPolicy())
	if err != nil {
		return "", err
	}
	stamp := time.Now().UnixNano()
	policy := filepath.Join(dir, fmt.Sprintf("audit-policy-%d.yaml", stamp))
	if err := os.WriteFile(policy, b, 0o600); err != nil {
		return "", err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("audit-%d.log", stamp))
	// The API server rotates its audit log at --audit-log-maxsize megabytes, 100 when unset (0):
	// a scale run of 2 × 50,000 customers logs more, and the writes in a rotated file would be
	// lost to the attribution. One file, however large.
	env.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", logPath).
		Set("audit-log-format", "json").
		Set("audit-log-maxsize", strconv.Itoa(auditLogMaxMiB))
	return logPath, nil
}

// shardWrites are one manager's writes in the audit log.
type shardWrites struct {
	// all counts every write; own those to CustomerAgreements (or their status) of the
	// PartnerTenant the manager serves, forOthers those of another.
	all, own, forOthers int
}

// attributeWrites reads an audit log (JSON lines) and counts each manager's completed writes.
// users maps the managers' user names to the PartnerTenant each serves, owners a
// CustomerAgreement's "namespace/name" to its PartnerTenant; the result is by PartnerTenant.
// Requests by other users are not counted.
func attributeWrites(r io.Reader, users, owners map[string]string) (map[string]shardWrites, error) {
	out := map[string]shardWrites{}
	dec := json.NewDecoder(r)
	for {
		var ev auditv1.Event
		if err := dec.Decode(&ev); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading the audit log: %w", err)
		}
		tenant, ok := users[ev.User.Username]
		if !ok || ev.Stage != auditv1.StageResponseComplete {
			continue
		}
		w := out[tenant]
		w.all++
		if ref := ev.ObjectRef; ref != nil && ref.Resource == "customeragreements" {
			switch owner, ok := owners[ref.Namespace+"/"+ref.Name]; {
			case !ok:
			case owner == tenant:
				w.own++
			default:
				w.forOthers++
			}
		}
		out[tenant] = w
	}
}
