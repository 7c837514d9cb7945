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

package controller

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The acceptance link is a credential: whoever holds it can accept the MCA for the customer. It
// lives only in a Secret in the operator's credentials namespace, which the teams that edit
// CustomerAgreements cannot read; status names the Secret, never the link. The Secret is
// replaced when the link is renewed and deleted once the agreement exists or the
// CustomerAgreement is gone (swept on the delete event and at start-up: no finalizer, so that
// deleting a CustomerAgreement never waits for the operator).

// linkSecretPrefix begins the name of a link Secret (its keys and labels: v1alpha1.LinkSecretKey*
// and v1alpha1.LabelLink*).
const linkSecretPrefix = "mca-link-"

// LinkSecretName is the name of a CustomerAgreement's link Secret.
func LinkSecretName(uid types.UID) string { return linkSecretPrefix + string(uid) }

// +kubebuilder:rbac:groups="",namespace=mca-operator-system,resources=secrets,verbs=get;list;create;update;delete

// storeLink writes the current attestation's link into the link Secret (create or replace).
func (s *scope) storeLink(ctx context.Context, link, attestationID string, expiresAt time.Time) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: s.r.CredentialsNamespace, Name: LinkSecretName(s.ca.UID),
		Labels: map[string]string{v1alpha1.LabelLinkNamespace: s.ca.Namespace, v1alpha1.LabelLinkName: v1alpha1.LinkLabelValue(s.ca.Name),
			v1alpha1.LabelLinkUID: string(s.ca.UID)},
		Annotations: map[string]string{v1alpha1.AnnotationLinkName: s.ca.Name},
	}}
	data := map[string][]byte{v1alpha1.LinkSecretKeyLink: []byte(link), v1alpha1.LinkSecretKeyAttestationID: []byte(attestationID)}
	if !expiresAt.IsZero() {
		data[v1alpha1.LinkSecretKeyExpiresAt] = []byte(expiresAt.UTC().Format(time.RFC3339))
	}
	sec.Type = corev1.SecretTypeOpaque
	sec.Data = data
	err := s.r.Client.Create(ctx, sec)
	if apierrors.IsAlreadyExists(err) {
		cur := &corev1.Secret{}
		if err := s.r.Client.Get(ctx, client.ObjectKeyFromObject(sec), cur); err != nil {
			return err
		}
		cur.Labels, cur.Annotations, cur.Data = sec.Labels, sec.Annotations, data
		return s.r.Client.Update(ctx, cur)
	}
	return err
}

// readLink reads the link of the current attestation from its Secret ("" when absent).
func (s *scope) readLink(ctx context.Context) (string, error) {
	sec := &corev1.Secret{}
	err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: s.r.CredentialsNamespace, Name: LinkSecretName(s.ca.UID)}, sec)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(sec.Data[v1alpha1.LinkSecretKeyLink]), nil
}

// dropLink deletes the link Secret once no link is out (the agreement exists).
func (s *scope) dropLink(ctx context.Context) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.r.CredentialsNamespace, Name: LinkSecretName(s.ca.UID)}}
	return client.IgnoreNotFound(s.r.Client.Delete(ctx, sec))
}

// withoutLink deletes the link Secret when o says the object may not act (its PartnerTenant is
// gone, its namespace is not allowed, or another object owns the customer), and has project
// clear linkSecretRef: only the owner of a customer holds a link to it. ensureLink stores it
// again if the object regains the right.
func (s *scope) withoutLink(ctx context.Context, o *outcome) *outcome {
	switch o.reason {
	case v1alpha1.ReasonPartnerTenantNotFound, v1alpha1.ReasonNamespaceNotAllowed, v1alpha1.ReasonCustomerClaimed:
	default:
		return o
	}
	if a := s.ca.Status.Attestation; a == nil || a.LinkSecretRef == nil {
		return o
	}
	if err := s.dropLink(ctx); err != nil {
		return transient(v1alpha1.ReasonPartnerCenterError, "Deleting the acceptance-link Secret failed: "+err.Error(), err)
	}
	f := followedIn(&s.ca.Status)
	f.current.LinkSecretRef = nil
	o.followed = &f
	return o
}

// sweepLinks deletes the link and attestation ids Secrets of CustomerAgreements that are gone: those labelled for
// key (a CustomerAgreement just deleted), or, with an empty key, every one whose
// CustomerAgreement no longer exists with the UID it names (at start-up).
func (r *CustomerAgreementReconciler) sweepLinks(ctx context.Context, key types.NamespacedName) error {
	var list corev1.SecretList
	opts := []client.ListOption{client.InNamespace(r.CredentialsNamespace), client.HasLabels{v1alpha1.LabelLinkUID}}
	if key.Name != "" {
		opts = append(opts, client.MatchingLabels{v1alpha1.LabelLinkNamespace: key.Namespace, v1alpha1.LabelLinkName: v1alpha1.LinkLabelValue(key.Name)})
	}
	if err := r.Client.List(ctx, &list, opts...); err != nil {
		return err
	}
	for i := range list.Items {
		sec := &list.Items[i]
		if !strings.HasPrefix(sec.Name, linkSecretPrefix) && !strings.HasPrefix(sec.Name, v1alpha1.AttestationIDsSecretPrefix) {
			continue
		}
		owner := types.NamespacedName{Namespace: sec.Labels[v1alpha1.LabelLinkNamespace], Name: v1alpha1.LinkOwnerName(sec.Annotations, sec.Labels)}
		// Asked of the API server, not the cache: a shard's cache holds only its PartnerTenants'
		// CustomerAgreements, and one that moved to another shard still needs its link.
		ca := &v1alpha1.CustomerAgreement{}
		err := r.apiReader().Get(ctx, owner, ca)
		if err == nil && string(ca.UID) == sec.Labels[v1alpha1.LabelLinkUID] && ca.DeletionTimestamp.IsZero() {
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		if err := client.IgnoreNotFound(r.Client.Delete(ctx, sec)); err != nil {
			return err
		}
		logf.FromContext(ctx).Info("deleted the attestation Secret of a CustomerAgreement that is gone", "secret", sec.Name, "customerAgreement", owner.String())
	}
	return nil
}

func (r *CustomerAgreementReconciler) apiReader() client.Reader {
	if r.APIReader != nil {
		return r.APIReader
	}
	return r.Client
}

// SweepLinksAtStart is the start-up sweep, run by the leader.
func (r *CustomerAgreementReconciler) SweepLinksAtStart(ctx context.Context) error {
	if err := r.sweepLinks(ctx, types.NamespacedName{}); err != nil {
		return fmt.Errorf("sweeping acceptance-link Secrets: %w", err)
	}
	return nil
}

// buildLink makes the acceptance link from the PartnerTenant's template when Partner Center's
// answer holds none ("" when there is no template either).
func buildLink(template, attestationID, language, country string) string {
	if template == "" || attestationID == "" {
		return ""
	}
	return strings.NewReplacer("{attestationId}", url.PathEscape(attestationID), "{language}", url.PathEscape(language),
		"{country}", url.PathEscape(country)).Replace(template)
}
