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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// This file keeps the AttestationRecords: one per write to Partner Center, created just before
// the write is sent (the client's RecordBody hook, with the exact bytes) and completed with the
// answer. The records of a PartnerTenant form a hash chain: record n names record n-1 and its
// digest (mca.RecordDigest). One manager (the leader) writes them; its writes for one
// PartnerTenant take turns on the chain's mutex. The chain's head is found at its first use by
// probing names (mca.ChainHead), then kept in memory: the records are neither cached nor listed,
// however many there are (only those awaiting approval are cached, by their label).
//
// Four eyes (PartnerTenant spec.approval.required): the record is created by the same hook, with
// the exact body, but the hook then holds the write (errApprovalHeld) until status.approval, written
// by a person through the status subresource, approves that very body (mca.Approval). The client
// encodes the body deterministically, so the next attempt of the act carries the same bytes and
// finds the same record by its request id; a body that changed in between finds no record of its
// own (mca.RecordFor) and gets a new one, which needs a new approval and supersedes the old.

// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=attestationrecords,verbs=create;get;list;watch;patch;record
// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=attestationrecords/status,verbs=update;patch

// Records writes the AttestationRecords.
type Records struct {
	// Client writes the records; Reader reads them and the CustomerAgreements' managedFields from
	// the API server (never a cache).
	Client client.Client
	Reader client.Reader
	Now    func() time.Time
	// Unknown tracks the records left Unknown (nil: metrics.UnknownRecords).
	Unknown *metrics.UnknownRecordTracker

	mu     sync.Mutex
	chains map[string]*chain
}

// chain is the head of one PartnerTenant's chain, once known.
type chain struct {
	mu    sync.Mutex
	known bool
	head  int64
	last  *v1alpha1.RecordLink // the head's name and digest; nil while the chain is empty
}

// maxChainRetries bounds the re-probes after a create found its name taken.
const maxChainRetries = 5

// recordedWrite is one write to Partner Center and its record.
type recordedWrite struct {
	s             *scope
	act           v1alpha1.RecordAct
	attestationID string // CreateAgreement: the id the body names (redacted in the record)
	record        *v1alpha1.AttestationRecord
	sent          *pc.Sending
	// failed is the outcome of a record that could not be written: nothing was sent.
	failed *outcome
}

// recordWrite prepares the record of the write act; attestationID is the id the body carries, if
// any.
func (s *scope) recordWrite(act v1alpha1.RecordAct, attestationID string) *recordedWrite {
	return &recordedWrite{s: s, act: act, attestationID: attestationID}
}

// option is the call option that records the write just before it is sent. A record that cannot
// be written stops the write (w.failed says why); the reconcile retries later. So does a write
// that waits for approval or was denied (w.failed is AwaitingApproval or ApprovalDenied).
func (w *recordedWrite) option() pc.CallOption {
	return pc.RecordBody(func(ctx context.Context, sent *pc.Sending) error {
		rec, err := w.s.r.records().open(ctx, w.s, w.act, w.attestationID, sent)
		var held *errApprovalHeld
		if errors.As(err, &held) {
			w.failed = w.s.approvalHeld(held)
			return err
		}
		if err != nil {
			w.failed = transient(v1alpha1.ReasonPartnerCenterError,
				"Writing the AttestationRecord of the "+string(w.act)+" failed, so nothing was sent to Partner Center: "+err.Error(), err)
			return errRecordNotWritten
		}
		w.record, w.sent = rec, sent
		return nil
	})
}

// errRecordNotWritten ends a write whose record could not be written.
var errRecordNotWritten = errors.New("the write to Partner Center was not sent: its record could not be written")

// errApprovalHeld ends a write that waits for approval, or was denied: nothing was sent.
type errApprovalHeld struct {
	record  *v1alpha1.AttestationRecord
	verdict mca.ApprovalVerdict
}

func (e *errApprovalHeld) Error() string {
	return "the write to Partner Center was not sent: AttestationRecord " + e.record.Name + " is " + string(e.verdict)
}

