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
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// fakePC is a scripted Partner Center for the reconciler's branch logic; the real client is
// tested against the simulator over HTTPS (internal/partnercenter, test/integration).
type fakePC struct {
	records      []pc.Agreement
	direct       bool
	attestation  pc.EnhancedAttestation
	errs         map[string]error // by operation
	calls        map[string]int
	requestIDs   map[string][]string
	startCounter int
	// resyncReads counts the reads of the customer's agreements made as a resync's
	// (pc.ResyncContext).
	resyncReads int
	// onRead runs at each read of the customer's agreements (a change made while a reconcile runs).
	// onWrite runs when a write is called, before the check it carries (what happens while the
	// call waits its turn in the rate limiter).
	onWrite func()
	onRead  func()
	// noLink: the start answer holds no acceptance link (a modeled variant).
	noLink bool
	// usedIDs are the attestation ids the reconciler passed to the GET and the create.
	usedIDs []string
	// sentBodies are the bodies of the writes that were sent.
	sentBodies [][]byte
}

func newFakePC() *fakePC {
	return &fakePC{errs: map[string]error{}, calls: map[string]int{}, requestIDs: map[string][]string{}}
}

func (f *fakePC) call(op string, opts []pc.CallOption) error {
	f.calls[op]++
	if len(opts) > 0 {
		f.requestIDs[op] = append(f.requestIDs[op], requestIDOf(opts))
	}
	return f.errs[op]
}

// requestIDOf reads the request id a CallOption carries, through the client's own option type.
func requestIDOf(opts []pc.CallOption) string { return pc.RequestIDOf(opts...) }

