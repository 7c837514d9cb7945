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
	"fmt"
	"path/filepath"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
)

// Annotations on the CustomerAgreement samples saying what the demo expects them to settle at.
// The operator ignores them.
const (
	// AnnotationExpectedState is the status.state the sample settles at, once any person it waits
	// for has acted ("" when Partner Center cannot be read for the customer at all).
	AnnotationExpectedState = "demo.mca.dev/expected-state"
	// AnnotationExpectedReason is the reason of the Ready condition it settles at.
	AnnotationExpectedReason = "demo.mca.dev/expected-ready-reason"
	// AnnotationAwaitingState and AnnotationAwaitingReason (optional, both or neither) are what a
	// sample that waits for a person shows until they act: the PartnerAttestation sample until its
	// signatory presses Accept. Without --accept-links, --until-converged accepts either.
	AnnotationAwaitingState  = "demo.mca.dev/awaiting-state"
	AnnotationAwaitingReason = "demo.mca.dev/awaiting-ready-reason"
	// AnnotationScenario describes the sample in one line.
	AnnotationScenario = "demo.mca.dev/scenario"
)

// kustomizationFile lists the sample resources; the demo applies exactly what it builds.
const kustomizationFile = "kustomization.yaml"

// seedFile is the simulator's seed in the samples directory (not a Kubernetes resource).
const seedFile = "pcsim-seed.yaml"

// sample is one decoded object of a sample file.
type sample struct {
	File   string
	Object client.Object
}

// outcome is a state and a Ready reason.
type outcome struct {
	State  v1alpha1.AgreementState
	Reason string
}

func (o outcome) String() string {
	s := string(o.State)
	if s == "" {
		s = "no state"
	}
	r := o.Reason
	if r == "" {
		r = "no Ready reason"
	}
	return s + "/" + r
}

// expectation is what a CustomerAgreement sample should settle at.
type expectation struct {
	// Final is where it settles once any person it waits for has acted.
	Final outcome
	// Awaiting, when set, is what it shows while it waits for a person.
	Awaiting *outcome
}

// met reports whether a CustomerAgreement's status meets the expectation: the status describes the
// current spec, and state and Ready reason are the final ones (or, with awaitingCounts, the
// awaiting ones).
func (e expectation) met(ca *v1alpha1.CustomerAgreement, awaitingCounts bool) bool {
	if ca.Status.ObservedGeneration != ca.Generation {
		return false
	}
	_, reason := readyOf(ca.Status.Conditions)
	have := outcome{State: ca.Status.State, Reason: reason}
	return have == e.Final || (awaitingCounts && e.Awaiting != nil && have == *e.Awaiting)
}

func (e expectation) String() string {
	if e.Awaiting == nil {
		return e.Final.String()
	}
	return fmt.Sprintf("%s (%s until a person acts)", e.Final, e.Awaiting)
}

func validState(s string) bool {
	switch v1alpha1.AgreementState(s) {
	case "", v1alpha1.StateAttested, v1alpha1.StateLegacy, v1alpha1.StateBlocked, v1alpha1.StateNoMCA:
		return true
	}
	return false
}

// expectationOf reads the demo annotations of a CustomerAgreement sample.
func expectationOf(ca *v1alpha1.CustomerAgreement) (expectation, error) {
	a := ca.Annotations
	state, okState := a[AnnotationExpectedState]
	reason := a[AnnotationExpectedReason]
	if !okState || reason == "" {
		return expectation{}, fmt.Errorf("CustomerAgreement %s/%s lacks the annotations %s and %s", ca.Namespace, ca.Name, AnnotationExpectedState, AnnotationExpectedReason)
	}
	if !validState(state) {
		return expectation{}, fmt.Errorf("CustomerAgreement %s/%s: %s %q is not a state", ca.Namespace, ca.Name, AnnotationExpectedState, state)
	}
	e := expectation{Final: outcome{State: v1alpha1.AgreementState(state), Reason: reason}}
	aState, okAState := a[AnnotationAwaitingState]
	aReason, okAReason := a[AnnotationAwaitingReason]
	switch {
	case !okAState && !okAReason:
	case !okAState || aReason == "":
		return expectation{}, fmt.Errorf("CustomerAgreement %s/%s: set both %s and %s, or neither", ca.Namespace, ca.Name, AnnotationAwaitingState, AnnotationAwaitingReason)
	case !validState(aState):
		return expectation{}, fmt.Errorf("CustomerAgreement %s/%s: %s %q is not a state", ca.Namespace, ca.Name, AnnotationAwaitingState, aState)
	default:
		e.Awaiting = &outcome{State: v1alpha1.AgreementState(aState), Reason: aReason}
	}
	return e, nil
}

// scheme holds the built-in types and the operator's API.
var scheme = operator.Scheme()

// loadSamples builds the kustomization of dir with kustomize's own engine (krusty), exactly as
// `kubectl apply -k` would, decodes every resource strictly into the operator's scheme (a typo in
// a sample fails here rather than being dropped), and checks the demo annotations of every
// CustomerAgreement. The objects come back in apply order: namespaces, secrets, partner tenants,
// customer agreements (then anything else), each group in the kustomization's order.
func loadSamples(dir string) ([]sample, error) {
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("building %s: %w", dir, err)
	}
	if resMap.Size() == 0 {
		return nil, fmt.Errorf("%s lists no resources", filepath.Join(dir, kustomizationFile))
	}
	var out []sample
	for _, res := range resMap.Resources() {
		where := fmt.Sprintf("%s: %s %s", dir, res.GetKind(), res.GetName())
		js, err := res.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		o, err := decodeObject(js)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if ca, ok := o.(*v1alpha1.CustomerAgreement); ok {
			if _, err := expectationOf(ca); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
		}
		out = append(out, sample{File: where, Object: o})
	}
	sort.SliceStable(out, func(i, j int) bool { return applyRank(out[i].Object) < applyRank(out[j].Object) })
	return out, nil
}

// decodeObject decodes one resource into a typed object of the operator's scheme; unknown fields
// are errors.
func decodeObject(js []byte) (client.Object, error) {
	dec := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Strict: true})
	obj, _, err := dec.Decode(js, nil, nil)
	if err != nil {
		return nil, err
	}
	co, ok := obj.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%T is not an object", obj)
	}
	return co, nil
}

func applyRank(o runtime.Object) int {
	switch kindOf(o) {
	case "Namespace":
		return 0
	case "Secret":
		return 1
	case "PartnerTenant":
		return 2
	case "CustomerAgreement":
		return 3
	}
	return 4
}

// kindOf is the object's kind from its Go type (the typed decoder clears TypeMeta on some paths).
func kindOf(o runtime.Object) string {
	gvks, _, err := scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return o.GetObjectKind().GroupVersionKind().Kind
	}
	return gvks[0].Kind
}
