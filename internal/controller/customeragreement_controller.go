package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// partnerTenantRefField indexes CustomerAgreements by the PartnerTenant they name.
const partnerTenantRefField = ".spec.partnerTenantRef.name"

// requestIDSpace is the UUID namespace of the MS-RequestIds derived for create calls.
var requestIDSpace = uuid.MustParse("6f1f8a52-4c1e-4f43-9d1e-3c9a0b7e5d21")

// CustomerAgreementReconciler converges one customer's MCA acceptance: it observes what Partner
// Center holds, decides with the pure rules of package mca, acts where allowed, and reports.
type CustomerAgreementReconciler struct {
	Client   client.Client
	Clients  *Clients
	Recorder recorder.EventRecorder
	Policy   mca.Policy
	// ResyncInterval re-reads a settled customer; PollInterval checks an attestation in flight.
	ResyncInterval time.Duration
	PollInterval   time.Duration
	Now            func() time.Time
	// PartnerTenantChecks asks the PartnerTenant controller to re-check a tenant whose
	// credentials failed during a customer's reconcile.
	PartnerTenantChecks chan event.GenericEvent
	Metrics             *metrics.CustomerTracker
	// MaxConcurrentReconciles bounds the reconciles in flight (Partner Center is rate limited per
	// tenant by the client; this bounds the goroutines waiting for it).
	MaxConcurrentReconciles int
}

// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=customeragreements,verbs=get;list;watch
// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=customeragreements/status,verbs=get;update;patch

// Reconcile implements reconcile.Reconciler.
func (r *CustomerAgreementReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ca := &v1alpha1.CustomerAgreement{}
	if err := r.Client.Get(ctx, req.NamespacedName, ca); err != nil {
		if apierrors.IsNotFound(err) {
			// Deleting a CustomerAgreement never touches Partner Center: there is nothing to delete.
			r.metrics().Delete(req.NamespacedName)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	if !ca.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	before := ca.DeepCopy()
	s := &scope{r: r, ca: ca, now: r.now()}
	var result reconcile.Result
	var err error
	if ca.Annotations[v1alpha1.AnnotationPaused] == "true" {
		setCondition(&ca.Status.Conditions, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonReconcilePaused,
			"The annotation "+v1alpha1.AnnotationPaused+"=true pauses this customer: the operator neither reads nor writes Partner Center until it is removed.")
	} else {
		meta.RemoveStatusCondition(&ca.Status.Conditions, v1alpha1.ConditionPaused)
		result, err = s.reconcile(ctx)
	}

	ca.Status.ObservedGeneration = ca.Generation
	for i := range ca.Status.Conditions {
		ca.Status.Conditions[i].ObservedGeneration = ca.Generation
	}
	if !equality.Semantic.DeepEqual(before.Status, ca.Status) {
		ca.Status.LastSyncTime = statusTime(s.now)
		if perr := r.Client.Status().Patch(ctx, ca, client.MergeFrom(before)); perr != nil {
			return reconcile.Result{}, perr
		}
		r.recordTransitions(before, ca)
	}
	r.metrics().Set(req.NamespacedName, metricsInfo(ca))
	return result, err
}

// scope carries one reconcile.
type scope struct {
	r          *CustomerAgreementReconciler
	ca         *v1alpha1.CustomerAgreement
	pt         *v1alpha1.PartnerTenant
	pc         PartnerCenter
	now        time.Time
	templateID string
}

func (s *scope) reconcile(ctx context.Context) (reconcile.Result, error) {
	if res, ok := s.partnerTenant(ctx); !ok {
		return res, nil
	}
	cl, err := s.r.Clients.For(s.pt)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.pc = cl

	// Observe.
	md, err := s.pc.GetAgreementMetadata(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.templateID = md.TemplateID
	standing, err := s.observe(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	s.report(standing)
	inFlight, err := s.attestationInFlight(ctx, standing)
	if err != nil {
		return s.fail(ctx, err)
	}

	// Decide.
	st := &s.ca.Status
	spec := s.ca.Spec
	dup := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionDuplicateSignatory)
	duplicateRefused := dup != nil && dup.Status == metav1.ConditionTrue && dup.ObservedGeneration == s.ca.Generation
	if dup != nil && !duplicateRefused {
		// The spec changed since Partner Center refused it: the refusal no longer applies.
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDuplicateSignatory)
	}
	sit := mca.Situation{
		Standing:         standing,
		ManagementPolicy: spec.ManagementPolicy,
		Method:           spec.Method,
		PartnerType:      s.pt.Spec.PartnerType,
		HasSignatory:     spec.Signatory != nil,
		Attestation:      inFlight,
		DuplicateRefused: duplicateRefused,
		Now:              s.now,
	}
	if spec.DateAgreed != nil {
		t := spec.DateAgreed.Time
		sit.DateAgreed = &t
	}
	d := s.r.Policy.Decide(sit)

	// Act.
	return s.act(ctx, d, standing)
}

// partnerTenant loads the referenced PartnerTenant and waits while it is missing or not Ready:
// the PartnerTenant watch brings this customer back when that changes.
func (s *scope) partnerTenant(ctx context.Context) (reconcile.Result, bool) {
	pt := &v1alpha1.PartnerTenant{}
	name := s.ca.Spec.PartnerTenantRef.Name
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: name}, pt); err != nil {
		if apierrors.IsNotFound(err) {
			s.waiting(v1alpha1.ReasonPartnerTenantNotFound, fmt.Sprintf("PartnerTenant %q does not exist. Create it, or correct spec.partnerTenantRef.name.", name))
			return reconcile.Result{}, false
		}
		s.waiting(v1alpha1.ReasonPartnerCenterError, "Reading the PartnerTenant failed: "+err.Error())
		return reconcile.Result{RequeueAfter: 10 * time.Second}, false
	}
	s.pt = pt
	ready := meta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		msg := fmt.Sprintf("PartnerTenant %q is not ready yet.", name)
		if ready != nil {
			msg = fmt.Sprintf("PartnerTenant %q is not ready (%s): %s", name, ready.Reason, ready.Message)
		}
		s.waiting(v1alpha1.ReasonPartnerTenantNotReady, msg)
		return reconcile.Result{}, false
	}
	return reconcile.Result{}, true
}

