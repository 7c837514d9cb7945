package partnercenter

import (
	"context"
	"fmt"

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
	SaveRefreshToken(ctx context.Context, newToken string) error
}

// NewSecretCredentialStore reads credentials from the Secret key (keys
// clientId, clientSecret, refreshToken) and writes rotated refresh tokens
// back to it, re-reading and retrying on conflict.
//
// c may read from the manager's cache: the Client remembers the refresh
// tokens it rotated away from and does not reuse one that a stale cache
// still shows.
func NewSecretCredentialStore(c client.Client, key types.NamespacedName) CredentialStore {
	return &secretStore{c: c, key: key}
}

type secretStore struct {
	c   client.Client
	key types.NamespacedName
}

func (s *secretStore) Load(ctx context.Context) (Credentials, error) {
	var sec corev1.Secret
	if err := s.c.Get(ctx, s.key, &sec); err != nil {
		if apierrors.IsNotFound(err) {
			return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s not found", s.key), nil)
		}
		return Credentials{}, transientError("LoadCredentials", fmt.Sprintf("reading credentials Secret %s: %s", s.key, safeAPIErr(err)), err)
	}
	get := func(k string) string {
		if v, ok := sec.Data[k]; ok {
			return string(v)
		}
		return sec.StringData[k]
	}
	creds := Credentials{ClientID: get(SecretKeyClientID), ClientSecret: get(SecretKeyClientSecret), RefreshToken: get(SecretKeyRefreshToken)}
	if creds.ClientID == "" {
		return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s has no (or an empty) key %q", s.key, SecretKeyClientID), nil)
	}
	if creds.ClientSecret == "" {
		return Credentials{}, credentialsError("LoadCredentials", fmt.Sprintf("credentials Secret %s has no (or an empty) key %q", s.key, SecretKeyClientSecret), nil)
	}
	return creds, nil
}

func (s *secretStore) SaveRefreshToken(ctx context.Context, newToken string) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var sec corev1.Secret
		if err := s.c.Get(ctx, s.key, &sec); err != nil {
			return err
		}
		if string(sec.Data[SecretKeyRefreshToken]) == newToken {
			return nil
		}
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		sec.Data[SecretKeyRefreshToken] = []byte(newToken)
		return s.c.Update(ctx, &sec)
	})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return credentialsError("SaveRefreshToken", fmt.Sprintf("credentials Secret %s not found while saving the rotated %s", s.key, SecretKeyRefreshToken), nil)
		}
		return transientError("SaveRefreshToken", fmt.Sprintf("saving the rotated %s to Secret %s: %s", SecretKeyRefreshToken, s.key, safeAPIErr(err)), err)
	}
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

func (s *StaticCredentialStore) SaveRefreshToken(ctx context.Context, newToken string) error {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	s.creds.RefreshToken = newToken
	return nil
}
