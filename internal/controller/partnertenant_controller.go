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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/delivery"
	"github.com/mca-operator/mca-operator/internal/metrics"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// PartnerTenantReconciler checks that each PartnerTenant can reach Partner Center: a token is
// obtained (a rotated refresh token is written back to the Secret) and the MCA template read.
type PartnerTenantReconciler struct {
	Client   client.Client
	Clients  *Clients
	Recorder recorder.EventRecorder
	// ResyncInterval re-checks a healthy tenant; RetryInterval re-checks a failing one (a person may
	// have fixed the Secret, which the operator does not watch: its RBAC has no watch on Secrets).
	ResyncInterval time.Duration
	RetryInterval  time.Duration
	// CredentialsNamespace holds the link delivery templates ConfigMaps.
	CredentialsNamespace string
	Now                  func() time.Time
	// Tenants admits the reconciles of the PartnerTenants whose Lease this manager holds (nil: all).
	Tenants *TenantLeases
}

// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=partnertenants,verbs=get;list;watch
// +kubebuilder:rbac:groups=partnercenter.mca.dev,resources=partnertenants/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",namespace=mca-operator-system,resources=secrets,verbs=get;update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile implements reconcile.Reconciler.
func (r *PartnerTenantReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := logf.FromContext(ctx)
	pt := &v1alpha1.PartnerTenant{}
	if err := r.Client.Get(ctx, req.NamespacedName, pt); err != nil {
		if apierrors.IsNotFound(err) {
			r.Clients.Forget(req.Name)
			r.Tenants.Forget(req.Name)
			metrics.PartnerTenantReady.DeleteLabelValues(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	leave, ok := r.Tenants.Enter(pt.Name)
	if !ok {
		// Another manager holds the PartnerTenant's Lease (or none yet): acquiring it brings the
		// PartnerTenant back.
		return reconcile.Result{}, nil
	}
	defer leave()
	before := pt.DeepCopy()

	result, checkErr := r.check(ctx, pt)
	r.checkLinkDelivery(ctx, pt)
	ready := meta.IsStatusConditionTrue(pt.Status.Conditions, v1alpha1.ConditionReady)
	metrics.PartnerTenantReady.WithLabelValues(pt.Name).Set(boolFloat(ready))

	pt.Status.ObservedGeneration = pt.Generation
	for i := range pt.Status.Conditions {
		pt.Status.Conditions[i].ObservedGeneration = pt.Generation
	}
	if !equality.Semantic.DeepEqual(before.Status, pt.Status) && r.Tenants.Held(pt.Name) {
		pt.Status.LastSyncTime = &metav1.Time{Time: r.now()}
		if err := r.Client.Status().Patch(ctx, pt, client.MergeFrom(before)); err != nil {
			return reconcile.Result{}, err
		}
		wasReady := meta.IsStatusConditionTrue(before.Status.Conditions, v1alpha1.ConditionReady)
		if ready && !wasReady {
			r.Recorder.Eventf(pt, nil, corev1.EventTypeNormal, v1alpha1.ReasonConnected, "Connect", "Connected to Partner Center; MCA template %s", pt.Status.TemplateID)
		} else if !ready {
			c := meta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady)
			r.Recorder.Eventf(pt, nil, corev1.EventTypeWarning, c.Reason, "Connect", "%s", c.Message)
		}
	}
	if checkErr != nil {
		log.Info("partner tenant not ready", "reason", meta.FindStatusCondition(pt.Status.Conditions, v1alpha1.ConditionReady).Reason)
	}
	return result, nil
}

func (r *PartnerTenantReconciler) check(ctx context.Context, pt *v1alpha1.PartnerTenant) (reconcile.Result, error) {
	cl, err := r.Clients.For(pt)
	if err == nil {
		err = cl.CheckCredentials(ctx)
	}
	var md pc.AgreementMetadata
	if err == nil {
		md, err = cl.GetAgreementMetadata(ctx)
	}
	if err != nil {
		f := classify(err)
		setCondition(&pt.Status.Conditions, v1alpha1.ConditionReady, metav1.ConditionFalse, f.Reason, f.Message)
		if f.Stalled {
			setCondition(&pt.Status.Conditions, v1alpha1.ConditionStalled, metav1.ConditionTrue, f.Reason, f.Message)
			meta.RemoveStatusCondition(&pt.Status.Conditions, v1alpha1.ConditionReconciling)
		} else {
			setCondition(&pt.Status.Conditions, v1alpha1.ConditionReconciling, metav1.ConditionTrue, f.Reason, f.Message)
			meta.RemoveStatusCondition(&pt.Status.Conditions, v1alpha1.ConditionStalled)
		}
		after := r.RetryInterval
		if f.RetryAfter > 0 {
			after = f.RetryAfter
		}
		return reconcile.Result{RequeueAfter: after}, err
	}
	pt.Status.TemplateID = md.TemplateID
	setCondition(&pt.Status.Conditions, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonConnected,
		"Token obtained and the Microsoft Customer Agreement template read from Partner Center.")
	meta.RemoveStatusCondition(&pt.Status.Conditions, v1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&pt.Status.Conditions, v1alpha1.ConditionStalled)
	return reconcile.Result{RequeueAfter: jitter(r.ResyncInterval)}, nil
}

// checkLinkDelivery reports whether the tenant's link delivery can send: its sender addresses
// parse as the mail sender parses them, and its templates ConfigMap parses and renders (a broken
// template sends nothing). Without linkDelivery there is no condition.
func (r *PartnerTenantReconciler) checkLinkDelivery(ctx context.Context, pt *v1alpha1.PartnerTenant) {
	ld := pt.Spec.LinkDelivery
	if ld == nil {
		meta.RemoveStatusCondition(&pt.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady)
		return
	}
	if msg := senderProblem(ld.Email); msg != "" {
		setCondition(&pt.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady, metav1.ConditionFalse, v1alpha1.ReasonSenderAddressInvalid,
			msg+". No email is sent for this PartnerTenant until it is fixed.")
		return
	}
	if ref := ld.TemplatesConfigMapRef; ref != nil {
		if _, err := LoadTemplates(ctx, r.Client, r.CredentialsNamespace, ref.Name); err != nil {
			setCondition(&pt.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady, metav1.ConditionFalse, v1alpha1.ReasonTemplatesInvalid,
				err.Error()+". No email is sent for this PartnerTenant until the templates are fixed.")
			return
		}
	}
	setCondition(&pt.Status.Conditions, v1alpha1.ConditionLinkDeliveryReady, metav1.ConditionTrue, v1alpha1.ReasonTemplatesLoaded, "The link delivery templates render.")
}

// senderProblem says which sender address of email the mail sender cannot parse ("" when none):
// an object admitted before the CRD refused such values would otherwise look ready and send nothing.
func senderProblem(email *v1alpha1.EmailDelivery) string {
	if email == nil {
		return ""
	}
	if _, err := delivery.ParseSenderAddress(email.From); err != nil {
		return fmt.Sprintf("spec.linkDelivery.email.from %q is not an address the sender can use: %v", email.From, err)
	}
	if email.ReplyTo != "" {
		if _, err := delivery.ParseAddress(email.ReplyTo); err != nil {
			return fmt.Sprintf("spec.linkDelivery.email.replyTo %q is not an address the sender can use: %v", email.ReplyTo, err)
		}
	}
	return ""
}

func (r *PartnerTenantReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// partnerTenantEvents selects the PartnerTenant events that call for a reconcile: a spec change
// (generation), or an annotation change, the reconcile-now request that CustomerAgreements also
// honour (for example partnercenter.mca.dev/reconcile-requested-at=<time>, after fixing the
// credentials Secret). The operator's own status writes change neither, so they do not loop.
func partnerTenantEvents() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{})
}

// SetupWithManager registers the controller. checks carries re-check requests from the
// CustomerAgreement controller (a customer's call found the tenant's credentials failing).
func (r *PartnerTenantReconciler) SetupWithManager(mgr manager.Manager, checks <-chan event.GenericEvent) error {
	b := builder.ControllerManagedBy(mgr).
		For(&v1alpha1.PartnerTenant{}, builder.WithPredicates(partnerTenantEvents()))
	if checks != nil {
		b = b.WatchesRawSource(source.Channel(checks, &handler.EnqueueRequestForObject{}))
	}
	if acquired := r.Tenants.Subscribe(); acquired != nil {
		b = b.WatchesRawSource(source.Channel(acquired, &handler.EnqueueRequestForObject{}))
	}
	return b.
		WithOptions(controller.Options{MaxConcurrentReconciles: 2}).
		Named("partnertenant").
		Complete(r)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