// approvalHeld is the outcome of a write held by its approval: Reconciling=True with reason
// AwaitingApproval while it waits, Stalled with reason ApprovalDenied once denied.
func (s *scope) approvalHeld(h *errApprovalHeld) *outcome {
	rec := h.record
	who := "the requester"
	if u := rec.Spec.RequestedBy.Username; u != "" {
		who = u
	}
	if a := rec.Status.Approval; h.verdict == mca.ApprovalDenied && a != nil {
		msg := fmt.Sprintf("%s denied the %s of AttestationRecord %s at %s", a.By, rec.Spec.Act, rec.Name, a.At.UTC().Format(time.RFC3339))
		if a.Reason != "" {
			msg += " (" + a.Reason + ")"
		}
		return stalled(v1alpha1.ReasonApprovalDenied, msg+". Denial is final for this intent: the operator does not make the act. A changed spec (another signatory, company or customer data) is a new intent, which needs its own approval.")
	}
	return waitingFor(v1alpha1.ReasonAwaitingApproval, fmt.Sprintf(
		"The %s of AttestationRecord %s, asked for by %s, waits for approval: PartnerTenant %s requires four eyes. A person other than %s who holds the verb approve on the PartnerTenant decides with `kubectl mca approve %s` or `kubectl mca deny %s --reason TEXT` (kubectl mca pending lists the acts waiting); nothing is sent to Partner Center before.",
		rec.Spec.Act, rec.Name, who, s.pt.Name, who, rec.Name, rec.Name))
}

// complete records Partner Center's answer (err nil: success) in the record, if one was written.
// handle names the attestation the answer started or used. The act's outcome does not depend on
// it: a failure is logged and counted, and the retry with the same request id completes it.
func (w *recordedWrite) complete(ctx context.Context, err error, handle string) {
	if w.record == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
	defer cancel()
	w.s.r.records().complete(cctx, w.record, w.sent, err, handle)
}

// records returns the reconciler's record writer (built from its clients at first use).
func (r *CustomerAgreementReconciler) records() *Records {
	r.recordsOnce.Do(func() {
		if r.Records == nil {
			reader := r.APIReader
			if reader == nil {
				reader = r.Client
			}
			r.Records = &Records{Client: r.Client, Reader: reader, Now: r.Now}
		}
	})
	return r.Records
}

// open finds the record of the request sent.RequestID and its body (a retry after a crash or a
// lost answer, or an act that waited for approval), or creates the next record of the
// PartnerTenant's chain; then, unless the act waits for approval or was denied (an
// *errApprovalHeld), marks it requested with outcome Unknown.
func (rs *Records) open(ctx context.Context, s *scope, act v1alpha1.RecordAct, attestationID string, sent *pc.Sending) (*v1alpha1.AttestationRecord, error) {
	digest := bodySHA256(sent.Body)
	recs, err := rs.byRequestID(ctx, s.pt.Name, sent.RequestID)
	if err != nil {
		return nil, err
	}
	var rec *v1alpha1.AttestationRecord
	if i := mca.RecordFor(recs, digest); i >= 0 {
		rec = &recs[i]
	} else {
		spec, err := rs.newSpec(ctx, s, act, attestationID, sent)
		if err != nil {
			return nil, err
		}
		spec.ApprovalRequired = s.pt.Spec.Approval != nil && s.pt.Spec.Approval.Required
		if rec, err = rs.append(ctx, s.pt.Name, spec); err != nil {
			return nil, err
		}
		metrics.AttestationRecords.WithLabelValues(s.pt.Name, string(act), string(v1alpha1.OutcomeUnknown)).Inc()
		if spec.ApprovalRequired {
			if err := rs.supersede(ctx, rec); err != nil {
				return nil, err
			}
		}
	}
	switch v := mca.Approval(rec.Spec.ApprovalRequired, rec.Status.Approval, digest); v {
	case mca.ApprovalWait:
		return nil, &errApprovalHeld{record: rec, verdict: v}
	case mca.ApprovalDenied:
		if err := rs.decided(ctx, rec); err != nil {
			return nil, err
		}
		return nil, &errApprovalHeld{record: rec, verdict: v}
	}
	if err := rs.decided(ctx, rec); err != nil {
		return nil, err
	}
	return rec, rs.markRequested(ctx, rec)
}

func bodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// byRequestID lists the records of a request id: one list from the API server by label.
func (rs *Records) byRequestID(ctx context.Context, partnerTenant, requestID string) ([]v1alpha1.AttestationRecord, error) {
	var list v1alpha1.AttestationRecordList
	if err := rs.Reader.List(ctx, &list, client.MatchingLabels{
		v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(partnerTenant),
		v1alpha1.LabelRecordRequestID:     requestID,
	}); err != nil {
		return nil, fmt.Errorf("looking up the record of request %s: %w", requestID, err)
	}
	return slices.DeleteFunc(list.Items, func(r v1alpha1.AttestationRecord) bool { return r.Spec.RequestID != requestID }), nil
}

// supersede marks the records of rec's CustomerAgreement that awaited approval, other than rec,
// as replaced by it (their acts are never sent), and drops their label.
func (rs *Records) supersede(ctx context.Context, rec *v1alpha1.AttestationRecord) error {
	var list v1alpha1.AttestationRecordList
	if err := rs.Reader.List(ctx, &list, client.MatchingLabels{
		v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(rec.Spec.PartnerTenant.Name),
		v1alpha1.LabelRecordApproval:      v1alpha1.ApprovalPending,
	}); err != nil {
		return fmt.Errorf("listing the AttestationRecords awaiting approval: %w", err)
	}
	for _, i := range mca.Superseded(list.Items, rec.Spec.CustomerAgreement.UID, rec.Name) {
		old := &list.Items[i]
		before := old.DeepCopy()
		old.Status.SupersededBy = rec.Name
		if err := rs.Client.Status().Patch(ctx, old, client.MergeFrom(before)); err != nil {
			return fmt.Errorf("marking AttestationRecord %s superseded by %s: %w", old.Name, rec.Name, err)
		}
		if err := rs.decided(ctx, old); err != nil {
			return err
		}
	}
	return nil
}

// decided drops the label that marks rec as awaiting approval, once the decision was acted on
// (or the record superseded): the label's selection and the operator's cache no longer hold it.
func (rs *Records) decided(ctx context.Context, rec *v1alpha1.AttestationRecord) error {
	if _, ok := rec.Labels[v1alpha1.LabelRecordApproval]; !ok {
		return nil
	}
	before := rec.DeepCopy()
	delete(rec.Labels, v1alpha1.LabelRecordApproval)
	if err := rs.Client.Patch(ctx, rec, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("removing the label %s of AttestationRecord %s: %w", v1alpha1.LabelRecordApproval, rec.Name, err)
	}
	return nil
}

// newSpec is the record of sent: what it carries, who asked, and until when it is kept.
func (rs *Records) newSpec(ctx context.Context, s *scope, act v1alpha1.RecordAct, attestationID string, sent *pc.Sending) (v1alpha1.AttestationRecordSpec, error) {
	body, err := mca.RedactAttestationID(sent.Body, attestationID)
	if err != nil {
		return v1alpha1.AttestationRecordSpec{}, err
	}
	by, err := rs.requestedBy(ctx, s.ca)
	if err != nil {
		return v1alpha1.AttestationRecordSpec{}, err
	}
	var retention time.Duration
	if a := s.pt.Spec.Audit; a != nil && a.Retention != nil {
		retention = a.Retention.Duration
	}
	return v1alpha1.AttestationRecordSpec{
		PartnerTenant:    v1alpha1.RecordPartnerTenant{Name: s.pt.Name, TenantID: s.pt.Spec.TenantID},
		CustomerTenantID: s.ca.Spec.CustomerTenantID,
		CustomerAgreement: v1alpha1.RecordCustomerAgreement{Namespace: s.ca.Namespace, Name: s.ca.Name,
			UID: string(s.ca.UID), Generation: s.ca.Generation},
		Act:               act,
		RequestID:         sent.RequestID,
		RequestBody:       string(body),
		RequestBodySHA256: bodySHA256(sent.Body),
		RequestedBy:       by,
		RetainUntil:       metav1.NewTime(mca.RetainUntil(rs.now(), retention)),
	}, nil
}