// waiting reports that the customer waits for something outside it, without a requeue.
func (s *scope) waiting(reason, msg string) {
	st := &s.ca.Status
	setCondition(&st.Conditions, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	setCondition(&st.Conditions, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
}

// observe reads the customer's MCA records and, only when they do not already show a current
// attestation, the direct-acceptance status: one call per settled customer per resync.
func (s *scope) observe(ctx context.Context) (mca.Standing, error) {
	id := s.ca.Spec.CustomerTenantID
	records, err := s.pc.ListCustomerAgreements(ctx, id)
	if err != nil {
		return mca.Standing{}, err
	}
	obs := mca.Observation{}
	current := false
	for _, a := range records {
		rec := mca.Record{Contact: mca.Contact(a.PrimaryContact), DateAgreed: a.DateAgreed}
		obs.Records = append(obs.Records, rec)
		current = current || s.r.Policy.Current(rec)
	}
	st := &s.ca.Status
	if created := st.CreatedAgreement; created != nil {
		if current {
			// Partner Center's reads caught up with the agreement we created.
			st.CreatedAgreement = nil
		} else {
			// Trust our create's answer while the eventually consistent reads do not show it.
			rec := mca.Record{DateAgreed: created.DateAgreed.Time}
			if st.Signatory != nil {
				rec.Contact = mca.Contact(*st.Signatory)
			}
			obs.Records = append(obs.Records, rec)
			current = current || s.r.Policy.Current(rec)
		}
	}
	if !current {
		if obs.DirectSigned, err = s.pc.GetDirectSignedStatus(ctx, id); err != nil {
			return mca.Standing{}, err
		}
	}
	return s.r.Policy.Classify(obs, s.now), nil
}

// report writes the observed standing into status.
func (s *scope) report(standing mca.Standing) {
	st := &s.ca.Status
	st.State = standing.State
	st.AcceptedBy = standing.AcceptedBy
	st.TemplateID = s.templateID
	st.Signatory, st.DateAgreed = nil, nil
	if r := standing.InForce; r != nil && standing.AcceptedBy != v1alpha1.AcceptedByCustomer {
		st.Signatory = &v1alpha1.RecordedContact{FirstName: r.Contact.FirstName, LastName: r.Contact.LastName, Email: r.Contact.Email, PhoneNumber: r.Contact.PhoneNumber}
		if st.Signatory.FirstName == "" && st.Signatory.Email == "" {
			st.Signatory = nil
		}
		st.DateAgreed = statusTime(r.DateAgreed)
	}
	if standing.AcceptedBy == v1alpha1.AcceptedByCustomer {
		st.CustomerNoticeExpectedBy = nil
	}
	cutoff, enforce := s.r.Policy.ReattestationCutoff.Format("2 January 2006"), s.r.Policy.EnforcementDate.Format("2 January 2006")
	switch standing.State {
	case v1alpha1.StateLegacy:
		setCondition(&st.Conditions, v1alpha1.ConditionReattestationRequired, metav1.ConditionTrue, v1alpha1.ReasonReattestationRequired, fmt.Sprintf(
			"The only partner attestation on record is dated %s, before %s. Reattest (or have the customer accept directly) before %s, or purchases and subscription changes will be blocked.",
			standing.InForce.DateAgreed.Format("2006-01-02"), cutoff, enforce))
	case v1alpha1.StateBlocked:
		setCondition(&st.Conditions, v1alpha1.ConditionReattestationRequired, metav1.ConditionTrue, v1alpha1.ReasonTransactionsBlocked, fmt.Sprintf(
			"The only partner attestation on record is dated %s, before %s, and enforcement began on %s: purchases, quantity, term and billing-plan changes and upgrades fail with 403 / 900428 until the customer is reattested or accepts directly.",
			standing.InForce.DateAgreed.Format("2006-01-02"), cutoff, enforce))
	default:
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReattestationRequired)
	}
	if s.ca.Spec.Method == v1alpha1.MethodCustomerDirect && standing.State != v1alpha1.StateAttested {
		st.InvitationURL = mca.InvitationURL
	} else {
		st.InvitationURL = ""
	}
}

// attestationInFlight refreshes the enhanced attestation recorded in status, if it belongs to the
// current spec and is still needed.
func (s *scope) attestationInFlight(ctx context.Context, standing mca.Standing) (*mca.InFlight, error) {
	st := &s.ca.Status
	if standing.State == v1alpha1.StateAttested || s.ca.Spec.Method != v1alpha1.MethodPartnerAttestation {
		st.Attestation = nil
		return nil, nil
	}
	a := st.Attestation
	if a == nil || a.ID == "" {
		return nil, nil
	}
	got, err := s.pc.GetEnhancedAttestation(ctx, a.ID)
	if pc.KindOf(err) == pc.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if got.EnhancedAttestationRequest != s.attestationRequest() {
		// Started for an earlier spec (another signatory): a new one is needed.
		return nil, nil
	}
	a.Status = got.Status
	if !got.ExpiresAt.IsZero() {
		a.ExpiresAt = statusTime(got.ExpiresAt)
	}
	return &mca.InFlight{Phase: attestationPhase(got.Status), ExpiresAt: got.ExpiresAt}, nil
}

// attestationPhase maps Partner Center's (modeled) attestation status to what the rules need. An
// attestation whose agreement was already created is Accepted: creating again with the same
// request id is answered idempotently.
func attestationPhase(status string) mca.AttestationPhase {
	switch status {
	case pc.StatusCustomerAccepted, pc.StatusAgreementCreated:
		return mca.PhaseAccepted
	case pc.StatusExpired:
		return mca.PhaseExpired
	default:
		return mca.PhaseAwaitingCustomer
	}
}

func (s *scope) attestationRequest() pc.EnhancedAttestationRequest {
	spec := s.ca.Spec
	req := pc.EnhancedAttestationRequest{CompanyName: spec.CompanyName, Country: spec.Country, Language: spec.Language}
	if sg := spec.Signatory; sg != nil {
		req.SignatoryFirstName, req.SignatoryLastName, req.SignatoryEmail, req.SignatoryPhoneNumber = sg.FirstName, sg.LastName, sg.Email, sg.PhoneNumber
	}
	return req
}

// requestID derives the MS-RequestId of a write from the object's UID and what the write is for,
// so that a lost answer, a crash or a restart repeats the same request, which Partner Center
// answers idempotently instead of creating a second attestation.
func (s *scope) requestID(purpose string) string {
	return uuid.NewSHA1(requestIDSpace, []byte(string(s.ca.UID)+"/"+purpose)).String()
}

func (s *scope) act(ctx context.Context, d mca.Decision, standing mca.Standing) (reconcile.Result, error) {
	st := &s.ca.Status
	resync := reconcile.Result{RequeueAfter: jitter(s.r.ResyncInterval)}
	switch d.Action {
	case mca.ActNone:
		reason, msg := v1alpha1.ReasonAttested, "A partner attestation under the current terms is in place."
		switch {
		case standing.AcceptedBy == v1alpha1.AcceptedByCustomer:
			reason, msg = v1alpha1.ReasonAcceptedByCustomer, "The customer accepted the Microsoft Customer Agreement directly."
		case st.CreatedAgreement != nil:
			reason, msg = v1alpha1.ReasonAgreementCreated, "The operator created the agreement; Partner Center's reads may take a while to show it."
		}
		s.settled(metav1.ConditionTrue, reason, msg)
		return resync, nil

	case mca.ActObserveOnly:
		reason, msg := stateReason(standing.State), stateMessage(standing.State)+" "+d.Message
		s.settled(metav1.ConditionFalse, reason, msg)
		return resync, nil

	case mca.ActNotPermitted:
		setCondition(&st.Conditions, v1alpha1.ConditionAttestationNotPermitted, metav1.ConditionTrue, v1alpha1.ReasonNotPermitted, d.Message)
		s.stalled(v1alpha1.ReasonNotPermitted, stateMessage(standing.State)+" "+d.Message)
		return resync, nil // keep observing: the indirect provider may attest

	case mca.ActInviteCustomer:
		s.awaiting(v1alpha1.ReasonAwaitingDirectAcceptance, d.Message)
		return reconcile.Result{RequeueAfter: s.r.PollInterval}, nil

	case mca.ActWaitDuplicate:
		s.duplicate()
		return reconcile.Result{}, nil

	case mca.ActInvalidSpec:
		s.stalled(v1alpha1.ReasonInvalidSpec, d.Message)
		return reconcile.Result{}, nil

	case mca.ActConfirmLegacy:
		sg := s.ca.Spec.Signatory
		date := s.ca.Spec.DateAgreed.Time
		reqID := s.requestID("legacy/" + specHash([]any{sg, date.UTC().Format(time.RFC3339)}))
		ag, err := s.pc.CreateLegacyAgreement(ctx, s.ca.Spec.CustomerTenantID, pc.Contact(contactOf(sg)), s.templateID, date, pc.WithRequestID(reqID))
		if err != nil {
			return s.writeFailed(ctx, err)
		}
		s.created(ag, reqID, v1alpha1.MethodLegacyConfirmation, "Confirmed the customer's acceptance (legacy confirmation)")
		return resync, nil

	case mca.ActStartAttestation, mca.ActRenewAttestation:
		renewals := int32(0)
		if d.Action == mca.ActRenewAttestation {
			renewals = st.Attestation.Renewals + 1
			s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonLinkExpired, "RenewAttestation",
				"The acceptance link of attestation %s expired before the customer accepted; starting a new attestation", st.Attestation.ID)
		}
		req := s.attestationRequest()
		reqID := s.requestID(fmt.Sprintf("start/%s/%d", specHash(req), renewals))
		att, err := s.pc.StartEnhancedAttestation(ctx, req, pc.WithRequestID(reqID))
		if err != nil {
			return s.writeFailed(ctx, err)
		}
		st.Attestation = &v1alpha1.AttestationStatus{ID: att.AttestationID, Status: att.Status, AcceptanceLink: att.AcceptanceLink, Renewals: renewals, StartedAt: statusTime(s.now)}
		if !att.ExpiresAt.IsZero() {
			st.Attestation.ExpiresAt = statusTime(att.ExpiresAt)
		}
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAttestationStarted, "StartAttestation",
			"Started enhanced attestation %s; the signatory accepts at the link in status.attestation.acceptanceLink", att.AttestationID)
		s.awaitingAttestation()
		return s.pollAfter(), nil

	case mca.ActAwaitCustomer:
		s.awaitingAttestation()
		return s.pollAfter(), nil

	case mca.ActCreateFromAttestation:
		a := st.Attestation
		// A lost answer repeats the same request; a definitive "not accepted yet" (600062) is
		// answered again for the same request id, so the next create after it is a new request.
		reqID := s.requestID(fmt.Sprintf("create/%s/%d", a.ID, a.RefusedCreates))
		ag, err := s.pc.CreateAgreementFromAttestation(ctx, s.ca.Spec.CustomerTenantID, a.ID, s.templateID, pc.WithRequestID(reqID))
		if pc.KindOf(err) == pc.KindAttestationNotAccepted {
			a.RefusedCreates++
			s.awaitingAttestation()
			return s.pollAfter(), nil
		}
		if err != nil {
			return s.writeFailed(ctx, err)
		}
		if a.StartedAt != nil {
			metrics.AttestationDuration.WithLabelValues(s.pt.Name, string(v1alpha1.MethodPartnerAttestation)).Observe(s.now.Sub(a.StartedAt.Time).Seconds())
		}
		st.Attestation = nil
		s.created(ag, reqID, v1alpha1.MethodPartnerAttestation, "The signatory accepted; relayed the acceptance and created the agreement (attestation "+a.ID+")")
		return resync, nil
	}
	return reconcile.Result{}, fmt.Errorf("unknown action %q", d.Action)
}

