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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// countingClient counts the writes a reconciler sends to the API server.
type countingClient struct {
	client.Client
	writes, deletes int
}

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.writes++
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.writes++
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.writes++
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.writes++
	c.deletes++
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *countingClient) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	c.writes++
	c.deletes++
	return c.Client.DeleteAllOf(ctx, obj, opts...)
}

func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type countingStatus struct {
	client.SubResourceWriter
	c *countingClient
}

func (s *countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.c.writes++
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.c.writes++
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// count routes the reconciler's API-server calls through a counting client.
func (h *harness) count() *countingClient {
	c := &countingClient{Client: h.kube}
	h.r.Client = c
	return c
}

// customerReads counts the reads of one customer's state in Partner Center (the agreement
// metadata is the tenant's, cached by the real client).
func (f *fakePC) customerReads() int {
	return f.calls[pc.OpListCustomerAgreements] + f.calls[pc.OpGetDirectSignedStatus] + f.calls[pc.OpGetEnhancedAttestation]
}

func (f *fakePC) resetCalls() { f.calls = map[string]int{} }

func TestSettledResyncCostsOneReadAndNoWrite(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*harness)
	}{
		{"a partner attestation on record", func(h *harness) {
			h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}},
		{"an agreement the operator created from an attestation", func(h *harness) {
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			h.pc.attestation.Status = pc.StatusCustomerAccepted
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Now()}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
			c.setup(h)
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			if st := h.get().Status.State; st != v1alpha1.StateAttested {
				t.Fatalf("not settled: %s", st)
			}
			kube := h.count()
			h.pc.resetCalls()
			h.slotComes()
			if _, err := h.reconcile(); err != nil {
				t.Fatal(err)
			}
			if n := h.pc.customerReads(); n != 1 {
				t.Errorf("Partner Center reads = %d, want 1 (%v)", n, h.pc.calls)
			}
			if kube.writes != 0 || kube.deletes != 0 {
				t.Errorf("API-server writes = %d, deletes = %d; want none", kube.writes, kube.deletes)
			}
		})
	}
}

func TestPollReadsTheAttestationOnceWhenItsLinkSecretIsMissing(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	a := h.get().Status.Attestation
	if a == nil || a.LinkSecretRef == nil {
		t.Fatalf("no link stored: %+v", a)
	}
	sec := &corev1.Secret{}
	key := types.NamespacedName{Namespace: h.r.CredentialsNamespace, Name: a.LinkSecretRef.Name}
	if err := h.kube.Get(context.Background(), key, sec); err != nil {
		t.Fatal(err)
	}
	if err := h.kube.Delete(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	h.pc.resetCalls()
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpGetEnhancedAttestation]; n != 1 {
		t.Errorf("GetEnhancedAttestation calls = %d, want 1", n)
	}
	if err := h.kube.Get(context.Background(), key, sec); err != nil {
		t.Fatalf("the link Secret was not restored: %v", err)
	}
	if got := string(sec.Data[v1alpha1.LinkSecretKeyLink]); got != h.pc.attestation.AcceptanceLink {
		t.Errorf("restored link = %q, want Partner Center's", got)
	}
	if fmt.Sprint(h.get().Status.Attestation.LinkSecretRef) != fmt.Sprint(a.LinkSecretRef) {
		t.Errorf("linkSecretRef = %v, want %v", h.get().Status.Attestation.LinkSecretRef, a.LinkSecretRef)
	}
}
