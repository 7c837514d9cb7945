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
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// An object of this API that the Go types cannot decode (stored before a validation rule existed,
// or written while a rule was missing, such as spec.linkDelivery.reminders: ["3d"]) would fail
// every typed list and watch of its kind: the informer would retry forever and no other object of
// the kind would be served. The informers of this API's kinds therefore list and watch through the
// dynamic client and decode each object on its own; an object that does not decode is left out of
// the cache (as if deleted) and reported: logged, an event, and Ready=False and Stalled=True with
// reason InvalidSpec naming the field. Once it is fixed, it enters the cache like a new object.

// resources are the plural resource names of this API's kinds, which the informers list and watch.
var resources = map[string]string{
	"PartnerTenant":     "partnertenants",
	"CustomerAgreement": "customeragreements",
}

// undecodable reports the objects that do not decode. report only logs and queues (it runs in the
// informers, on every replica); Start, run by the manager on the leader, writes the conditions and
// events.
type undecodable struct {
	scheme  *runtime.Scheme
	decoder runtime.Decoder
	queue   chan *brokenObject
	// selectors are the cache's label selectors of this API's kinds, by kind, which the tolerant
	// list and watch apply (set before the cache starts).
	selectors map[string]labels.Selector
	// Set once the manager exists, before it starts.
	log      logr.Logger
	client   client.Client
	recorder recorder.EventRecorder
}

type brokenObject struct {
	obj     *unstructured.Unstructured
	field   string
	problem string
}

func newUndecodable(scheme *runtime.Scheme) *undecodable {
	return &undecodable{
		scheme:  scheme,
		decoder: serializer.NewCodecFactory(scheme).UniversalDeserializer(),
		queue:   make(chan *brokenObject, 256),
	}
}

// newInformer is the cache's NewInformer: the tolerant list and watch for this API's typed kinds,
// the default for every other informer. It replaces controller-runtime's list and watch, which
// would add a namespace restriction (the operator's cache has none) and the label selector of the
// kind (which the tolerant one applies: selectors).
func (u *undecodable) newInformer(cfg *rest.Config, httpClient *http.Client) func(toolscache.ListerWatcher, runtime.Object, time.Duration, toolscache.Indexers) toolscache.SharedIndexInformer {
	return func(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
		if tolerant, err := u.listWatch(cfg, httpClient, obj); err != nil {
			u.log.Error(err, "cannot list this kind object by object; using the typed list and watch")
		} else if tolerant != nil {
			lw = tolerant
		}
		return toolscache.NewSharedIndexInformer(lw, obj, resync, indexers)
	}
}

// listWatch is the tolerant list and watch of obj's kind, or nil when obj is not one of this API's
// typed kinds.
func (u *undecodable) listWatch(cfg *rest.Config, httpClient *http.Client, obj runtime.Object) (toolscache.ListerWatcher, error) {
	switch obj.(type) {
	case runtime.Unstructured, *metav1.PartialObjectMetadata:
		return nil, nil
	}
	gvk, err := apiutil.GVKForObject(obj, u.scheme)
	if err != nil {
		return nil, err
	}
	if gvk.GroupVersion() != v1alpha1.GroupVersion || resources[gvk.Kind] == "" {
		return nil, nil
	}
	t, err := u.tolerantListWatch(cfg, httpClient, gvk)
	if err != nil {
		return nil, err
	}
	return &toolscache.ListWatch{ListWithContextFunc: t.list, WatchFuncWithContext: t.watch}, nil
}

// tolerantListWatch lists and watches gvk through a client of this API whose decoder is
// tolerantDecoder, and decodes a list's items with that same decoder: each object is decoded once,
// typed, as the typed client does, and only one that does not decode is decoded again, as
// unstructured. (A dynamic client would decode every object to unstructured, to be encoded and
// decoded typed again: three passes over each object of a 100,000-object start-up instead of one.)
func (u *undecodable) tolerantListWatch(cfg *rest.Config, httpClient *http.Client, gvk schema.GroupVersionKind) (*tolerantListWatch, error) {
	codecs := tolerantSerializer{serializer.NewCodecFactory(u.scheme).WithoutConversion()}
	info, ok := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok {
		return nil, errors.New("the scheme's codecs have no JSON serializer")
	}
	rcfg := rest.CopyConfig(cfg)
	gv := v1alpha1.GroupVersion
	rcfg.GroupVersion = &gv
	rcfg.APIPath = "/apis"
	rcfg.ContentType = runtime.ContentTypeJSON
	rcfg.AcceptContentTypes = runtime.ContentTypeJSON
	rcfg.NegotiatedSerializer = codecs
	rc, err := rest.RESTClientForConfigAndClient(rcfg, httpClient)
	if err != nil {
		return nil, err
	}
	return &tolerantListWatch{u: u, gvk: gvk, rc: rc, decoder: codecs.DecoderToVersion(info.Serializer, gv),
		resource: resources[gvk.Kind], selector: u.selectors[gvk.Kind]}, nil
}

// tolerantSerializer is a codec factory whose decoders are tolerantDecoder.
type tolerantSerializer struct{ runtime.NegotiatedSerializer }

