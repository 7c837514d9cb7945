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
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// crdValidator validates the object at path of a CustomerAgreement (such as spec.signatory) the
// way the API server does: with the CustomerAgreement CRD's own OpenAPI schema and CEL rules, from
// config/crd/bases. It returns the errors.
func crdValidator(t *testing.T, path ...string) func(obj map[string]any) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "partnercenter.mca.dev_customeragreements.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Schema == nil {
		t.Fatal("the CRD has no single version with a schema")
	}
	v1schema := *crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	for _, p := range path {
		v1schema = v1schema.Properties[p]
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1schema, &internal, nil); err != nil {
		t.Fatal(err)
	}
	structural, err := schema.NewStructural(&internal)
	if err != nil {
		t.Fatal(err)
	}
	celValidator := cel.NewValidator(structural, false, celconfig.PerCallLimit)
	if celValidator == nil {
		t.Fatalf("%v has no CEL rules", path)
	}
	schemaValidator, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		t.Fatal(err)
	}
	return func(obj map[string]any) []string {
		schemaErrs := validation.ValidateCustomResource(nil, obj, schemaValidator)
		out := make([]string, 0, len(schemaErrs))
		for _, e := range schemaErrs {
			out = append(out, e.Error())
		}
		errs, _ := celValidator.Validate(context.Background(), nil, structural, obj, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range errs {
			out = append(out, e.Error())
		}
		return out
	}
}

// TestSignatoryRulesMatchTheCRD: the plugin accepts exactly the signatories the CustomerAgreement
// CRD accepts (its schema and CEL rules), over one table of valid and invalid signatories.
func TestSignatoryRulesMatchTheCRD(t *testing.T) {
	validate := crdValidator(t, "spec", "signatory")
	crd := func(s v1alpha1.Signatory) []string {
		obj := map[string]any{"firstName": s.FirstName, "lastName": s.LastName, "email": s.Email}
		if s.PhoneNumber != "" {
			obj["phoneNumber"] = s.PhoneNumber
		}
		return validate(obj)
	}
	ok := v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.example"}
	with := func(f func(*v1alpha1.Signatory)) v1alpha1.Signatory { s := ok; f(&s); return s }
	for name, s := range map[string]v1alpha1.Signatory{
		"valid":                        ok,
		"valid with phone":             with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "+1 425 555 0100" }),
		"phone with dots and brackets": with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "+44 (20) 7946.0958" }),
		"unicode names":                with(func(s *v1alpha1.Signatory) { s.FirstName, s.LastName = "Zoë", "Ørsted-Ñúñez" }),
		"name of 100 characters":       with(func(s *v1alpha1.Signatory) { s.LastName = strings.Repeat("é", 100) }),
		"name of 101 characters":       with(func(s *v1alpha1.Signatory) { s.LastName = strings.Repeat("é", 101) }),
		"empty first name":             with(func(s *v1alpha1.Signatory) { s.FirstName = "" }),
		"name without a letter":        with(func(s *v1alpha1.Signatory) { s.FirstName = "123" }),
		"name with a newline":          with(func(s *v1alpha1.Signatory) { s.FirstName = "Ada\nkind: Secret" }),
		"name with a tab":              with(func(s *v1alpha1.Signatory) { s.LastName = "Love\tlace" }),
		"name with a zero-width space": with(func(s *v1alpha1.Signatory) { s.LastName = "Love\u200blace" }),
		"name with a bidi override":    with(func(s *v1alpha1.Signatory) { s.LastName = "\u202eecalevoL" }),
		"name with a line separator":   with(func(s *v1alpha1.Signatory) { s.LastName = "Love\u2028lace" }),
		"name with a private-use char": with(func(s *v1alpha1.Signatory) { s.LastName = "Love\ue000lace" }),
		"name with a leading space":    with(func(s *v1alpha1.Signatory) { s.FirstName = " Ada" }),
		"name with a trailing nbsp":    with(func(s *v1alpha1.Signatory) { s.FirstName = "Ada\u00a0" }),
		"name with an inner space":     with(func(s *v1alpha1.Signatory) { s.FirstName = "Ada Augusta" }),
		"email with plus and quote":    with(func(s *v1alpha1.Signatory) { s.Email = "o'brien+mca@contoso.example" }),
		"email with a display name":    with(func(s *v1alpha1.Signatory) { s.Email = "Ada <ada@contoso.example>" }),
		"email without a dot":          with(func(s *v1alpha1.Signatory) { s.Email = "ada@localhost" }),
		"email with two @":             with(func(s *v1alpha1.Signatory) { s.Email = "ada@b@contoso.example" }),
		"email with a newline":         with(func(s *v1alpha1.Signatory) { s.Email = "ada@contoso.example\n" }),
		"email non-ASCII":              with(func(s *v1alpha1.Signatory) { s.Email = "zoë@contoso.example" }),
		"email punycode TLD":           with(func(s *v1alpha1.Signatory) { s.Email = "ada@contoso.xn--p1ai" }),
		"email local part of 64":       with(func(s *v1alpha1.Signatory) { s.Email = strings.Repeat("a", 64) + "@contoso.example" }),
		"email local part of 65":       with(func(s *v1alpha1.Signatory) { s.Email = strings.Repeat("a", 65) + "@contoso.example" }),
		"email of 255 characters": with(func(s *v1alpha1.Signatory) {
			s.Email = "a@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("e", 57) + ".example"
		}),
		"email with a dot at the start": with(func(s *v1alpha1.Signatory) { s.Email = ".ada@contoso.example" }),
		"phone of 6 digits":             with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "555010" }),
		"phone of 16 digits":            with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "1234567890123456" }),
		"phone with letters":            with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "425-555-CALL" }),
		"phone with two separators":     with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "425--555-0100" }),
		"phone of 33 characters":        with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7" }),
		"phone with a newline":          with(func(s *v1alpha1.Signatory) { s.PhoneNumber = "4255550100\n" }),
	} {
		crdErrs := crd(s)
		problem := signatoryProblem(s)
		if (len(crdErrs) == 0) != (problem == "") {
			t.Errorf("%s: the CRD says %q, the plugin %q", name, crdErrs, problem)
		}
	}
}
