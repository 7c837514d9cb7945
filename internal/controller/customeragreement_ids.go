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
	"errors"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// An attestation id completes the acceptance link (with acceptanceURLTemplate the link is the id
// in a template; Microsoft's own link may embed it too), so it is a credential: status names an
// attestation by its handle (v1alpha1.AttestationHandle), and the ids live in the attestation ids
// Secret, next to the link Secret in the credentials namespace. That Secret is written before
// status names an attestation, and survives the link Secret's withdrawal (a lost claim or
// namespace), so that an acceptance given meanwhile is still relayed once the object may act
// again. It goes once nothing is followed, or with the CustomerAgreement (sweepLinks).

// errAttestationIDLost: neither the ids Secret nor the link Secret holds the id of a followed
// attestation (a person deleted or edited them).
var errAttestationIDLost = errors.New("attestation id lost")

// IDsSecretName is the name of a CustomerAgreement's attestation ids Secret.
func IDsSecretName(uid types.UID) string { return v1alpha1.AttestationIDsSecretPrefix + string(uid) }

// idBook remembers the ids read or written, per object, so that a poll does not read the Secret
// again: a handle always names the same id.
type idBook struct {
	mu sync.Mutex
	m  map[types.UID]map[string]string
}

func (b *idBook) get(uid types.UID, handle string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[uid][handle]
}

func (b *idBook) put(uid types.UID, ids map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[types.UID]map[string]string{}
	}
	if b.m[uid] == nil {
		b.m[uid] = map[string]string{}
	}
	for h, id := range ids {
		b.m[uid][h] = id
	}
}

func (b *idBook) forget(uid types.UID) {
	b.mu.Lock()
	delete(b.m, uid)
	b.mu.Unlock()
}

// attestationID returns the id of the followed attestation named handle: from memory, else from
// the ids Secret, else (for an ids Secret deleted by hand) from the link Secret, which also holds
// the current attestation's id. errAttestationIDLost when none has it.
func (s *scope) attestationID(ctx context.Context, handle string) (string, error) {
	if id := s.r.ids.get(s.ca.UID, handle); id != "" {
		return id, nil
	}
	for _, name := range []string{IDsSecretName(s.ca.UID), LinkSecretName(s.ca.UID)} {
		sec := &corev1.Secret{}
		err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: s.r.CredentialsNamespace, Name: name}, sec)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		found := map[string]string{}
		for k, v := range sec.Data {
			if id := string(v); k == v1alpha1.LinkSecretKeyAttestationID || v1alpha1.AttestationHandle(id) == k {
				found[v1alpha1.AttestationHandle(id)] = id
			}
		}
		s.r.ids.put(s.ca.UID, found)
		if id := found[handle]; id != "" {
			if name != IDsSecretName(s.ca.UID) {
				// Restore the ids Secret's copy.
				return id, s.keepID(ctx, id)
			}
			return id, nil
		}
	}
	return "", errAttestationIDLost
}

// keepID adds id to the ids Secret (creating it), before status names the attestation.
func (s *scope) keepID(ctx context.Context, id string) error {
	h := v1alpha1.AttestationHandle(id)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: s.r.CredentialsNamespace, Name: IDsSecretName(s.ca.UID),
		Labels: map[string]string{v1alpha1.LabelLinkNamespace: s.ca.Namespace, v1alpha1.LabelLinkName: v1alpha1.LinkLabelValue(s.ca.Name),
			v1alpha1.LabelLinkUID: string(s.ca.UID)},
		Annotations: map[string]string{v1alpha1.AnnotationLinkName: s.ca.Name},
	}, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{h: []byte(id)}}
	err := s.r.Client.Create(ctx, sec)
	if apierrors.IsAlreadyExists(err) {
		cur := &corev1.Secret{}
		if err = s.r.Client.Get(ctx, client.ObjectKeyFromObject(sec), cur); err != nil {
			return err
		}
		if string(cur.Data[h]) == id {
			err = nil
		} else {
			if cur.Data == nil {
				cur.Data = map[string][]byte{}
			}
			cur.Data[h] = []byte(id)
			err = s.r.Client.Update(ctx, cur)
		}
	}
	if err == nil {
		s.r.ids.put(s.ca.UID, map[string]string{h: id})
	}
	return err
}

// dropIDs deletes the ids Secret once no attestation is followed.
func (s *scope) dropIDs(ctx context.Context) error {
	s.r.ids.forget(s.ca.UID)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.r.CredentialsNamespace, Name: IDsSecretName(s.ca.UID)}}
	return client.IgnoreNotFound(s.r.Client.Delete(ctx, sec))
}
