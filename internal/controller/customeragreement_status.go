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
	"cmp"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file turns what a reconcile observed and did into status and the conditions the controller
// owns (project). No status field or condition of a CustomerAgreement is set anywhere else, except
// what the link delivery controller owns: LinkDelivered and status.attestation.deliveries.

// ownedConditions are the condition types this controller sets; applyOutcome removes those that
// the outcome does not call for.
var ownedConditions = []string{
	v1alpha1.ConditionReady, v1alpha1.ConditionReconciling, v1alpha1.ConditionStalled,
	v1alpha1.ConditionDuplicateSignatory, v1alpha1.ConditionReattestationRequired,
	v1alpha1.ConditionAwaitingCustomerAcceptance, v1alpha1.ConditionAttestationNotPermitted,
	v1alpha1.ConditionPaused,
}

type outcomeKind int

const (
	// kindUnchanged: nothing was evaluated (the read budget was spent); status stays as it is.
	kindUnchanged outcomeKind = iota
	// kindPaused: the paused annotation is set; only Paused changes.
	kindPaused
	// kindReady: acceptance is in place (Ready=True).
	kindReady
	// kindNotReady: nothing is in progress and acceptance is not in place (Observe).
	kindNotReady
	// kindProgressing: the operator or the customer is working towards Ready (Reconciling=True).
	kindProgressing
	// kindStalled: nothing changes until a person acts (Stalled=True, kstatus Failed).
	kindStalled
	// kindTransient: a transient failure; the spec was not fully evaluated.
	kindTransient
)

// outcome is the result of one reconcile, for the conditions and the requeue.
type outcome struct {
	kind            outcomeKind
	reason, message string
	// awaiting sets AwaitingCustomerAcceptance (with the outcome's reason and message).
	awaiting bool
	// poll: an attestation is in flight; check it again after the poll interval.
	poll bool
	// notPermitted is the message of AttestationNotPermitted ("" : not set).
	notPermitted string
	// duplicate sets DuplicateSignatory.
	duplicate bool
	// err is returned to the controller for its backoff (transient failures).
	err error
	// credentials: the tenant's credentials failed; the PartnerTenant is re-checked.
	credentials bool
	// retryAfter: Partner Center asked to wait this long (429).
	retryAfter time.Duration
	// deferred: the tenant's rate had no room for a poll or a resync read; nothing was sent.
	deferred bool

	// What the writes changed, for project. followed replaces the attestations observed (nil: as
	// observed); created is the agreement this reconcile created; refusedSignatory is the key of
	// the signatory Partner Center refused as a duplicate.
	followed         *followed
	created          *createdAgreement
	refusedSignatory string
}

// createdAgreement is an agreement this reconcile created, as status records it.
type createdAgreement struct {
	record     v1alpha1.CreatedAgreement
	signatory  mca.Contact
	dateAgreed time.Time
}

func ready(reason, msg string) *outcome {
	return &outcome{kind: kindReady, reason: reason, message: msg}
}
func notReady(reason, msg string) *outcome {
	return &outcome{kind: kindNotReady, reason: reason, message: msg}
}
func stalled(reason, msg string) *outcome {
	return &outcome{kind: kindStalled, reason: reason, message: msg}
}
func waitingFor(reason, msg string) *outcome {
	return &outcome{kind: kindProgressing, reason: reason, message: msg}
}
func awaiting(reason, msg string) *outcome {
	return &outcome{kind: kindProgressing, reason: reason, message: msg, awaiting: true}
}
func transient(reason, msg string, err error) *outcome {
	return &outcome{kind: kindTransient, reason: reason, message: msg, err: err}
}
func duplicate() *outcome {
	return &outcome{kind: kindStalled, reason: v1alpha1.ReasonDuplicateSignatory, message: mca.DuplicateMessage, duplicate: true}
}

// failed translates a Partner Center error into an outcome. A deferred poll or resync read
// changes nothing: the tenant's rate had no room for it, and the customer is checked again when
// it has.
func (s *scope) failed(err error) *outcome {
	if k := pc.KindOf(err); k == pc.KindPollDeferred || k == pc.KindResyncDeferred {
		after, _ := pc.RetryAfter(err)
		return &outcome{kind: kindUnchanged, retryAfter: max(after, time.Millisecond), deferred: true}
	}
	f := classify(err)
	if f.RetryAfter > 0 || !f.Stalled {
		o := transient(f.Reason, f.Message, err)
		if f.RetryAfter > 0 {
			o.err, o.retryAfter = nil, f.RetryAfter
		}
		return o
	}
	o := stalled(f.Reason, f.Message)
	o.credentials = f.Credentials
	return o
}

