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

package v1alpha1

import (
	"os"
	"strings"
	"testing"
)

// The CRD's rules for spec.linkDelivery.email.from are the patterns the mail sender applies:
// the markers hold exactly SenderAddressPattern and SenderLocalPartTooLong.
func TestSenderRulesAreTheCRDs(t *testing.T) {
	src, err := os.ReadFile("attestation_types.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"+kubebuilder:validation:XValidation:rule=`self.matches(r\"" + SenderAddressPattern + "\")`,message=\"spec.linkDelivery.email.from",
		"+kubebuilder:validation:XValidation:rule=`!self.matches(r'" + SenderLocalPartTooLong + "')`,message=\"spec.linkDelivery.email.from",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("the markers of EmailDelivery.From do not hold the pattern the sender applies:\n%s", want)
		}
	}
}
