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

package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Keys of the credentials Secret.
const (
	SecretKeyClientID     = "clientId"
	SecretKeyClientSecret = "clientSecret"
	SecretKeyRefreshToken = "refreshToken"
)

// Credentials are the partner application's credentials. The tenant id
// comes from the PartnerTenant resource, not from here.
type Credentials struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// String never shows the values.
func (Credentials) String() string { return "partnercenter.Credentials{redacted}" }

// GoString never shows the values.
func (c Credentials) GoString() string { return c.String() }

// CredentialStore is where the client reads its credentials and writes a
// rotated refresh token back.
type CredentialStore interface {
	Load(ctx context.Context) (Credentials, error)
	// SaveRefreshToken replaces the refresh token redeemed (the one the grant
	// used) with newToken. If the store holds neither any more, someone (a
	// person) stored another token meanwhile: it writes nothing and returns an
	// error matching ErrRefreshTokenReplaced, and the client adopts the
	// stored token.
	SaveRefreshToken(ctx context.Context, redeemed, newToken string) error
}

// ErrRefreshTokenReplaced: the store holds a refresh token other than the one
// redeemed, so the rotated token was not written.
var ErrRefreshTokenReplaced = errors.New("the stored refresh token was replaced while it was being redeemed")

// NewSecretCredentialStore reads credentials from the Secret key (keys
// clientId, clientSecret, refreshToken) and writes rotated refresh tokens
// back to it. A write replaces only the token that was redeemed: it carries
// the resourceVersion last read, and after a conflict it re-reads the Secret
// and gives way to a token a person stored meanwhile.
//
// c should read from the API server, not from a cache: a stale read only
// makes writes conflict until the cache catches up.
func NewSecretCredentialStore(c client.Client, key types.NamespacedName) CredentialStore {
	return &secretStore{c: c, key: key}
}

type secretStore struct {
	c   client.Client
	key types.NamespacedName

	mu     sync.Mutex
	loaded *corev1.Secret // as of the last Load
}

func secretValue(sec *corev1.Secret, k string) string {
	if v, ok := sec.Data[k]; ok {
		return string(v)
	}
	return sec.StringData[k]
}

func (s *secretStore) get(ctx context.Context) (*corev1.Secret, error) {
	var sec corev1.Secret
	if err := s.c.Get(ctx, s.key, &sec); err != nil {
		return nil, err
	}
	return &sec, nil
}

func (s *secretStore) remember(sec *corev1.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loaded = sec.DeepCopy()
}

// lastLoaded is the Secret of the last Load if it still shows token.
func (s *secretStore) lastLoaded(token string) *corev1.Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded == nil || secretValue(s.loaded, SecretKeyRefreshToken) != token {
		return nil
	}
	return s.loaded.DeepCopy()
}

func (s *secretStore) Load(ctx context.Context) (Credentials, error) {
	sec, err := s.get(ctx)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s not found", s.key))
		}
		return Credentials{}, transientError("LoadCredentials", fmt.Sprintf("reading credentials Secret %s: %s", s.key, safeAPIErr(err)), err)
	}
	s.remember(sec)
	creds := Credentials{ClientID: secretValue(sec, SecretKeyClientID), ClientSecret: secretValue(sec, SecretKeyClientSecret), RefreshToken: secretValue(sec, SecretKeyRefreshToken)}
	if creds.ClientID == "" {
		return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s has no (or an empty) key %q", s.key, SecretKeyClientID))
	}
	if creds.ClientSecret == "" {
		return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s has no (or an empty) key %q", s.key, SecretKeyClientSecret))
	}
	return creds, nil
}

func (s *secretStore) SaveRefreshToken(ctx context.Context, redeemed, newToken string) error {
	sec := s.lastLoaded(redeemed)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if sec == nil {
			fresh, err := s.get(ctx)
			if err != nil {
				return err
			}
			sec = fresh
		}
		err := s.replaceToken(ctx, sec, redeemed, newToken)
		sec = nil // after a conflict, read again
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRefreshTokenReplaced):
		return err
	case apierrors.IsNotFound(err):
		return credentialsError("SaveRefreshToken", fmt.Sprintf("credentials Secret %s not found while saving the rotated %s", s.key, SecretKeyRefreshToken))
	default:
		return transientError("SaveRefreshToken", fmt.Sprintf("saving the rotated %s to Secret %s: %s", SecretKeyRefreshToken, s.key, safeAPIErr(err)), err)
	}
}

// replaceToken writes newToken into sec if it still holds redeemed. The
// Update carries sec's resourceVersion, so the API server refuses it if the
// Secret changed since sec was read.
func (s *secretStore) replaceToken(ctx context.Context, sec *corev1.Secret, redeemed, newToken string) error {
	switch secretValue(sec, SecretKeyRefreshToken) {
	case newToken:
		s.remember(sec)
		return nil
	case redeemed:
	default:
		return fmt.Errorf("credentials Secret %s: %w", s.key, ErrRefreshTokenReplaced)
	}
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	sec.Data[SecretKeyRefreshToken] = []byte(newToken)
	if err := s.c.Update(ctx, sec); err != nil {
		return err
	}
	s.remember(sec)
	return nil
}

// safeAPIErr reduces a Kubernetes API error to its reason; API errors do
// not echo Secret data, but keep the text short and predictable anyway.
func safeAPIErr(err error) string {
	if r := apierrors.ReasonForError(err); r != "" {
		return string(r)
	}
	return truncate(sanitizeText(err.Error()), 200)
}

// StaticCredentialStore keeps credentials in memory (tests, tools).
type StaticCredentialStore struct {
	mu    chan struct{}
	creds Credentials
}

// NewStaticCredentialStore returns an in-memory CredentialStore.
func NewStaticCredentialStore(c Credentials) *StaticCredentialStore {
	s := &StaticCredentialStore{mu: make(chan struct{}, 1), creds: c}
	return s
}

func (s *StaticCredentialStore) Load(ctx context.Context) (Credentials, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.creds, nil
}

// SaveRefreshToken replaces redeemed with newToken.
func (s *StaticCredentialStore) SaveRefreshToken(ctx context.Context, redeemed, newToken string) error {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	if s.creds.RefreshToken != redeemed && s.creds.RefreshToken != newToken {
		return ErrRefreshTokenReplaced
	}
	s.creds.RefreshToken = newToken
	return nil
}