// send stands in for a write: onWrite plays what happens while the call waits its turn, then the
// check the call carries runs, as the client runs it just before sending.
// The record hook the call carries runs next, with the body the client would send; the answer's
// status reaches it as the client reports it.
func (f *fakePC) send(ctx context.Context, op string, body any, opts []pc.CallOption) error {
	if f.onWrite != nil {
		f.onWrite()
	}
	if err := pc.RunBeforeSend(ctx, opts...); err != nil {
		return err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sent, err := pc.RunRecordBody(ctx, op, raw, opts...)
	if err != nil {
		return err
	}
	f.sentBodies = append(f.sentBodies, raw)
	err = f.call(op, opts)
	if sent != nil {
		sent.StatusCode = http.StatusCreated
		var pe *pc.Error
		switch {
		case errors.As(err, &pe):
			sent.StatusCode = pe.StatusCode
		case err != nil:
			sent.StatusCode = 0
		}
	}
	return err
}

func (f *fakePC) CheckCredentials(context.Context) error { return f.call("CheckCredentials", nil) }
func (f *fakePC) GetAgreementMetadata(context.Context) (pc.AgreementMetadata, error) {
	return pc.AgreementMetadata{TemplateID: "tmpl"}, f.call(pc.OpGetAgreementMetadata, nil)
}
func (f *fakePC) ListCustomerAgreements(ctx context.Context, _ string) ([]pc.Agreement, error) {
	if pc.IsResync(ctx) {
		f.resyncReads++
	}
	if f.onRead != nil {
		f.onRead()
	}
	return f.records, f.call(pc.OpListCustomerAgreements, nil)
}
func (f *fakePC) GetDirectSignedStatus(context.Context, string) (bool, error) {
	return f.direct, f.call(pc.OpGetDirectSignedStatus, nil)
}
func (f *fakePC) StartEnhancedAttestation(ctx context.Context, req pc.EnhancedAttestationRequest, opts ...pc.CallOption) (pc.EnhancedAttestation, error) {
	if err := f.send(ctx, pc.OpStartEnhancedAttestation, req, opts); err != nil {
		return pc.EnhancedAttestation{}, err
	}
	f.startCounter++
	f.attestation = pc.EnhancedAttestation{AttestationID: "att-" + string(rune('0'+f.startCounter)), Status: pc.StatusLinkGenerated,
		AcceptanceLink: "https://example/attest", ExpiresAt: time.Now().Add(time.Hour)}
	if f.noLink {
		f.attestation.AcceptanceLink = ""
	}
	return f.attestation, nil
}
func (f *fakePC) GetEnhancedAttestation(_ context.Context, id string) (pc.EnhancedAttestation, error) {
	f.usedIDs = append(f.usedIDs, id)
	a := f.attestation
	a.Phase, _ = pc.AttestationPhaseOf(a.Status) // as the client decodes it
	return a, f.call(pc.OpGetEnhancedAttestation, nil)
}
func (f *fakePC) CreateAgreementFromAttestation(ctx context.Context, _, id, tmpl string, opts ...pc.CallOption) (pc.Agreement, error) {
	f.usedIDs = append(f.usedIDs, id)
	body := map[string]string{"attestationId": id, "templateId": tmpl, "type": pc.AgreementTypeMCA}
	if err := f.send(ctx, pc.OpCreateAgreementFromAttestation, body, opts); err != nil {
		return pc.Agreement{}, err
	}
	return pc.Agreement{DateAgreed: time.Now()}, nil
}
func (f *fakePC) CreateLegacyAgreement(ctx context.Context, _ string, c pc.Contact, tmpl string, d time.Time, opts ...pc.CallOption) (pc.Agreement, error) {
	body := map[string]any{"primaryContact": c, "templateId": tmpl, "dateAgreed": d.UTC(), "type": pc.AgreementTypeMCA}
	if err := f.send(ctx, pc.OpCreateLegacyAgreement, body, opts); err != nil {
		return pc.Agreement{}, err
	}
	return pc.Agreement{PrimaryContact: c, DateAgreed: d}, nil
}

type harness struct {
	t      *testing.T
	kube   client.Client
	pc     *fakePC
	r      *CustomerAgreementReconciler
	rec    *events.FakeRecorder
	checks chan event.GenericEvent
	key    types.NamespacedName
}

func newHarness(t *testing.T, ptType v1alpha1.PartnerType, mutate func(*v1alpha1.CustomerAgreement)) *harness {
	t.Helper()
	pt := &v1alpha1.PartnerTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "pt"},
		Spec: v1alpha1.PartnerTenantSpec{TenantID: "5d9b1a3e-2c4f-4e6a-9b8c-7d6e5f4a3b2c", PartnerType: ptType,
			AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll}},
		Status: v1alpha1.PartnerTenantStatus{Conditions: []metav1.Condition{{
			Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonConnected, LastTransitionTime: metav1.Now()}}},
	}
	ca := &v1alpha1.CustomerAgreement{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", UID: "uid-1", Generation: 1},
		Spec: v1alpha1.CustomerAgreementSpec{
			PartnerTenantRef: v1alpha1.PartnerTenantReference{Name: "pt"}, CustomerTenantID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			CompanyName: "Fabrikam", Country: "US", Language: "en-US", Method: v1alpha1.MethodPartnerAttestation, ManagementPolicy: v1alpha1.ManagementPolicyManage,
			Signatory: &v1alpha1.Signatory{FirstName: "Ada", LastName: "Lovelace", Email: "ada@fabrikam.example"},
		},
	}
	if mutate != nil {
		mutate(ca)
	}
	s := newScheme(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(ns, pt, ca).WithStatusSubresource(pt, ca, &v1alpha1.AttestationRecord{}).
		WithIndex(&v1alpha1.CustomerAgreement{}, customerTenantIDField, func(o client.Object) []string {
			return []string{norm(o.(*v1alpha1.CustomerAgreement).Spec.CustomerTenantID)}
		}).Build()
	f := newFakePC()
	h := &harness{t: t, kube: kube, pc: f, rec: events.NewFakeRecorder(100), checks: make(chan event.GenericEvent, 1), key: client.ObjectKeyFromObject(ca)}
	h.r = &CustomerAgreementReconciler{
		Client: kube, Clients: &Clients{New: func(*v1alpha1.PartnerTenant) (PartnerCenter, error) { return f, nil }},
		Recorder: h.rec, Policy: mca.DefaultPolicy(), ResyncInterval: time.Hour, PollInterval: time.Minute, CredentialsNamespace: "mca-operator-system",
		PartnerTenantChecks: h.checks, Metrics: metrics.NewCustomerTracker(),
	}
	return h
}

func (h *harness) reconcile() (reconcile.Result, error) {
	h.t.Helper()
	return h.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: h.key})
}

func (h *harness) get() *v1alpha1.CustomerAgreement {
	h.t.Helper()
	ca := &v1alpha1.CustomerAgreement{}
	if err := h.kube.Get(context.Background(), h.key, ca); err != nil {
		h.t.Fatal(err)
	}
	return ca
}

func (h *harness) cond(typ string) string {
	c := meta.FindStatusCondition(h.get().Status.Conditions, typ)
	if c == nil {
		return ""
	}
	return string(c.Status) + "/" + c.Reason
}

func (h *harness) events() string {
	var out []string
	for {
		select {
		case e := <-h.rec.Events:
			out = append(out, e)
		default:
			return strings.Join(out, "\n")
		}
	}
}