// requestedBy reads who asked from the CustomerAgreement as the API server holds it: the cache
// keeps no managedFields.
func (rs *Records) requestedBy(ctx context.Context, ca *v1alpha1.CustomerAgreement) (v1alpha1.RequestedBy, error) {
	cur := &v1alpha1.CustomerAgreement{}
	if err := rs.Reader.Get(ctx, client.ObjectKeyFromObject(ca), cur); err != nil {
		return v1alpha1.RequestedBy{}, fmt.Errorf("reading the CustomerAgreement: %w", err)
	}
	by := v1alpha1.RequestedBy{
		Username:     bounded(cur.Annotations[v1alpha1.AnnotationRequestedBy], 512),
		UID:          bounded(cur.Annotations[v1alpha1.AnnotationRequestedByUID], 256),
		FieldManager: bounded(mca.SpecManager(cur.ManagedFields), 256),
		GitOps:       mca.GitOpsOrigin(cur.Namespace, cur.Name, cur.Labels, cur.Annotations),
	}
	if by.GitOps != nil {
		by.GitOps.Revision = rs.gitOpsRevision(ctx, by.GitOps)
	}
	return by, nil
}

// gitOpsSources says where each GitOps kind is served and where in its status the revision it
// last applied is.
var gitOpsSources = map[string]struct {
	gvk  schema.GroupVersionKind
	path []string
}{
	"Application":   {schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}, []string{"sync", "revision"}},
	"Kustomization": {schema.GroupVersionKind{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Kind: "Kustomization"}, []string{"lastAppliedRevision"}},
	"HelmRelease":   {schema.GroupVersionKind{Group: "helm.toolkit.fluxcd.io", Version: "v2", Kind: "HelmRelease"}, []string{"lastAppliedRevision"}},
}

// gitOpsRevision reads the revision the GitOps object o last applied, from the API server. Any
// failure (the kind not served, the read forbidden, the object gone) leaves it empty: the record
// still names the object, and the act is not held for it. The operator's role does not grant
// this read: config/rbac/gitops_reader_role.yaml does, for those who want the revision.
func (rs *Records) gitOpsRevision(ctx context.Context, o *v1alpha1.GitOpsOrigin) string {
	src, ok := gitOpsSources[o.Kind]
	if !ok {
		return ""
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(src.gvk)
	if err := rs.Reader.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.Name}, u); err != nil {
		logf.FromContext(ctx).V(1).Info("the GitOps object's revision is not readable; the record names it without", "kind", o.Kind,
			"namespace", o.Namespace, "name", o.Name, "error", err.Error())
		return ""
	}
	rev, _, _ := unstructured.NestedString(u.Object, append([]string{"status"}, src.path...)...)
	return mca.GitOpsRevision(rev)
}

// append creates spec as the next record of the PartnerTenant's chain.
func (rs *Records) append(ctx context.Context, partnerTenant string, spec v1alpha1.AttestationRecordSpec) (*v1alpha1.AttestationRecord, error) {
	c := rs.chainOf(partnerTenant)
	c.mu.Lock()
	defer c.mu.Unlock()
	for range maxChainRetries {
		if err := rs.findHead(ctx, partnerTenant, c); err != nil {
			return nil, err
		}
		spec.Sequence, spec.Previous = c.head+1, c.last
		rec := &v1alpha1.AttestationRecord{
			ObjectMeta: metav1.ObjectMeta{Name: mca.RecordName(partnerTenant, spec.Sequence), Labels: map[string]string{
				v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(partnerTenant),
				v1alpha1.LabelRecordRequestID:     spec.RequestID,
			}},
			Spec: spec,
		}
		if spec.ApprovalRequired {
			rec.Labels[v1alpha1.LabelRecordApproval] = v1alpha1.ApprovalPending
		}
		err := rs.Client.Create(ctx, rec)
		if apierrors.IsAlreadyExists(err) {
			// The head moved (another writer, or a head learnt before a record was written):
			// probe again from here.
			c.known = false
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("creating AttestationRecord %s: %w", rec.Name, err)
		}
		c.head, c.last = spec.Sequence, &v1alpha1.RecordLink{Name: rec.Name, Digest: mca.RecordDigest(&rec.Spec)}
		return rec, nil
	}
	return nil, fmt.Errorf("the chain of PartnerTenant %s moved %d times while a record was appended", partnerTenant, maxChainRetries)
}