// project is the one writer of a CustomerAgreement's status, but for what the delivery controller
// owns (the LinkDelivered condition and status.attestation.deliveries, kept as read): it turns
// what the reconcile observed and what its writes did into the status fields and the conditions.
// It reports whether the status changed, and then stamps lastSyncTime. docs/architecture.md
// lists each field with the part of the reconcile it comes from.
func (r *CustomerAgreementReconciler) project(s *scope, before *v1alpha1.CustomerAgreementStatus, ob observation, o *outcome) bool {
	st := &s.ca.Status
	if ob.full {
		report(st, ob, s.ca.Spec.Method)
	}
	if ob.createdSeen {
		st.CreatedAgreement = nil
	}
	if f := cmp.Or(o.followed, ob.followed); f != nil {
		st.Attestation, st.EarlierAttestations = f.current, nil
		if len(f.earlier) > 0 {
			st.EarlierAttestations = f.earlier
		}
		st.AttestationIDsSecretRef = nil
		if f.current != nil || len(f.earlier) > 0 {
			st.AttestationIDsSecretRef = &v1alpha1.LocalObjectReference{Name: IDsSecretName(s.ca.UID)}
		}
	}
	if o.refusedSignatory != "" {
		st.RefusedSignatory = o.refusedSignatory
	}
	if c := o.created; c != nil {
		st.CreatedAgreement = &c.record
		st.State, st.AcceptedBy = v1alpha1.StateAttested, v1alpha1.AcceptedByPartner
		st.Signatory = recordedContact(c.signatory)
		st.DateAgreed = statusTime(c.dateAgreed)
		st.InvitationURL = ""
		st.RefusedSignatory = ""
		st.CustomerNoticeExpectedBy = statusTime(c.record.CreatedAt.Add(mca.CustomerNoticeDelay))
	}
	r.applyOutcome(s.ca, o)
	if equality.Semantic.DeepEqual(*before, *st) {
		return false
	}
	st.LastSyncTime = statusTime(s.now)
	return true
}

// report projects the standing Partner Center's reads gave.
func report(st *v1alpha1.CustomerAgreementStatus, ob observation, method v1alpha1.AcceptanceMethod) {
	standing := ob.standing
	st.State = standing.State
	st.AcceptedBy = standing.AcceptedBy
	st.TemplateID = bounded(ob.templateID, 256)
	st.Signatory, st.DateAgreed = nil, nil
	if r := standing.InForce; r != nil && standing.AcceptedBy != v1alpha1.AcceptedByCustomer {
		if r.Contact != (mca.Contact{}) {
			st.Signatory = recordedContact(r.Contact)
		}
		st.DateAgreed = statusTime(r.DateAgreed)
	}
	if standing.AcceptedBy == v1alpha1.AcceptedByCustomer {
		st.CustomerNoticeExpectedBy = nil
	}
	if method == v1alpha1.MethodCustomerDirect && standing.State != v1alpha1.StateAttested {
		st.InvitationURL = mca.InvitationURL
	} else {
		st.InvitationURL = ""
	}
}