func TestReconcileErrorClasses(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		wantErr     bool
		wantRequeue time.Duration
		ready       string
		stalled     string
		reconciling string
		checkTenant bool
	}{
		{"throttled requeues after Retry-After without an error", &pc.Error{Kind: pc.KindThrottled, StatusCode: 429, RetryAfter: 7 * time.Second},
			false, 7 * time.Second, "Unknown/" + v1alpha1.ReasonThrottled, "", "True/" + v1alpha1.ReasonThrottled, false},
		{"transient errors go to the controller's backoff", &pc.Error{Kind: pc.KindTransient, StatusCode: 503, Message: "service unavailable"},
			true, 0, "Unknown/" + v1alpha1.ReasonPartnerCenterError, "", "True/" + v1alpha1.ReasonPartnerCenterError, false},
		{"unknown customer stalls without a requeue", &pc.Error{Kind: pc.KindCustomerNotFound, StatusCode: 404},
			false, 0, "False/" + v1alpha1.ReasonCustomerNotFound, "True/" + v1alpha1.ReasonCustomerNotFound, "", false},
		{"no relationship stalls without a requeue", &pc.Error{Kind: pc.KindNoRelationship, StatusCode: 403, Code: "20002"},
			false, 0, "False/" + v1alpha1.ReasonNoRelationship, "True/" + v1alpha1.ReasonNoRelationship, "", false},
		{"invalid grant stalls and has the tenant re-checked", &pc.Error{Kind: pc.KindInvalidGrant, StatusCode: 400},
			false, 0, "False/" + v1alpha1.ReasonInvalidGrant, "True/" + v1alpha1.ReasonInvalidGrant, "", true},
		{"MFA required stalls and has the tenant re-checked", &pc.Error{Kind: pc.KindMFARequired, StatusCode: 401, Code: "900421"},
			false, 0, "False/" + v1alpha1.ReasonMFARequired, "True/" + v1alpha1.ReasonMFARequired, "", true},
		{"a missing Secret stalls and has the tenant re-checked", &pc.Error{Kind: pc.KindCredentials, Message: `secret "x" not found`},
			false, 0, "False/" + v1alpha1.ReasonCredentialsMissing, "True/" + v1alpha1.ReasonCredentialsMissing, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
			h.pc.errs[pc.OpListCustomerAgreements] = c.err
			res, err := h.reconcile()
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.wantRequeue > 0 && (res.RequeueAfter < c.wantRequeue || res.RequeueAfter > c.wantRequeue*12/10) {
				t.Fatalf("RequeueAfter = %s, want %s plus jitter", res.RequeueAfter, c.wantRequeue)
			}
			if c.wantRequeue == 0 && res.RequeueAfter != 0 {
				t.Fatalf("RequeueAfter = %s, want none", res.RequeueAfter)
			}
			if got := h.cond(v1alpha1.ConditionReady); got != c.ready {
				t.Errorf("Ready = %q, want %q", got, c.ready)
			}
			if got := h.cond(v1alpha1.ConditionStalled); got != c.stalled {
				t.Errorf("Stalled = %q, want %q", got, c.stalled)
			}
			if got := h.cond(v1alpha1.ConditionReconciling); got != c.reconciling {
				t.Errorf("Reconciling = %q, want %q", got, c.reconciling)
			}
			if got := len(h.checks) == 1; got != c.checkTenant {
				t.Errorf("tenant re-check requested = %v, want %v", got, c.checkTenant)
			}
			if h.pc.calls[pc.OpStartEnhancedAttestation]+h.pc.calls[pc.OpCreateLegacyAgreement] != 0 {
				t.Errorf("wrote to Partner Center after a failed read: %v", h.pc.calls)
			}
		})
	}
}

