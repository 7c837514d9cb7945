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

package operator

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

func TestBrokenFieldNamesTheFieldThatDoesNotDecode(t *testing.T) {
	u := newUndecodable(Scheme())
	for _, c := range []struct{ name, object, field string }{
		{"a reminder in days", `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenant
metadata: {name: p}
spec:
  tenantId: 5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c
  linkDelivery: {reminders: ["72h", "3d"], maxPerMinute: 5}
`, "spec.linkDelivery.reminders[1]"},
		{"a partner's link lifetime in days", `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenant
metadata: {name: p}
spec: {attestation: {linkLifetime: 7d}}
`, "spec.attestation.linkLifetime"},
		{"a customer's link lifetime in weeks", `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata: {name: c, namespace: team-a}
spec: {companyName: Fabrikam, attestation: {linkLifetime: 1w}}
`, "spec.attestation.linkLifetime"},
		{"a dateAgreed whose hour is 25", `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata: {name: c, namespace: team-a}
spec: {companyName: Fabrikam, dateAgreed: "2024-01-01T25:00:00Z"}
`, "spec.dateAgreed"},
		{"a number where a string goes, in the status", `
apiVersion: partnercenter.mca.dev/v1alpha1
kind: CustomerAgreement
metadata: {name: c, namespace: team-a}
status: {attestation: {handle: 12}}
`, "status.attestation.handle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			content := map[string]any{}
			if err := yaml.Unmarshal([]byte(c.object), &content); err != nil {
				t.Fatal(err)
			}
			lw := &tolerantListWatch{u: u, gvk: v1alpha1.GroupVersion.WithKind(content["kind"].(string))}
			if _, err := u.decode(lw.gvk, content); err == nil {
				t.Fatal("the object decodes")
			}
			got := brokenField(content, func(m map[string]any) bool { _, err := u.decode(lw.gvk, m); return err == nil })
			if got != c.field {
				t.Errorf("brokenField = %q, want %q", got, c.field)
			}
		})
	}
}

func TestUndecodableChangeLeavesTheCache(t *testing.T) {
	u := newUndecodable(Scheme())
	lw := &tolerantListWatch{u: u, gvk: v1alpha1.GroupVersion.WithKind("PartnerTenant")}
	bad := map[string]any{}
	if err := yaml.Unmarshal([]byte(`
apiVersion: partnercenter.mca.dev/v1alpha1
kind: PartnerTenant
metadata: {name: broken, uid: u-1, resourceVersion: "7"}
spec: {linkDelivery: {reminders: ["3d"]}}
`), &bad); err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[watch.EventType]watch.EventType{watch.Added: "", watch.Modified: watch.Deleted, watch.Deleted: watch.Deleted} {
		out, keep := lw.event(watch.Event{Type: typ, Object: unstructuredOf(bad)})
		if want == "" {
			if keep {
				t.Errorf("%s of an undecodable object was passed on as %s", typ, out.Type)
			}
			continue
		}
		pt, ok := out.Object.(*v1alpha1.PartnerTenant)
		if !keep || out.Type != want || !ok || pt.Name != "broken" || pt.UID != "u-1" {
			t.Errorf("%s of an undecodable object became %v %T %+v, want a %s of the typed object's key", typ, keep, out.Object, out, want)
		}
	}
	if got := len(u.queue); got != 2 {
		t.Errorf("%d reports queued, want 2 (the addition and the change, not the deletion)", got)
	}
}

func unstructuredOf(content map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: runtime.DeepCopyJSON(content)}
}

// An informer over the tolerant list and watch serves the objects that decode while another one of
// its kind does not, and drops an object once a change makes it undecodable.
func TestInformerServesOthersWhileOneObjectDoesNotDecode(t *testing.T) {
	scheme := Scheme()
	u := newUndecodable(scheme)
	gvr := v1alpha1.GroupVersion.WithResource("partnertenants")
	tenant := func(name string, reminders ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "PartnerTenant",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"linkDelivery": map[string]any{"reminders": reminders}},
		}}
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{gvr: "PartnerTenantList"},
		tenant("good", "72h"), tenant("broken", "3d"))
	lw := &tolerantListWatch{u: u, gvk: v1alpha1.GroupVersion.WithKind("PartnerTenant"), res: dyn.Resource(gvr)}
	// The fake client has no streaming lists (sendInitialEvents): the informer lists, then watches.
	informer := toolscache.NewSharedIndexInformer(listThenWatch{&toolscache.ListWatch{ListWithContextFunc: lw.list, WatchFuncWithContext: lw.watch}},
		&v1alpha1.PartnerTenant{}, 0, toolscache.Indexers{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go informer.RunWithContext(ctx)
	if !toolscache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("the informer never synced")
	}
	has := func(name string) bool { _, ok, _ := informer.GetStore().GetByKey(name); return ok }
	if !has("good") || has("broken") {
		t.Fatalf("after the list: good %v (want true), broken %v (want false)", has("good"), has("broken"))
	}
	if _, err := dyn.Resource(gvr).Create(ctx, tenant("later", "24h"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(gvr).Update(ctx, tenant("good", "1w"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for (!has("later") || has("good")) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !has("later") || has("good") {
		t.Fatalf("after the watch: later %v (want true), good made undecodable %v (want false)", has("later"), has("good"))
	}
	reported := map[string]string{}
	for len(u.queue) > 0 {
		b := <-u.queue
		reported[b.obj.GetName()] = b.field
	}
	if reported["broken"] != "spec.linkDelivery.reminders[0]" || reported["good"] != "spec.linkDelivery.reminders[0]" {
		t.Errorf("reported %v, want broken and good at spec.linkDelivery.reminders[0]", reported)
	}
}

type listThenWatch struct{ *toolscache.ListWatch }

func (listThenWatch) IsWatchListSemanticsUnSupported() bool { return true }
