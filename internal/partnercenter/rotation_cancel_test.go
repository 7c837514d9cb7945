package partnercenter_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// cancelOnToken cancels the caller's context as soon as the token endpoint has answered: a
// reconcile cancelled, or a manager shutting down, right after Partner Center rotated the
// refresh token.
type cancelOnToken struct {
	next   http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelOnToken) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		c.cancel()
	}
	return resp, err
}

func TestRotatedRefreshTokenIsSavedEvenWhenTheCallerIsCancelled(t *testing.T) {
	// Like a real API client, the fake refuses a write whose context is cancelled.
	e := newEnv(t, withInterceptor(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return c.Patch(ctx, obj, patch, opts...)
		},
	}))
	callCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.cfg.HTTPClient = &http.Client{Transport: cancelOnToken{next: e.sim.HTTPClient().Transport, cancel: cancel}}
	cl := e.newClient()
	_ = cl.CheckCredentials(callCtx) // the caller is gone; what matters is what was saved

	rotated := e.sim.CurrentRefreshToken(partnerID)
	if rotated == initialRT {
		t.Fatal("the simulator did not rotate the refresh token")
	}
	if got := e.secretRT(); got != rotated {
		t.Fatal("the rotated refresh token was lost when the caller's context was cancelled")
	}
	// A restart reads the Secret and still gets tokens.
	e.cfg.HTTPClient = e.sim.HTTPClient()
	if err := e.newClient().CheckCredentials(ctx(t)); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
}