// created records an agreement this operator created and trusts it from now on.
func (s *scope) created(ag pc.Agreement, reqID string, method v1alpha1.AcceptanceMethod, what string) {
	st := &s.ca.Status
	date := ag.DateAgreed
	if date.IsZero() {
		date = s.now
	}
	c := ag.PrimaryContact
	if c == (pc.Contact{}) {
		c = pc.Contact(contactOf(s.ca.Spec.Signatory))
	}
	st.CreatedAgreement = &v1alpha1.CreatedAgreement{RequestID: reqID, DateAgreed: *statusTime(date), CreatedAt: *statusTime(s.now), Method: method}
	st.State, st.AcceptedBy = v1alpha1.StateAttested, v1alpha1.AcceptedByPartner
	st.Signatory = &v1alpha1.RecordedContact{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, PhoneNumber: c.PhoneNumber}
	st.DateAgreed = statusTime(date)
	st.InvitationURL = ""
	st.CustomerNoticeExpectedBy = statusTime(s.now.Add(mca.CustomerNoticeDelay))
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReattestationRequired)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDuplicateSignatory)
	s.settled(metav1.ConditionTrue, v1alpha1.ReasonAgreementCreated, "The operator created the agreement; Partner Center's reads may take a while to show it.")
	s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeNormal, v1alpha1.ReasonAgreementCreated, "CreateAgreement",
		"%s; Microsoft emails the signatory within 30 minutes", what)
}

