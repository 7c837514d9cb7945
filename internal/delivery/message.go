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
