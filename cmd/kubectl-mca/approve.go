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

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
)

// decideOptions are the flags of approve and deny.
type decideOptions struct {
	decision  v1alpha1.ApprovalDecision
	reason    string
	confirmed bool
}

func (a *app) approveCmd() *cobra.Command {
	return a.decideCmd(v1alpha1.ApprovalApproved, `approve RECORD [--reason TEXT] [--yes]`,
		"Approve the act an AttestationRecord waits with (four eyes)",
		`approve releases the act of an AttestationRecord that waits for approval (its PartnerTenant sets
spec.approval.required; kubectl mca pending lists them). It shows the act (PartnerTenant,
customer, CustomerAgreement, who asked, the exact request body and its SHA-256), asks you to type
yes (or takes --yes), and writes status.approval {decision Approved, by: you as the API server
knows you (--as included), requestBodySHA256: the record's, at: now} through the status
subresource. The operator then sends that body, and only that body.

The admission policy attestationrecord-approval refuses the approval of anyone who asked for the
act or lacks the verb approve on the PartnerTenant (ClusterRole attestationrecord-approver-role);
its message is shown.`)
}

func (a *app) denyCmd() *cobra.Command {
	return a.decideCmd(v1alpha1.ApprovalDenied, `deny RECORD --reason TEXT [--yes]`,
		"Deny the act an AttestationRecord waits with (four eyes): final for that intent",
		`deny writes status.approval {decision Denied, by: you, requestBodySHA256, at: now, reason} of an
AttestationRecord that waits for approval, after showing the act and asking you to type yes (or
--yes). A denial is final for that intent: the operator never makes the act, and the
CustomerAgreement stalls (reason ApprovalDenied) until its spec changes. --reason is required: it
tells the requester why.`)
}

func (a *app) decideCmd(decision v1alpha1.ApprovalDecision, use, short, long string) *cobra.Command {
	o := &decideOptions{decision: decision}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if decision == v1alpha1.ApprovalDenied && strings.TrimSpace(o.reason) == "" {
				return errors.New("deny needs --reason: the requester is told why")
			}
			return a.decide(cmd.Context(), args[0], o)
		},
		ValidArgsFunction: a.completePendingRecords,
	}
	reasonHelp := "A note kept in the record with the decision."
	if decision == v1alpha1.ApprovalDenied {
		reasonHelp = "Why the act is denied, kept in the record (required)."
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", reasonHelp)
	cmd.Flags().BoolVarP(&o.confirmed, "yes", "y", false, "Do not ask for confirmation.")
	return cmd
}

// decide reads the record, shows the act, asks for confirmation and writes the decision.
func (a *app) decide(ctx context.Context, name string, o *decideOptions) error {
	kc, err := a.kube()
	if err != nil {
		return err
	}
	rec := &v1alpha1.AttestationRecord{}
	if err := kc.Get(ctx, client.ObjectKey{Name: name}, rec); err != nil {
		return fmt.Errorf("reading AttestationRecord %s: %w", printable(name), err)
	}
	if why := mca.NotAwaiting(rec); why != "" {
		return fmt.Errorf("AttestationRecord %s awaits no decision: %s", printable(name), printable(why))
	}
	me, err := selfUsername(ctx, kc)
	if err != nil {
		return err
	}
	printAct(a.streams.Out, rec, o.decision, me)
	if !o.confirmed {
		if err := a.confirmDecision(o.decision); err != nil {
			return err
		}
	}
	approval := v1alpha1.RecordApproval{Decision: o.decision, By: me, RequestBodySHA256: rec.Spec.RequestBodySHA256,
		At: metav1.NewTime(a.now().UTC().Truncate(time.Second)), Reason: o.reason}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"approval": approval}})
	if err != nil {
		return err
	}
	if err := kc.Status().Patch(ctx, rec, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return refusal(rec.Name, o.decision, err)
	}
	verb := "approved"
	then := "the operator now sends the act with this body, and only with it."
	if o.decision == v1alpha1.ApprovalDenied {
		verb, then = "denied", "the operator never makes this act; a changed spec is a new intent, which needs its own approval."
	}
	fmt.Fprintf(a.streams.Out, "AttestationRecord %s %s by %s at %s: %s\n", printable(rec.Name), verb, printable(me),
		approval.At.UTC().Format(time.RFC3339), then)
	return nil
}