func TestReconcileSteadyStateWritesNothing(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	h.pc.records = []pc.Agreement{{PrimaryContact: pc.Contact{FirstName: "Ada"}, DateAgreed: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}
	res, err := h.reconcile()
	if err != nil {
		t.Fatal(err)
	}
	wantResyncSlot(t, h, res, time.Now())
	rv := h.get().ResourceVersion
	calls := h.pc.calls[pc.OpListCustomerAgreements]
	h.slotComes()
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.get().ResourceVersion != rv {
		t.Fatal("a resync that found nothing changed wrote the status")
	}
	if h.pc.calls[pc.OpListCustomerAgreements] != calls+1 || h.pc.calls[pc.OpGetDirectSignedStatus] != 0 {
		t.Fatalf("a settled customer should cost one read per resync, calls: %v", h.pc.calls)
	}
}

func TestReconcileRenewsAnExpiredLink(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeIndirectProvider, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	first := h.get().Status.Attestation
	if first == nil || first.Handle != v1alpha1.AttestationHandle("att-1") || h.cond(v1alpha1.ConditionAwaitingCustomerAcceptance) != "True/"+v1alpha1.ReasonAwaitingCustomer {
		t.Fatalf("attestation not started: %+v", h.get().Status)
	}
	// Polling while the link is pending starts nothing and writes nothing.
	rv := h.get().ResourceVersion
	res, err := h.reconcile()
	if err != nil || res.RequeueAfter != time.Minute || h.pc.calls[pc.OpStartEnhancedAttestation] != 1 || h.get().ResourceVersion != rv {
		t.Fatalf("poll: %v %v calls=%v", res, err, h.pc.calls)
	}
	h.events()
	h.pc.attestation.Status = pc.StatusExpired
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	second := h.get().Status.Attestation
	if second.Handle != v1alpha1.AttestationHandle("att-2") || second.Renewals != 1 {
		t.Fatalf("expired link not renewed: %+v", second)
	}
	ids := h.pc.requestIDs[pc.OpStartEnhancedAttestation]
	if len(ids) != 2 || ids[0] == ids[1] || ids[0] == "" {
		t.Fatalf("a renewal needs a new MS-RequestId, got %v", ids)
	}
	if ev := h.events(); !strings.Contains(ev, v1alpha1.ReasonLinkExpired) {
		t.Fatalf("no event says the link expired: %q", ev)
	}
}

func TestReconcileCreateIsIdempotentAndWaitsForAcceptance(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, nil)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	h.pc.attestation.Status = pc.StatusCustomerAccepted
	// The answer of the first create is lost: the repeat must carry the same MS-RequestId.
	h.pc.errs[pc.OpCreateAgreementFromAttestation] = &pc.Error{Kind: pc.KindTransient, Message: "connection reset"}
	if _, err := h.reconcile(); err == nil {
		t.Fatal("a transient error should go to the controller's backoff")
	}
	// Partner Center says accepted, but the create answers 600062 (not yet): wait.
	h.pc.errs[pc.OpCreateAgreementFromAttestation] = &pc.Error{Kind: pc.KindAttestationNotAccepted, StatusCode: 400, Code: "600062"}
	res, err := h.reconcile()
	if err != nil || res.RequeueAfter != time.Minute || h.cond(v1alpha1.ConditionReady) != "False/"+v1alpha1.ReasonAwaitingCustomer {
		t.Fatalf("600062: %v %v %s", res, err, h.cond(v1alpha1.ConditionReady))
	}
	delete(h.pc.errs, pc.OpCreateAgreementFromAttestation)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	ids := h.pc.requestIDs[pc.OpCreateAgreementFromAttestation]
	if len(ids) != 3 || ids[0] != ids[1] {
		t.Fatalf("a repeated create after a lost answer must keep its MS-RequestId, got %v", ids)
	}
	if ids[2] == ids[1] {
		t.Fatalf("a create after a definitive 600062 must be a new request (Partner Center replays answers by MS-RequestId), got %v", ids)
	}
	ca := h.get()
	if ca.Status.State != v1alpha1.StateAttested || ca.Status.CreatedAgreement == nil || ca.Status.CustomerNoticeExpectedBy == nil {
		t.Fatalf("not attested after the create: %+v", ca.Status)
	}
	// The new record is not visible yet: trust the create, do not attest again.
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpStartEnhancedAttestation]; n != 1 {
		t.Fatalf("attested again while the record was not visible: %d starts", n)
	}
	if h.get().Status.State != v1alpha1.StateAttested {
		t.Fatal("forgot its own create")
	}
}