func (s tolerantSerializer) DecoderToVersion(d runtime.Decoder, gv runtime.GroupVersioner) runtime.Decoder {
	return tolerantDecoder{typed: s.NegotiatedSerializer.DecoderToVersion(d, gv)}
}

// tolerantDecoder decodes an object typed; one that the Go types cannot decode comes back as
// unstructured (without an error), for the list and the watch to report and leave out.
type tolerantDecoder struct{ typed runtime.Decoder }

func (d tolerantDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, gvk, err := d.typed.Decode(data, defaults, into)
	if err == nil {
		return obj, gvk, nil
	}
	u := &unstructured.Unstructured{}
	if _, ugvk, uerr := unstructured.UnstructuredJSONScheme.Decode(data, defaults, u); uerr == nil {
		return u, ugvk, nil
	}
	return nil, nil, err
}

type tolerantListWatch struct {
	u        *undecodable
	gvk      schema.GroupVersionKind
	rc       rest.Interface
	decoder  runtime.Decoder // the client's: a tolerantDecoder
	resource string
	selector labels.Selector // nil: every object of the kind
}

// options applies the kind's label selector to a list's or a watch's options.
func (t *tolerantListWatch) options(opts *metav1.ListOptions) {
	if t.selector != nil {
		opts.LabelSelector = t.selector.String()
	}
}