func (rs *Records) chainOf(partnerTenant string) *chain {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.chains == nil {
		rs.chains = map[string]*chain{}
	}
	c := rs.chains[partnerTenant]
	if c == nil {
		c = &chain{}
		rs.chains[partnerTenant] = c
	}
	return c
}

// findHead learns the head of the chain (c locked) unless it is known: by GETs of names, from the
// head known last, else from the first record (or, once the oldest were deleted after their
// retention, the first kept, found by one list of a single item: names sort by sequence).
func (rs *Records) findHead(ctx context.Context, partnerTenant string, c *chain) error {
	if c.known {
		return nil
	}
	var found *v1alpha1.AttestationRecord
	exists := func(n int64) (bool, error) {
		rec := &v1alpha1.AttestationRecord{}
		err := rs.Reader.Get(ctx, types.NamespacedName{Name: mca.RecordName(partnerTenant, n)}, rec)
		switch {
		case apierrors.IsNotFound(err):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("reading AttestationRecord %s: %w", mca.RecordName(partnerTenant, n), err)
		}
		if found == nil || rec.Spec.Sequence > found.Spec.Sequence {
			found = rec
		}
		return true, nil
	}
	from := c.head
	if from == 0 {
		first, err := rs.firstKept(ctx, partnerTenant)
		if err != nil {
			return err
		}
		if first != nil {
			from, found = first.Spec.Sequence, first
		}
	}
	head, err := mca.ChainHead(from, exists)
	if err != nil {
		return err
	}
	c.head, c.last, c.known = head, nil, true
	if head > 0 {
		if found == nil || found.Spec.Sequence != head {
			if _, err := exists(head); err != nil {
				return err
			}
		}
		c.last = &v1alpha1.RecordLink{Name: found.Name, Digest: mca.RecordDigest(&found.Spec)}
	}
	return nil
}