// selfUsername is the caller's username as the API server authenticates it (impersonation with
// --as included): the name an approval must carry.
func selfUsername(ctx context.Context, kc client.Client) (string, error) {
	ssr := &authnv1.SelfSubjectReview{}
	if err := kc.Create(ctx, ssr); err != nil {
		return "", fmt.Errorf("asking the API server who you are (SelfSubjectReview, authentication.k8s.io/v1): %w", err)
	}
	if ssr.Status.UserInfo.Username == "" {
		return "", errors.New("the API server did not say who you are (SelfSubjectReview returned no username)")
	}
	return ssr.Status.UserInfo.Username, nil
}

// printAct shows what a decision is about. Every text is escaped: it comes from the record.
func printAct(w io.Writer, rec *v1alpha1.AttestationRecord, d v1alpha1.ApprovalDecision, me string) {
	s := &rec.Spec
	ca := s.CustomerAgreement
	who := orDash(s.RequestedBy.Username)
	if s.RequestedBy.FieldManager != "" {
		who += " (" + s.RequestedBy.FieldManager + ")"
	}
	verb := "approve"
	if d == v1alpha1.ApprovalDenied {
		verb = "deny"
	}
	fmt.Fprintf(w, "You (%s) are about to %s this act:\n", printable(me), verb)
	fmt.Fprintf(w, "  AttestationRecord:  %s\n", printable(rec.Name))
	fmt.Fprintf(w, "  PartnerTenant:      %s (partner tenant %s)\n", printable(s.PartnerTenant.Name), printable(s.PartnerTenant.TenantID))
	fmt.Fprintf(w, "  Customer:           %s\n", printable(s.CustomerTenantID))
	fmt.Fprintf(w, "  CustomerAgreement:  %s/%s (generation %d)\n", printable(ca.Namespace), printable(ca.Name), ca.Generation)
	fmt.Fprintf(w, "  Act:                %s\n", printable(string(s.Act)))
	fmt.Fprintf(w, "  Requested by:       %s\n", printable(who))
	fmt.Fprintf(w, "  Request body:       %s\n", printable(s.RequestBody))
	fmt.Fprintf(w, "  Its SHA-256:        %s\n", printable(s.RequestBodySHA256))
}

// confirmDecision asks for a typed "yes" on a terminal.
func (a *app) confirmDecision(d v1alpha1.ApprovalDecision) error {
	verb := "approve"
	if d == v1alpha1.ApprovalDenied {
		verb = "deny"
	}
	if !a.isTerminal(a.streams.In) {
		return fmt.Errorf("not confirmed: nothing was written (no terminal to ask on; confirm with --yes to %s)", verb)
	}
	fmt.Fprintf(a.streams.ErrOut, "Type yes to %s it: ", verb)
	line, _ := bufio.NewReader(a.streams.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("not confirmed: nothing was written")
	}
	return nil
}

// policyDenial is how the API server words a ValidatingAdmissionPolicy's refusal.
var policyDenial = regexp.MustCompile(`ValidatingAdmissionPolicy '([^']+)' with binding '[^']*' denied request: (.*)$`)

// refusal words the API server's refusal of a decision: a policy's own message, else the error.
func refusal(name string, d v1alpha1.ApprovalDecision, err error) error {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		if m := policyDenial.FindStringSubmatch(se.Status().Message); m != nil {
			return fmt.Errorf("the API server refused to record %s on AttestationRecord %s (admission policy %s): %s",
				d, printable(name), printable(m[1]), printable(m[2]))
		}
	}
	return fmt.Errorf("writing the decision into AttestationRecord %s: %w", printable(name), err)
}
