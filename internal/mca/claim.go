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

package mca

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Claim is one CustomerAgreement that names a customer under a partner tenant, from a namespace
// its PartnerTenant allows.
type Claim struct {
	Created         time.Time
	Namespace, Name string
	// Acted: its status shows a write to Partner Center for the customer (an attestation
	// followed, or an agreement it created).
	Acted bool
}

// Owner picks the one claim that may act for the customer: the oldest; among those created in
// the same second (the API server's resolution), one that already acted, so that an object
// created just after another's write completed does not write again; then by namespace and
// name. Every claimant computes the same owner. claims must not be empty.
func Owner(claims []Claim) Claim {
	return slices.MinFunc(claims, func(a, b Claim) int {
		return cmp.Or(a.Created.Compare(b.Created), actedFirst(a.Acted, b.Acted),
			strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
}

func actedFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