func (t *tolerantListWatch) list(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	t.options(&opts)
	raw, err := t.rc.Get().Resource(t.resource).VersionedParams(&opts, metav1.ParameterCodec).Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var page struct {
		Metadata metav1.ListMeta   `json:"metadata"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, err
	}
	list, err := t.u.scheme.New(t.gvk.GroupVersion().WithKind(t.gvk.Kind + "List"))
	if err != nil {
		return nil, err
	}
	items := make([]runtime.Object, 0, len(page.Items))
	for _, item := range page.Items {
		obj, ok, err := t.decodeItem(item)
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, obj)
		}
	}
	if err := meta.SetList(list, items); err != nil {
		return nil, err
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, err
	}
	lm.SetResourceVersion(page.Metadata.ResourceVersion)
	lm.SetContinue(page.Metadata.Continue)
	lm.SetRemainingItemCount(page.Metadata.RemainingItemCount)
	return list, nil
}

// decodeItem decodes one item of a list as the watch decodes its events; an item that does not
// decode is reported and left out (ok false).
func (t *tolerantListWatch) decodeItem(item []byte) (runtime.Object, bool, error) {
	obj, _, err := t.decoder.Decode(item, &t.gvk, nil)
	if err != nil {
		return nil, false, err
	}
	if u, broken := obj.(*unstructured.Unstructured); broken {
		t.u.reportBroken(t.gvk, u)
		return nil, false, nil
	}
	return obj, true, nil
}

func (t *tolerantListWatch) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	t.options(&opts)
	w, err := t.rc.Get().Resource(t.resource).VersionedParams(&opts, metav1.ParameterCodec).Watch(ctx)
	if err != nil {
		return nil, err
	}
	return watch.Filter(w, t.event), nil
}

// event passes on a watch event whose object decoded typed. An object that does not decode (it
// arrives unstructured) is reported and leaves the cache: a change that made it undecodable
// arrives as its deletion, so that the controllers stop acting on the version before the change;
// an addition is dropped.
func (t *tolerantListWatch) event(in watch.Event) (watch.Event, bool) {
	u, ok := in.Object.(*unstructured.Unstructured)
	if !ok || in.Type == watch.Error {
		return in, true
	}
	if in.Type == watch.Added || in.Type == watch.Modified {
		t.u.reportBroken(t.gvk, u)
	}
	if in.Type == watch.Added {
		return in, false
	}
	gone, err := t.u.scheme.New(t.gvk)
	if err != nil {
		return in, false
	}
	m, _ := meta.Accessor(gone)
	m.SetNamespace(u.GetNamespace())
	m.SetName(u.GetName())
	m.SetUID(u.GetUID())
	m.SetResourceVersion(u.GetResourceVersion())
	return watch.Event{Type: watch.Deleted, Object: gone}, true
}

// decode decodes data as the typed client does.
func (u *undecodable) decode(gvk schema.GroupVersionKind, data []byte) (runtime.Object, error) {
	into, err := u.scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	obj, _, err := u.decoder.Decode(data, &gvk, into)
	if err != nil {
		return nil, err
	}
	// As the typed client's objects: without apiVersion and kind.
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	return obj, nil
}

// decodeError is the error of decoding an unstructured object's content as the typed client does
// (nil: it decodes).
func (u *undecodable) decodeError(gvk schema.GroupVersionKind, content map[string]any) error {
	data, err := json.Marshal(content)
	if err != nil {
		return err
	}
	_, err = u.decode(gvk, data)
	return err
}

// reportBroken reports an object that the Go types could not decode, with the typed decode's error.
func (u *undecodable) reportBroken(gvk schema.GroupVersionKind, obj *unstructured.Unstructured) {
	if err := u.decodeError(gvk, obj.Object); err != nil {
		u.report(obj, err)
	}
}

// report logs the object that does not decode, naming the field, and queues it for its
// conditions and event.
func (u *undecodable) report(obj *unstructured.Unstructured, err error) {
	gvk := obj.GroupVersionKind()
	field := brokenField(obj.Object, func(content map[string]any) bool {
		return u.decodeError(gvk, content) == nil
	})
	u.log.Error(err, "an object cannot be read and is left alone until it is fixed",
		"kind", gvk.Kind, "namespace", obj.GetNamespace(), "name", obj.GetName(), "field", field)
	select {
	case u.queue <- &brokenObject{obj: obj, field: field, problem: err.Error()}:
	default:
		// Full (or no leader here): the object is reported again at its next change or relist.
	}
}

// Start writes the conditions and events of the objects reported (the manager runs it on the
// leader).
func (u *undecodable) Start(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-u.queue:
			if err := u.setConditions(ctx, b); err != nil {
				u.log.Error(err, "cannot report an object that cannot be read", "kind", b.obj.GetKind(),
					"namespace", b.obj.GetNamespace(), "name", b.obj.GetName())
			}
		}
	}
}

// setConditions sets Ready=False and Stalled=True, reason InvalidSpec, and removes Reconciling, on
// the object's status (written only when that changes it), with a warning event.
func (u *undecodable) setConditions(ctx context.Context, b *brokenObject) error {
	what := "the object"
	if b.field != "" {
		what = b.field
	}
	msg := fmt.Sprintf("%s cannot be read (%s); the operator leaves this %s alone until it is fixed.", what, b.problem, b.obj.GetKind())
	var conds []metav1.Condition
	if raw, found, _ := unstructured.NestedSlice(b.obj.Object, "status", "conditions"); found {
		// Conditions that do not convert are replaced.
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]any{"items": raw}, &struct {
			Items *[]metav1.Condition `json:"items"`
		}{&conds})
	}
	before := slices.Clone(conds)
	now := metav1.Now()
	for typ, status := range map[string]metav1.ConditionStatus{v1alpha1.ConditionReady: metav1.ConditionFalse, v1alpha1.ConditionStalled: metav1.ConditionTrue} {
		meta.SetStatusCondition(&conds, metav1.Condition{Type: typ, Status: status, Reason: v1alpha1.ReasonInvalidSpec,
			Message: msg, ObservedGeneration: b.obj.GetGeneration(), LastTransitionTime: now})
	}
	meta.RemoveStatusCondition(&conds, v1alpha1.ConditionReconciling)
	if equality.Semantic.DeepEqual(before, conds) {
		return nil
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": b.obj.GetResourceVersion()},
		"status":   map[string]any{"conditions": conds},
	})
	if err != nil {
		return err
	}
	target := &unstructured.Unstructured{}
	target.SetGroupVersionKind(b.obj.GroupVersionKind())
	target.SetNamespace(b.obj.GetNamespace())
	target.SetName(b.obj.GetName())
	if err := u.client.Status().Patch(ctx, target, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return client.IgnoreNotFound(err)
	}
	u.recorder.Eventf(b.obj, nil, corev1.EventTypeWarning, v1alpha1.ReasonInvalidSpec, "Decode", "%s", msg)
	return nil
}

// brokenField names the field whose removal alone lets content decode, the deepest such (such as
// spec.linkDelivery.reminders[0]); "" when no single field does.
func brokenField(content map[string]any, decodes func(map[string]any) bool) string {
	var path []any
	for {
		var next []any
		for _, child := range children(content, path) {
			p := append(slices.Clone(path), child)
			if decodes(without(content, p)) {
				next = p
				break
			}
		}
		if next == nil {
			return formatPath(path)
		}
		path = next
	}
}

// children are the keys (sorted) or indices under path; at the root, every key but apiVersion,
// kind and metadata.
func children(content map[string]any, path []any) []any {
	var out []any
	switch n := at(content, path).(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(n)) {
			if len(path) == 0 && (k == "apiVersion" || k == "kind" || k == "metadata") {
				continue
			}
			out = append(out, k)
		}
	case []any:
		for i := range n {
			out = append(out, i)
		}
	}
	return out
}

func at(node any, path []any) any {
	for _, p := range path {
		switch n := node.(type) {
		case map[string]any:
			node = n[p.(string)]
		case []any:
			node = n[p.(int)]
		}
	}
	return node
}

// without returns a copy of content without the element at path.
func without(content map[string]any, path []any) map[string]any {
	c := runtime.DeepCopyJSON(content)
	parent := at(c, path[:len(path)-1])
	last := path[len(path)-1]
	switch n := parent.(type) {
	case map[string]any:
		delete(n, last.(string))
	case []any:
		i := last.(int)
		grand := at(c, path[:len(path)-2])
		shorter := slices.Delete(slices.Clone(n), i, i+1)
		switch g := grand.(type) {
		case map[string]any:
			g[path[len(path)-2].(string)] = shorter
		case []any:
			g[path[len(path)-2].(int)] = shorter
		}
	}
	return c
}

func formatPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch v := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		}
	}
	return b.String()
}
