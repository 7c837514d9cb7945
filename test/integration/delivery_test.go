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

package integration

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery/mailbox"
	"github.com/mca-operator/mca-operator/pkg/webhook"
)

// The webhook receiver: a real HTTPS server whose certificate the manager trusts (it also serves
// the mail relay's STARTTLS).
type hook struct {
	mu   sync.Mutex
	reqs []hookRequest
}

type hookRequest struct {
	body   []byte
	header http.Header
}

var (
	receiver *httptest.Server
	received = &hook{}
)

func startReceiver() {
	receiver = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		received.mu.Lock()
		received.reqs = append(received.reqs, hookRequest{body: b, header: r.Header.Clone()})
		received.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
}

// hooksFor returns the webhook events about one attestation.
func hooksFor(attestationID string) []hookRequest {
	received.mu.Lock()
	defer received.mu.Unlock()
	var out []hookRequest
	for _, r := range received.reqs {
		if strings.Contains(string(r.body), attestationID) {
			out = append(out, r)
		}
	}
	return out
}

const hmacKey = "integration-hmac-key-0123456789"

// deliverThrough configures partner A's link delivery for the rest of the spec.
func deliverThrough(mb *mailbox.Server, tlsMode v1alpha1.SMTPTLS, creds string, reminders ...time.Duration) {
	GinkgoHelper()
	hookSecret := fmt.Sprintf("webhook-%d", time.Now().UnixNano())
	Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: hookSecret},
		StringData: map[string]string{"hmacKey": hmacKey}})).To(Succeed())
	ld := &v1alpha1.LinkDelivery{
		Email:        &v1alpha1.EmailDelivery{SMTP: v1alpha1.SMTPServer{Host: mb.Host(), Port: int32(mb.Port()), TLS: tlsMode}, From: "Contoso Billing <mca@contoso.example>"},
		Webhook:      &v1alpha1.WebhookDelivery{URL: receiver.URL + "/mca", SecretRef: v1alpha1.LocalObjectReference{Name: hookSecret}},
		MaxPerMinute: 600,
	}
	if creds != "" {
		ld.Email.SMTP.CredentialsSecretRef = &v1alpha1.LocalObjectReference{Name: creds}
	}
	ld.Reminders = []metav1.Duration{}
	for _, d := range reminders {
		ld.Reminders = append(ld.Reminders, metav1.Duration{Duration: d})
	}
	var old *v1alpha1.LinkDelivery
	updatePartnerTenant(partnerA.name, func(pt *v1alpha1.PartnerTenant) { old, pt.Spec.LinkDelivery = pt.Spec.LinkDelivery, ld })
	DeferCleanup(updatePartnerTenant, partnerA.name, func(pt *v1alpha1.PartnerTenant) { pt.Spec.LinkDelivery = old })
}

func startMailbox(o mailbox.Options) *mailbox.Server {
	GinkgoHelper()
	mb, err := mailbox.Start("127.0.0.1:0", o)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(mb.Close)
	return mb
}

// mailTo returns the messages received for one recipient.
func mailTo(mb *mailbox.Server, rcpt string) []mailbox.Message {
	var out []mailbox.Message
	for _, m := range mb.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, rcpt) {
				out = append(out, m)
			}
		}
	}
	return out
}

// labelNamespace sets the label mca-claim-test on a namespace.
func labelNamespace(name, value string) {
	GinkgoHelper()
	ns := &corev1.Namespace{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, ns)).To(Succeed())
	patch := client.MergeFrom(ns.DeepCopy())
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["mca-claim-test"] = value
	Expect(k8sClient.Patch(ctx, ns, patch)).To(Succeed())
}

func parsed(m mailbox.Message) mailbox.Parsed {
	GinkgoHelper()
	p, err := m.Parse()
	Expect(err).NotTo(HaveOccurred())
	return p
}

