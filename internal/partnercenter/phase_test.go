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

package partnercenter_test

import (
	"testing"

	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

func TestAttestationPhase(t *testing.T) {
	type want struct {
		phase mca.AttestationPhase
		known bool
	}
	for status, w := range map[string]want{
		pc.StatusLinkGenerated:    {mca.PhaseAwaitingCustomer, true},
		pc.StatusCustomerAccepted: {mca.PhaseAccepted, true},
		pc.StatusAgreementCreated: {mca.PhaseAccepted, true},
		pc.StatusExpired:          {mca.PhaseExpired, true},
		"linkgenerated":           {mca.PhaseAwaitingCustomer, true},
		"customeraccepted":        {mca.PhaseAccepted, true},
		"CUSTOMERACCEPTED":        {mca.PhaseAccepted, true},
		"linkexpired":             {mca.PhaseExpired, true},
		"agreementcreated":        {mca.PhaseAccepted, true},
		"required":                {mca.PhaseAwaitingCustomer, true},
		"Customer_Accepted":       {mca.PhaseAccepted, true},
		"SomethingNew":            {mca.PhaseAwaitingCustomer, false},
		"":                        {mca.PhaseAwaitingCustomer, false},
	} {
		if phase, known := pc.AttestationPhaseOf(status); phase != w.phase || known != w.known {
			t.Errorf("AttestationPhaseOf(%q) = %v, %v; want %v, %v", status, phase, known, w.phase, w.known)
		}
	}
}