// firstKept is the PartnerTenant's oldest record: record 1, or, when the oldest were deleted after
// their retention ended, the first one left (nil: none).
func (rs *Records) firstKept(ctx context.Context, partnerTenant string) (*v1alpha1.AttestationRecord, error) {
	rec := &v1alpha1.AttestationRecord{}
	err := rs.Reader.Get(ctx, types.NamespacedName{Name: mca.RecordName(partnerTenant, 1)}, rec)
	if err == nil {
		return rec, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading the first AttestationRecord of PartnerTenant %s: %w", partnerTenant, err)
	}
	var list v1alpha1.AttestationRecordList
	if err := rs.Reader.List(ctx, &list, client.MatchingLabels{v1alpha1.LabelRecordPartnerTenant: v1alpha1.LinkLabelValue(partnerTenant)}, client.Limit(1)); err != nil {
		return nil, fmt.Errorf("looking up the oldest AttestationRecord of PartnerTenant %s: %w", partnerTenant, err)
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	return &list.Items[0], nil
}

// markRequested sets outcome Unknown and requestedAt on a record that has no outcome yet (just
// created, or created by a run that ended before this write).
func (rs *Records) markRequested(ctx context.Context, rec *v1alpha1.AttestationRecord) error {
	if rec.Status.Outcome == v1alpha1.OutcomeUnknown && rec.Status.RequestedAt != nil {
		rs.unknown().Unknown(rec.Name, rec.Spec.PartnerTenant.Name, rec.Status.RequestedAt.Time)
	}
	if rec.Status.Outcome != "" {
		return nil
	}
	before := rec.DeepCopy()
	rec.Status.Outcome = v1alpha1.OutcomeUnknown
	rec.Status.RequestedAt = statusTime(rs.now())
	if err := rs.Client.Status().Patch(ctx, rec, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("marking AttestationRecord %s requested: %w", rec.Name, err)
	}
	rs.unknown().Unknown(rec.Name, rec.Spec.PartnerTenant.Name, rec.Status.RequestedAt.Time)
	return nil
}

// complete writes the answer to the write sent into rec (err nil: success): Succeeded or Refused
// with the HTTP status, Partner Center's code and description, the attestation's handle and the
// correlation id; a lost answer leaves it Unknown. A completed record is left as it is.
func (rs *Records) complete(ctx context.Context, rec *v1alpha1.AttestationRecord, sent *pc.Sending, err error, handle string) {
	status := sent.StatusCode
	if err != nil && status == 0 {
		var pe *pc.Error
		if errors.As(err, &pe) {
			status = pe.StatusCode
		}
	}
	outcome := mca.RecordOutcome(status)
	if outcome == v1alpha1.OutcomeUnknown || (rec.Status.Outcome != "" && rec.Status.Outcome != v1alpha1.OutcomeUnknown) {
		return
	}
	before := rec.DeepCopy()
	st := &rec.Status
	// A completed outcome comes from an HTTP status (100 to 599), which fits an int32.
	st.Outcome, st.HTTPStatus, st.CorrelationID, st.AnsweredAt = outcome, int32(status), sent.CorrelationID, statusTime(rs.now()) //nolint:gosec // G115: 100..599

	if st.RequestedAt == nil {
		st.RequestedAt = st.AnsweredAt
	}
	if handle != "" {
		st.AttestationHandle = handle
	}
	var pe *pc.Error
	if outcome == v1alpha1.OutcomeRefused && errors.As(err, &pe) {
		st.Code, st.Description = bounded(pe.Code, 64), bounded(pe.Message, 1024)
	}
	if perr := rs.Client.Status().Patch(ctx, rec, client.MergeFrom(before)); perr != nil {
		// The act stands; the next write with this request id completes the record.
		logf.FromContext(ctx).Error(perr, "completing the AttestationRecord failed", "record", rec.Name, "outcome", outcome)
		metrics.AttestationRecords.WithLabelValues(rec.Spec.PartnerTenant.Name, string(rec.Spec.Act), "CompletionFailed").Inc()
		return
	}
	rs.unknown().Known(rec.Name)
	metrics.AttestationRecords.WithLabelValues(rec.Spec.PartnerTenant.Name, string(rec.Spec.Act), string(outcome)).Inc()
}

func (rs *Records) now() time.Time {
	if rs.Now != nil {
		return rs.Now()
	}
	return time.Now()
}

func (rs *Records) unknown() *metrics.UnknownRecordTracker {
	if rs.Unknown != nil {
		return rs.Unknown
	}
	return metrics.UnknownRecords
}

// approvalDecided passes the updates of a record that give it its approval decision. The
// manager's cache holds only the records labelled as awaiting approval (operator.cacheOptions).
func approvalDecided() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			old, okOld := e.ObjectOld.(*v1alpha1.AttestationRecord)
			cur, okNew := e.ObjectNew.(*v1alpha1.AttestationRecord)
			return okOld && okNew && old.Status.Approval == nil && cur.Status.Approval != nil
		},
	}
}

// recordCustomer is the CustomerAgreement whose act a record waits for.
func recordCustomer(_ context.Context, o client.Object) []reconcile.Request {
	rec, ok := o.(*v1alpha1.AttestationRecord)
	if !ok {
		return nil
	}
	c := rec.Spec.CustomerAgreement
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: c.Namespace, Name: c.Name}}}
}
