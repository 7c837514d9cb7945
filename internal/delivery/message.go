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

package delivery

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// Message is one delivery of an acceptance link, on any channel.
type Message struct {
	// ID is Due.MessageID: the email's Message-ID, the CloudEvent's id.
	ID            string
	Kind          v1alpha1.DeliveryKind
	AttestationID string
	// AcceptanceLink is the credential; it leaves the package only in the message itself.
	AcceptanceLink string
	ExpiresAt      time.Time
	// Partner names the partner to the signatory; PartnerTenant is the PartnerTenant's name.
	Partner          string
	PartnerTenant    string
	Customer         types.NamespacedName
	CustomerTenantID string
	CompanyName      string
	// Language is the CustomerAgreement's spec.language.
	Language  string
	Signatory v1alpha1.Signatory
}