func TestReconcileDuplicateWaitsForASpecChange(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Spec.Method = v1alpha1.MethodLegacyConfirmation
		d := metav1.NewTime(time.Now().Add(-time.Hour))
		ca.Spec.DateAgreed = &d
	})
	h.pc.errs[pc.OpCreateLegacyAgreement] = &pc.Error{Kind: pc.KindDuplicateSignatory, StatusCode: 409, Code: "600061"}
	res, err := h.reconcile()
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("duplicate: %v %v", res, err)
	}
	if h.cond(v1alpha1.ConditionDuplicateSignatory) != "True/"+v1alpha1.ReasonDuplicateSignatory || h.cond(v1alpha1.ConditionStalled) != "True/"+v1alpha1.ReasonDuplicateSignatory {
		t.Fatalf("conditions: %+v", h.get().Status.Conditions)
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpCreateLegacyAgreement]; n != 1 {
		t.Fatalf("retried a refused duplicate without a spec change: %d creates", n)
	}
	// A new generation (the user changed the email) lifts the refusal.
	ca := h.get()
	ca.Spec.Signatory.Email = "ceo.office@fabrikam.example"
	ca.Generation = 2
	if err := h.kube.Update(context.Background(), ca); err != nil {
		t.Fatal(err)
	}
	delete(h.pc.errs, pc.OpCreateLegacyAgreement)
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if n := h.pc.calls[pc.OpCreateLegacyAgreement]; n != 2 || h.cond(v1alpha1.ConditionDuplicateSignatory) != "" || h.get().Status.State != v1alpha1.StateAttested {
		t.Fatalf("no recovery after the spec change: creates=%d %+v", n, h.get().Status)
	}
}

func TestReconcileWaitsForItsPartnerTenant(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) { ca.Spec.PartnerTenantRef.Name = "missing" })
	res, err := h.reconcile()
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("%v %v", res, err)
	}
	if got := h.cond(v1alpha1.ConditionReady); got != "False/"+v1alpha1.ReasonPartnerTenantNotFound {
		t.Fatalf("Ready = %s", got)
	}
	if len(h.pc.calls) != 0 {
		t.Fatalf("called Partner Center without a PartnerTenant: %v", h.pc.calls)
	}
}

func TestClassifyMessagesNameTheFix(t *testing.T) {
	for kind, want := range map[pc.ErrorKind]string{
		pc.KindInvalidGrant:     "refreshToken",
		pc.KindMFARequired:      "MFA",
		pc.KindUnauthorized:     "clientSecret",
		pc.KindCustomerNotFound: "spec.customerTenantId",
		pc.KindNoRelationship:   "reseller relationship",
		pc.KindThrottled:        "rateLimit",
		pc.KindRedirected:       "spec.endpoint and spec.authority",
	} {
		f := classify(&pc.Error{Kind: kind})
		if !strings.Contains(f.Message, want) {
			t.Errorf("%s: message %q does not mention %q", kind, f.Message, want)
		}
	}
}

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReconcilePausedLeavesPartnerCenterAlone(t *testing.T) {
	h := newHarness(t, v1alpha1.PartnerTypeDirectBill, func(ca *v1alpha1.CustomerAgreement) {
		ca.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
	})
	res, err := h.reconcile()
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("paused: %v %v", res, err)
	}
	if len(h.pc.calls) != 0 {
		t.Fatalf("a paused customer called Partner Center: %v", h.pc.calls)
	}
	if got := h.cond(v1alpha1.ConditionPaused); got != "True/"+v1alpha1.ReasonReconcilePaused {
		t.Fatalf("Paused = %q", got)
	}
	ca := h.get()
	delete(ca.Annotations, v1alpha1.AnnotationPaused)
	if err := h.kube.Update(context.Background(), ca); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reconcile(); err != nil {
		t.Fatal(err)
	}
	if h.pc.calls[pc.OpStartEnhancedAttestation] != 1 || h.cond(v1alpha1.ConditionPaused) != "" {
		t.Fatalf("not resumed after the annotation was removed: calls=%v Paused=%q", h.pc.calls, h.cond(v1alpha1.ConditionPaused))
	}
}

func TestPollInterval(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	started := metav1.NewTime(t0)
	far := metav1.NewTime(t0.Add(7 * 24 * time.Hour))
	a := &v1alpha1.AttestationStatus{StartedAt: &started, ExpiresAt: &far}
	for _, c := range []struct {
		age  time.Duration
		want time.Duration
	}{
		{0, time.Minute},
		{10 * time.Minute, 2 * time.Minute},
		{time.Hour, 7 * time.Minute},
		{24 * time.Hour, 30 * time.Minute},
	} {
		if got := pollInterval(time.Minute, 30*time.Minute, t0.Add(c.age), a); got != c.want {
			t.Errorf("a link %s old is polled after %s, want %s", c.age, got, c.want)
		}
	}
	soon := metav1.NewTime(t0.Add(90 * time.Second))
	a.ExpiresAt = &soon
	if got := pollInterval(time.Minute, 30*time.Minute, t0.Add(time.Hour), a); got != time.Minute {
		t.Errorf("past its expiry: %s", got)
	}
	if got := pollInterval(time.Minute, 30*time.Minute, t0.Add(45*time.Second), a); got != 46*time.Second {
		t.Errorf("just before its expiry: %s, want a second after it", got)
	}
}
