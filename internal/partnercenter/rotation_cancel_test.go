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
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
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

// deadlineRecorder remembers the deadline of the token request's context.
type deadlineRecorder struct {
	next     http.RoundTripper
	deadline atomic.Pointer[time.Time]
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if dl, ok := r.Context().Deadline(); ok && strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		d.deadline.Store(&dl)
	}
	return d.next.RoundTrip(r)
}

// The grant and the write-back outlive a cancelled caller, but no longer than
// MaxRotationWriteBack, which must fit inside the manager's graceful shutdown.
func TestRotationGuardFitsInsideGracefulShutdown(t *testing.T) {
	if pc.MaxRotationWriteBack <= 0 || pc.MaxRotationWriteBack > 20*time.Second {
		t.Fatalf("MaxRotationWriteBack = %v; want at most 20s", pc.MaxRotationWriteBack)
	}
	var writeDeadline atomic.Pointer[time.Time]
	e := newEnv(t, withConfig(func(c *pc.Config) { c.AttemptTimeout = 10 * time.Minute }), withInterceptor(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if dl, ok := ctx.Deadline(); ok {
				writeDeadline.Store(&dl)
			}
			return c.Update(ctx, obj, opts...)
		},
	}))
	callCtx, cancel := context.WithCancel(context.Background()) // no deadline of its own
	defer cancel()
	rec := &deadlineRecorder{next: cancelOnToken{next: e.sim.HTTPClient().Transport, cancel: cancel}}
	e.cfg.HTTPClient = &http.Client{Transport: rec}
	start := time.Now()
	_ = e.newClient().CheckCredentials(callCtx)

	if e.secretRT() != e.sim.CurrentRefreshToken(partnerID) {
		t.Fatal("the rotated refresh token was not saved after the caller was cancelled")
	}
	for name, dl := range map[string]*time.Time{"token request": rec.deadline.Load(), "Secret write": writeDeadline.Load()} {
		if dl == nil {
			t.Fatalf("the %s ran without a deadline", name)
		}
		if d := dl.Sub(start); d > pc.MaxRotationWriteBack+time.Second {
			t.Fatalf("the %s may run %v after the call started; want at most %v", name, d.Round(time.Second), pc.MaxRotationWriteBack)
		}
	}
}
