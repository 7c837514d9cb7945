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
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
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
			if u.decodeError(lw.gvk, content) == nil {
				t.Fatal("the object decodes")
			}
			got := brokenField(content, func(m map[string]any) bool { return u.decodeError(lw.gvk, m) == nil })
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
	u := newUndecodable(Scheme())
	tenant := func(name string, reminders ...any) map[string]any {
		return map[string]any{
			"apiVersion": v1alpha1.GroupVersion.String(), "kind": "PartnerTenant",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"linkDelivery": map[string]any{"reminders": reminders}},
		}
	}
	api := newFakeAPI(t, "PartnerTenant")
	api.put(watch.Added, tenant("good", "72h"))
	api.put(watch.Added, tenant("broken", "3d"))
	lw := api.listWatch(t, u)
	// Listed, then watched (the streaming list is TestWatchDecodesEachObjectOnce's).
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
	api.waitForWatch(ctx, t)
	api.put(watch.Added, tenant("later", "24h"))
	api.put(watch.Modified, tenant("good", "1w"))
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

// A start-up streams every object of a kind through the watch (100,000 CustomerAgreements with
// their status at the largest partners). Each is decoded once, typed: what the tolerant watch
// allocates per object is what the typed client's watch does, not the three passes of decoding to
// unstructured, encoding and decoding typed (nearly twice as much). An undecodable one among them is
// still reported and left out.
func TestWatchDecodesEachObjectOnce(t *testing.T) {
	const n = 400
	u := newUndecodable(Scheme())
	api := newFakeAPI(t, "CustomerAgreement")
	for i := range n {
		api.put(watch.Added, settledAgreement(i))
	}
	tolerant := api.listWatch(t, u)
	typed, err := rest.RESTClientForConfigAndClient(api.restConfig(serializer.NewCodecFactory(Scheme()).WithoutConversion()), http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	stream := func(ctx context.Context) (watch.Interface, error) {
		return typed.Get().Resource("customeragreements").VersionedParams(&metav1.ListOptions{Watch: true, SendInitialEvents: ptr.To(true)}, metav1.ParameterCodec).Watch(ctx)
	}
	perObject := func(open func(context.Context) (watch.Interface, error)) (float64, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		w, err := open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		got := 0
		for ev := range w.ResultChan() {
			if ev.Type == watch.Bookmark {
				break
			}
			if _, ok := ev.Object.(*v1alpha1.CustomerAgreement); !ok {
				t.Fatalf("a %s event of %T", ev.Type, ev.Object)
			}
			got++
		}
		goruntime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / n, got
	}
	base, all := perObject(stream)
	if all != n {
		t.Fatalf("the typed watch passed %d objects, want %d", all, n)
	}
	tolerantStream := func(ctx context.Context) (watch.Interface, error) {
		return tolerant.watch(ctx, metav1.ListOptions{SendInitialEvents: ptr.To(true)})
	}
	ours, got := perObject(tolerantStream)
	if got != n {
		t.Fatalf("the tolerant watch passed %d objects, want %d", got, n)
	}
	t.Logf("allocated per object: typed watch %.0f bytes, tolerant watch %.0f bytes", base, ours)
	if ours > 1.25*base {
		t.Fatalf("the tolerant watch allocates %.0f bytes per object, the typed watch %.0f: more than one decode each", ours, base)
	}

	broken := settledAgreement(n)
	broken["spec"].(map[string]any)["attestation"] = map[string]any{"linkLifetime": "3d"}
	api.put(watch.Added, broken)
	if _, got := perObject(tolerantStream); got != n {
		t.Fatalf("with an undecodable object, the tolerant watch passed %d objects, want the %d that decode", got, n)
	}
	if b := <-u.queue; b.obj.GetName() != broken["metadata"].(map[string]any)["name"] || b.field != "spec.attestation.linkLifetime" {
		t.Fatalf("reported %s at %q, want the broken one at spec.attestation.linkLifetime", b.obj.GetName(), b.field)
	}
}

// settledAgreement is a CustomerAgreement as a start-up after the first finds it: attested, with
// its conditions.
func settledAgreement(i int) map[string]any {
	cond := func(typ, status, reason string) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "observedGeneration": int64(1),
			"lastTransitionTime": "2026-11-01T10:00:00Z", "message": "The customer's agreement is on record at Partner Center (MCA, agreed 2024-01-01)."}
	}
	return map[string]any{
		"apiVersion": v1alpha1.GroupVersion.String(), "kind": "CustomerAgreement",
		"metadata": map[string]any{"name": fmt.Sprintf("customer-%05d", i), "namespace": "team-a", "uid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			"generation": int64(1), "creationTimestamp": "2026-11-01T10:00:00Z",
			"labels": map[string]any{v1alpha1.LabelPartnerTenant: "contoso"}},
		"spec": map[string]any{"partnerTenantRef": map[string]any{"name": "contoso"}, "customerTenantId": fmt.Sprintf("10000000-0000-4000-8000-%012d", i),
			"companyName": fmt.Sprintf("Customer %d Ltd", i), "signatory": map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.example"}},
		"status": map[string]any{"state": "Attested", "observedGeneration": int64(1),
			"conditions": []any{cond("Ready", "True", "Attested"), cond("Stalled", "False", "Attested"), cond("Reconciling", "False", "Attested")}},
	}
}