// settled: nothing is in progress; Ready says whether acceptance is in place.
func (s *scope) settled(ready metav1.ConditionStatus, reason, msg string) {
	st := &s.ca.Status
	setCondition(&st.Conditions, v1alpha1.ConditionReady, ready, reason, msg)
	for _, t := range []string{v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled, v1alpha1.ConditionAwaitingCustomerAcceptance, v1alpha1.ConditionAttestationNotPermitted} {
		meta.RemoveStatusCondition(&st.Conditions, t)
	}
	if ready == metav1.ConditionTrue {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionDuplicateSignatory)
	}
}

// stalled: nothing changes until a person acts (kstatus: Failed).
func (s *scope) stalled(reason, msg string) {
	st := &s.ca.Status
	setCondition(&st.Conditions, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	setCondition(&st.Conditions, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, msg)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionAwaitingCustomerAcceptance)
}

// awaiting: the customer has yet to accept (kstatus: InProgress).
func (s *scope) awaiting(reason, msg string) {
	st := &s.ca.Status
	setCondition(&st.Conditions, v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	setCondition(&st.Conditions, v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	setCondition(&st.Conditions, v1alpha1.ConditionAwaitingCustomerAcceptance, metav1.ConditionTrue, reason, msg)
	meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
}

func (s *scope) awaitingAttestation() {
	who := "the customer's signatory"
	if sg := s.ca.Spec.Signatory; sg != nil {
		who = sg.FirstName + " " + sg.LastName
	}
	s.awaiting(v1alpha1.ReasonAwaitingCustomer, fmt.Sprintf(
		"Waiting for %s to accept the Microsoft Customer Agreement: send them the link in status.attestation.acceptanceLink (it expires at status.attestation.expiresAt; a new one is started then).", who))
}

func (s *scope) duplicate() {
	st := &s.ca.Status
	setCondition(&st.Conditions, v1alpha1.ConditionDuplicateSignatory, metav1.ConditionTrue, v1alpha1.ReasonDuplicateSignatory, mca.DuplicateMessage)
	s.stalled(v1alpha1.ReasonDuplicateSignatory, mca.DuplicateMessage)
}

// pollAfter checks an attestation in flight again after the poll interval, or at its expiry if
// that comes first.
func (s *scope) pollAfter() reconcile.Result {
	after := s.r.PollInterval
	if a := s.ca.Status.Attestation; a != nil && a.ExpiresAt != nil {
		if until := a.ExpiresAt.Sub(s.now); until > 0 && until < after {
			after = until + time.Second
		}
	}
	return reconcile.Result{RequeueAfter: after}
}

// writeFailed handles an error of a create call: a duplicate signatory stalls until the spec
// changes; anything else is handled like any other failure.
func (s *scope) writeFailed(ctx context.Context, err error) (reconcile.Result, error) {
	if pc.KindOf(err) == pc.KindDuplicateSignatory {
		s.duplicate()
		s.r.Recorder.Eventf(s.ca, nil, corev1.EventTypeWarning, v1alpha1.ReasonDuplicateSignatory, "CreateAgreement", "%s", mca.DuplicateMessage)
		return reconcile.Result{}, nil
	}
	return s.fail(ctx, err)
}

// fail reports a failure. Throttling requeues after Retry-After without an error; transient
// errors return the error for the controller's backoff; terminal errors wait for a change.
func (s *scope) fail(ctx context.Context, err error) (reconcile.Result, error) {
	f := classify(err)
	st := &s.ca.Status
	switch {
	case f.RetryAfter > 0 || !f.Stalled:
		if ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady); ready == nil || ready.Status != metav1.ConditionTrue {
			setCondition(&st.Conditions, v1alpha1.ConditionReady, metav1.ConditionUnknown, f.Reason, f.Message)
		}
		setCondition(&st.Conditions, v1alpha1.ConditionReconciling, metav1.ConditionTrue, f.Reason, f.Message)
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
		if f.RetryAfter > 0 {
			return reconcile.Result{RequeueAfter: jitter(f.RetryAfter)}, nil
		}
		return reconcile.Result{}, err
	default:
		s.stalled(f.Reason, f.Message)
		if f.Credentials && s.pt != nil && s.r.PartnerTenantChecks != nil {
			// The tenant's credentials failed: have the PartnerTenant re-checked; when it turns not
			// Ready every customer of the tenant waits for it instead of calling Partner Center.
			select {
			case s.r.PartnerTenantChecks <- event.GenericEvent{Object: s.pt}:
			default:
			}
		}
		return reconcile.Result{}, nil
	}
}

func contactOf(sg *v1alpha1.Signatory) mca.Contact {
	if sg == nil {
		return mca.Contact{}
	}
	return mca.Contact{FirstName: sg.FirstName, LastName: sg.LastName, Email: sg.Email, PhoneNumber: sg.PhoneNumber}
}

func stateReason(s v1alpha1.AgreementState) string {
	switch s {
	case v1alpha1.StateLegacy:
		return v1alpha1.ReasonReattestationRequired
	case v1alpha1.StateBlocked:
		return v1alpha1.ReasonTransactionsBlocked
	default:
		return v1alpha1.ReasonNoAgreement
	}
}

func stateMessage(s v1alpha1.AgreementState) string {
	switch s {
	case v1alpha1.StateLegacy:
		return "Only a partner attestation from before the reattestation cutoff is on record."
	case v1alpha1.StateBlocked:
		return "Only a partner attestation from before the reattestation cutoff is on record and enforcement has begun: purchases fail with 403 / 900428."
	case v1alpha1.StateAttested:
		return "An acceptance under the current terms is in place."
	default:
		return "No Microsoft Customer Agreement acceptance is on record."
	}
}

// recordTransitions emits an event when the state changes. The first observation of a customer
// is not a transition: it would cost an event per customer at install, for nothing the status
// does not already say.
func (r *CustomerAgreementReconciler) recordTransitions(before, after *v1alpha1.CustomerAgreement) {
	if before.Status.State != after.Status.State && before.Status.State != "" && after.Status.State != "" {
		from := string(before.Status.State)
		typ := corev1.EventTypeNormal
		if after.Status.State == v1alpha1.StateBlocked || after.Status.State == v1alpha1.StateLegacy {
			typ = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(after, nil, typ, "StateChanged", "Observe", "MCA state %s → %s", from, after.Status.State)
	}
	for _, t := range []string{v1alpha1.ConditionAttestationNotPermitted, v1alpha1.ConditionStalled} {
		c := meta.FindStatusCondition(after.Status.Conditions, t)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason == v1alpha1.ReasonDuplicateSignatory {
			continue
		}
		if old := meta.FindStatusCondition(before.Status.Conditions, t); old != nil && old.Status == c.Status && old.Reason == c.Reason {
			continue
		}
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, c.Reason, "Reconcile", "%s", c.Message)
	}
}

func metricsInfo(ca *v1alpha1.CustomerAgreement) metrics.CustomerInfo {
	info := metrics.CustomerInfo{PartnerTenant: ca.Spec.PartnerTenantRef.Name, State: string(ca.Status.State)}
	for _, c := range ca.Status.Conditions {
		if c.Status != metav1.ConditionTrue {
			continue
		}
		switch c.Type {
		case v1alpha1.ConditionStalled:
			info.StalledReason = c.Reason
		case v1alpha1.ConditionDuplicateSignatory, v1alpha1.ConditionReattestationRequired, v1alpha1.ConditionAwaitingCustomerAcceptance, v1alpha1.ConditionAttestationNotPermitted:
			info.Conditions = append(info.Conditions, c.Type)
		}
	}
	return info
}

func (r *CustomerAgreementReconciler) metrics() *metrics.CustomerTracker {
	if r.Metrics != nil {
		return r.Metrics
	}
	return metrics.Customers
}

func (r *CustomerAgreementReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the controller: CustomerAgreements by spec (generation) changes,
// and every customer of a PartnerTenant when that tenant's spec or readiness changes.
func (r *CustomerAgreementReconciler) SetupWithManager(ctx context.Context, mgr manager.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.CustomerAgreement{}, partnerTenantRefField, func(o client.Object) []string {
		return []string{o.(*v1alpha1.CustomerAgreement).Spec.PartnerTenantRef.Name}
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		For(&v1alpha1.CustomerAgreement{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.PartnerTenant{}, handler.EnqueueRequestsFromMapFunc(r.customersOf), builder.WithPredicates(partnerTenantChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("customeragreement").
		Complete(r)
}

func (r *CustomerAgreementReconciler) customersOf(ctx context.Context, o client.Object) []reconcile.Request {
	var list v1alpha1.CustomerAgreementList
	if err := r.Client.List(ctx, &list, client.MatchingFields{partnerTenantRefField: o.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "listing the customers of a PartnerTenant", "partnerTenant", o.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, ca := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ca)})
	}
	return reqs
}

// partnerTenantChanged passes PartnerTenant creations, deletions, spec changes and changes of
// readiness; status writes that do not change readiness pass nothing on to the customers.
func partnerTenantChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*v1alpha1.PartnerTenant)
			n, ok2 := e.ObjectNew.(*v1alpha1.PartnerTenant)
			if !ok1 || !ok2 {
				return true
			}
			return o.Generation != n.Generation ||
				meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionReady) != meta.IsStatusConditionTrue(n.Status.Conditions, v1alpha1.ConditionReady)
		},
	}
}

// statusTime is t as the API server stores it (whole seconds), so that comparing a freshly
// computed status with the stored one finds no difference where there is none.
func statusTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}