// applyOutcome sets the owned conditions from the outcome and removes the rest. The generation
// is marked observed only when the outcome describes the whole current spec: not while paused,
// and not after a transient failure.
func (r *CustomerAgreementReconciler) applyOutcome(ca *v1alpha1.CustomerAgreement, o *outcome) {
	st := &ca.Status
	switch o.kind {
	case kindUnchanged:
		return
	case kindPaused:
		setConditionAt(st, v1alpha1.ConditionPaused, metav1.ConditionTrue, v1alpha1.ReasonReconcilePaused,
			"The annotation "+v1alpha1.AnnotationPaused+"=true pauses this customer: the operator neither reads nor writes Partner Center until it is removed.", st.ObservedGeneration)
		return
	case kindTransient:
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionPaused)
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionStalled)
		if !meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionReady) {
			setConditionAt(st, v1alpha1.ConditionReady, metav1.ConditionUnknown, o.reason, o.message, st.ObservedGeneration)
		}
		setConditionAt(st, v1alpha1.ConditionReconciling, metav1.ConditionTrue, o.reason, o.message, st.ObservedGeneration)
		return
	}

	gen := ca.Generation
	want := map[string]metav1.Condition{}
	put := func(typ string, status metav1.ConditionStatus, reason, msg string) {
		want[typ] = metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
	}
	switch o.kind {
	case kindReady:
		put(v1alpha1.ConditionReady, metav1.ConditionTrue, o.reason, o.message)
	case kindNotReady:
		put(v1alpha1.ConditionReady, metav1.ConditionFalse, o.reason, o.message)
	case kindProgressing:
		put(v1alpha1.ConditionReady, metav1.ConditionFalse, o.reason, o.message)
		put(v1alpha1.ConditionReconciling, metav1.ConditionTrue, o.reason, o.message)
	case kindStalled:
		put(v1alpha1.ConditionReady, metav1.ConditionFalse, o.reason, o.message)
		put(v1alpha1.ConditionStalled, metav1.ConditionTrue, o.reason, o.message)
	}
	if o.awaiting {
		put(v1alpha1.ConditionAwaitingCustomerAcceptance, metav1.ConditionTrue, o.reason, o.message)
	}
	if o.notPermitted != "" {
		put(v1alpha1.ConditionAttestationNotPermitted, metav1.ConditionTrue, v1alpha1.ReasonNotPermitted, o.notPermitted)
	}
	if o.duplicate {
		put(v1alpha1.ConditionDuplicateSignatory, metav1.ConditionTrue, v1alpha1.ReasonDuplicateSignatory, mca.DuplicateMessage)
	}
	if reason, msg := r.reattestation(st); reason != "" {
		put(v1alpha1.ConditionReattestationRequired, metav1.ConditionTrue, reason, msg)
	}
	for _, typ := range ownedConditions {
		c, ok := want[typ]
		if !ok {
			meta.RemoveStatusCondition(&st.Conditions, typ)
			continue
		}
		setConditionAt(st, typ, c.Status, c.Reason, c.Message, gen)
	}
	st.ObservedGeneration = gen
}

// reattestation says why ReattestationRequired holds for the observed state, if it does.
func (r *CustomerAgreementReconciler) reattestation(st *v1alpha1.CustomerAgreementStatus) (reason, msg string) {
	if st.DateAgreed == nil {
		return "", ""
	}
	cutoff, enforce := r.Policy.ReattestationCutoff.Format("2 January 2006"), r.Policy.EnforcementDate.Format("2 January 2006")
	dated := st.DateAgreed.Format("2006-01-02")
	switch st.State {
	case v1alpha1.StateLegacy:
		return v1alpha1.ReasonReattestationRequired, fmt.Sprintf(
			"The only partner attestation on record is dated %s, before %s. Reattest (or have the customer accept directly) before %s, or purchases and subscription changes will be blocked.",
			dated, cutoff, enforce)
	case v1alpha1.StateBlocked:
		return v1alpha1.ReasonTransactionsBlocked, fmt.Sprintf(
			"The only partner attestation on record is dated %s, before %s, and enforcement began on %s: purchases, quantity, term and billing-plan changes and upgrades fail with 403 (code 13605 or 900428) until the customer is reattested or accepts directly.",
			dated, cutoff, enforce)
	}
	return "", ""
}

// setConditionAt sets a condition observed at generation gen; meta.SetStatusCondition keeps
// lastTransitionTime while the status does not change, so an unchanged condition causes no write.
func setConditionAt(st *v1alpha1.CustomerAgreementStatus, typ string, status metav1.ConditionStatus, reason, message string, gen int64) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message, ObservedGeneration: gen})
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
		return "Only a partner attestation from before the reattestation cutoff is on record and enforcement has begun: purchases fail with 403 (code 13605 or 900428)."
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
		typ := corev1.EventTypeNormal
		if after.Status.State == v1alpha1.StateBlocked || after.Status.State == v1alpha1.StateLegacy {
			typ = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(after, nil, typ, "StateChanged", "Observe", "MCA state %s → %s", before.Status.State, after.Status.State)
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

// checkPartnerTenant has the PartnerTenant controller re-check a tenant whose credentials failed
// during a customer's reconcile; when it turns not Ready every customer of the tenant waits for
// it instead of calling Partner Center.
func (r *CustomerAgreementReconciler) checkPartnerTenant(pt *v1alpha1.PartnerTenant) {
	if pt == nil || r.PartnerTenantChecks == nil {
		return
	}
	select {
	case r.PartnerTenantChecks <- event.GenericEvent{Object: pt}:
	default:
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