// fakeAPI serves one resource of this API as the API server does over HTTP: a JSON list, and a
// watch stream of JSON events (with the streaming list's initial events when asked), from the
// objects the test puts. The test needs objects the API server would refuse to store.
type fakeAPI struct {
	kind, resource string
	server         *httptest.Server
	mu             sync.Mutex
	objects        []map[string]any
	rv             int
	watchers       []chan []byte
}

func newFakeAPI(t *testing.T, kind string) *fakeAPI {
	a := &fakeAPI{kind: kind, resource: resources[kind]}
	a.server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.server.Close)
	return a
}

func (a *fakeAPI) restConfig(ns runtime.NegotiatedSerializer) *rest.Config {
	gv := v1alpha1.GroupVersion
	return &rest.Config{Host: a.server.URL, APIPath: "/apis", ContentConfig: rest.ContentConfig{GroupVersion: &gv, NegotiatedSerializer: ns}}
}

func (a *fakeAPI) listWatch(t *testing.T, u *undecodable) *tolerantListWatch {
	t.Helper()
	lw, err := u.tolerantListWatch(a.restConfig(nil), http.DefaultClient, v1alpha1.GroupVersion.WithKind(a.kind))
	if err != nil {
		t.Fatal(err)
	}
	return lw
}

// put stores obj (replacing the one of its name) and sends the event to the watches.
func (a *fakeAPI) put(typ watch.EventType, obj map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rv++
	obj["metadata"].(map[string]any)["resourceVersion"] = strconv.Itoa(a.rv)
	a.objects = slices.DeleteFunc(a.objects, func(o map[string]any) bool {
		return o["metadata"].(map[string]any)["name"] == obj["metadata"].(map[string]any)["name"]
	})
	a.objects = append(a.objects, obj)
	ev, _ := json.Marshal(map[string]any{"type": typ, "object": obj})
	for _, w := range a.watchers {
		w <- ev
	}
}

func (a *fakeAPI) waitForWatch(ctx context.Context, t *testing.T) {
	t.Helper()
	for ctx.Err() == nil {
		a.mu.Lock()
		n := len(a.watchers)
		a.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("nobody watches")
}

func (a *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/apis/"+v1alpha1.GroupVersion.String()+"/"+a.resource {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	a.mu.Lock()
	if q := r.URL.Query(); q.Get("watch") != "true" && q.Get("watch") != "1" {
		list, _ := json.Marshal(map[string]any{"apiVersion": v1alpha1.GroupVersion.String(), "kind": a.kind + "List",
			"metadata": map[string]any{"resourceVersion": strconv.Itoa(a.rv)}, "items": a.objects})
		a.mu.Unlock()
		_, _ = w.Write(list)
		return
	}
	// The events are encoded before the watch is timed: the server's own allocations are the same
	// for every client.
	var initial [][]byte
	if r.URL.Query().Get("sendInitialEvents") == "true" {
		for _, o := range a.objects {
			ev, _ := json.Marshal(map[string]any{"type": watch.Added, "object": o})
			initial = append(initial, ev)
		}
		ev, _ := json.Marshal(map[string]any{"type": watch.Bookmark, "object": map[string]any{"apiVersion": v1alpha1.GroupVersion.String(), "kind": a.kind,
			"metadata": map[string]any{"resourceVersion": strconv.Itoa(a.rv), "annotations": map[string]any{metav1.InitialEventsAnnotationKey: "true"}}}})
		initial = append(initial, ev)
	}
	events := make(chan []byte, 16)
	a.watchers = append(a.watchers, events)
	a.mu.Unlock()
	flusher := w.(http.Flusher)
	for _, ev := range initial {
		_, _ = w.Write(append(ev, '\n'))
	}
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev := <-events:
			_, _ = w.Write(append(ev, '\n'))
			flusher.Flush()
		}
	}
}

type listThenWatch struct{ *toolscache.ListWatch }

func (listThenWatch) IsWatchListSemanticsUnSupported() bool { return true }