var _ = Describe("Delivering the acceptance link", Serial, func() {
	It("emails the signatory and posts a signed CloudEvent once, and a manager restart sends nothing again", func() {
		mb := startMailbox(mailbox.Options{})
		deliverThrough(mb, v1alpha1.SMTPTLSNone, "")
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(sg))
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(got.Status.Attestation).NotTo(BeNil())
			g.Expect(got.Status.Attestation.Deliveries).To(HaveLen(2))
			for _, d := range got.Status.Attestation.Deliveries {
				g.Expect(d.SentAt).NotTo(BeNil())
			}
			g.Expect(condition(got, v1alpha1.ConditionLinkDelivered)).To(Equal("True/" + v1alpha1.ReasonLinkDelivered))
		})
		link := linkOf(got)

		mails := mailTo(mb, sg.Email)
		Expect(mails).To(HaveLen(1))
		m := parsed(mails[0])
		Expect(m.Header.Get("Subject")).NotTo(BeEmpty())
		Expect(m.Header.Get("From")).To(ContainSubstring("mca@contoso.example"))
		messageID := m.Header.Get("Message-Id")
		Expect(messageID).To(ContainSubstring("@mca-operator.partnercenter.mca.dev"))
		Expect(m.Text).To(ContainSubstring(link))
		Expect(m.HTML).To(ContainSubstring(strings.ReplaceAll(link, "&", "&amp;")))
		Expect(m.Text).To(ContainSubstring(ca.Spec.CompanyName))

		hooks := hooksFor(attestationIDOf(got))
		Expect(hooks).To(HaveLen(1))
		Expect(webhook.Verify(hooks[0].header, hooks[0].body, []byte(hmacKey), webhook.DefaultTolerance, clock.Now())).To(Succeed())
		var ev map[string]any
		Expect(json.Unmarshal(hooks[0].body, &ev)).To(Succeed())
		Expect(ev["specversion"]).To(Equal("1.0"))
		Expect(string(hooks[0].body)).To(ContainSubstring(link))

		// The link stays out of the object and its events.
		raw, _ := json.Marshal(fetch(ca))
		Expect(string(raw)).NotTo(ContainSubstring(link))

		// A restart, a resync and a poke send nothing.
		stopMgr()
		stopMgr = startManager()
		poke(ca)
		Consistently(func() int { return len(mailTo(mb, sg.Email)) + len(hooksFor(attestationIDOf(got))) }, 3*time.Second).Should(Equal(2))
	})

	It("sends nothing for channels: []", func() {
		mb := startMailbox(mailbox.Options{})
		deliverThrough(mb, v1alpha1.SMTPTLSNone, "")
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(sg), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{}}
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) { g.Expect(got.Status.Attestation).NotTo(BeNil()) })
		Consistently(func() int { return len(mailTo(mb, sg.Email)) + len(hooksFor(attestationIDOf(got))) }, 2*time.Second).Should(BeZero())
	})

	It("sends through STARTTLS with AUTH, and reminds the signatory before the link expires", func() {
		mb := startMailbox(mailbox.Options{TLS: &tls.Config{Certificates: receiver.TLS.Certificates, MinVersion: tls.VersionTLS12}, User: "relay-user", Password: "relay-pass-123"})
		Expect(k8sClient.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: "smtp-auth"},
			StringData: map[string]string{"username": "relay-user", "password": "relay-pass-123"}})).To(Succeed())
		DeferCleanup(func() {
			_ = k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: "smtp-auth"}})
		})
		// A 5-minute link with a reminder 4m54s before expiry: the reminder falls 6 s after the start.
		deliverThrough(mb, v1alpha1.SMTPTLSStartTLS, "smtp-auth", 4*time.Minute+54*time.Second)
		sg := uniqueSignatory()
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(sg), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Attestation = &v1alpha1.CustomerAttestationSettings{LinkLifetime: &metav1.Duration{Duration: 5 * time.Minute}}
			ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}}
		})
		Eventually(func() int { return len(mailTo(mb, sg.Email)) }, 30*time.Second).Should(Equal(2))
		mails := mailTo(mb, sg.Email)
		Expect(mails[0].TLS && mails[0].Auth).To(BeTrue())
		first, second := parsed(mails[0]), parsed(mails[1])
		Expect(first.Header.Get("Message-Id")).NotTo(Equal(second.Header.Get("Message-Id")))
		link := linkOf(fetch(ca))
		Expect(first.Text).To(ContainSubstring(link))
		Expect(second.Text).To(ContainSubstring(link))
		Consistently(func() int { return len(mailTo(mb, sg.Email)) }, 2*time.Second).Should(Equal(2))
	})

	It("stops the channel for an unknown recipient and says so, without affecting Ready", func() {
		mb := startMailbox(mailbox.Options{Unknown: func(rcpt string) bool { return strings.HasPrefix(rcpt, "nobody") }})
		deliverThrough(mb, v1alpha1.SMTPTLSNone, "")
		sg := uniqueSignatory()
		sg.Email = "nobody@contoso.example"
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(sg), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}}
		})
		got := eventually(ca, func(g Gomega, got *v1alpha1.CustomerAgreement) {
			g.Expect(condition(got, v1alpha1.ConditionLinkDelivered)).To(Equal("False/" + v1alpha1.ReasonLinkDeliveryFailed))
		})
		Expect(cond(got, v1alpha1.ConditionLinkDelivered).Message).To(ContainSubstring("550"))
		Expect(condition(got, v1alpha1.ConditionReady)).To(Equal("False/" + v1alpha1.ReasonAwaitingCustomer))
		Eventually(func() []string { return events(ca) }).Should(ContainElement(HavePrefix(v1alpha1.ReasonLinkDeliveryFailed)))
		Consistently(func() int { return len(fetch(ca).Status.Attestation.Deliveries) }, 2*time.Second).Should(Equal(1))
	})

	It("withdraws the link of an object that loses its claim, and sends it nothing more", func() {
		mb := startMailbox(mailbox.Options{})
		deliverThrough(mb, v1alpha1.SMTPTLSNone, "")
		restrictPartnerTenant(partnerA, &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"mca-claim-test": "allowed"}}})
		customer := newCustomer(partnerA)
		// The older object's namespace is not allowed yet: the younger one owns the customer.
		older := createAgreement(newNamespace(), customer, partnerA, withSignatory(uniqueSignatory()))
		time.Sleep(1100 * time.Millisecond) // creationTimestamp has whole seconds: a tie goes by namespace name
		younger := newNamespace()
		labelNamespace(younger, "allowed")
		sg := uniqueSignatory()
		ca := createAgreement(younger, customer, partnerA, withSignatory(sg), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}}
		})
		Eventually(func() int { return len(mailTo(mb, sg.Email)) }).Should(Equal(1))
		secret := fetch(ca).Status.Attestation.LinkSecretRef.Name

		labelNamespace(older.Namespace, "allowed")
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: credentialsNamespace, Name: secret}, &corev1.Secret{}))
		}).Should(BeTrue())
		Eventually(func() *v1alpha1.LocalObjectReference { return fetch(ca).Status.Attestation.LinkSecretRef }).Should(BeNil())
		Consistently(func() int { return len(mailTo(mb, sg.Email)) }).Should(Equal(1))
	})

	It("never sends a pending link to the signatory of a later spec", func() {
		mb := startMailbox(mailbox.Options{})
		// A 5-minute link with a reminder 4m54s before expiry: the reminder falls 6 s after the start.
		deliverThrough(mb, v1alpha1.SMTPTLSNone, "", 4*time.Minute+54*time.Second)
		first := uniqueSignatory()
		ca := createAgreement(newNamespace(), newCustomer(partnerA), partnerA, withSignatory(first), func(ca *v1alpha1.CustomerAgreement) {
			ca.Spec.Attestation = &v1alpha1.CustomerAttestationSettings{LinkLifetime: &metav1.Duration{Duration: 5 * time.Minute}}
			ca.Spec.LinkDelivery = &v1alpha1.CustomerLinkDelivery{Channels: []v1alpha1.DeliveryChannel{v1alpha1.ChannelEmail}}
		})
		Eventually(func() int { return len(mailTo(mb, first.Email)) }).Should(Equal(1))
		oldLink := linkOf(fetch(ca))

		later := uniqueSignatory()
		got := fetch(ca)
		patch := client.MergeFrom(got.DeepCopy())
		got.Spec.Signatory = later
		Expect(k8sClient.Patch(ctx, got, patch)).To(Succeed())
		Eventually(func() int { return len(mailTo(mb, later.Email)) }, 30*time.Second).Should(BeNumerically(">=", 1))
		Consistently(func(g Gomega) {
			for _, m := range mailTo(mb, later.Email) {
				g.Expect(parsed(m).Text).NotTo(ContainSubstring(oldLink))
			}
		}, 8*time.Second).Should(Succeed())
	})
})
