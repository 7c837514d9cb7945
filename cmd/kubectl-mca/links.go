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
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// PendingLink is one acceptance link awaiting the customer (`kubectl mca links -o json`).
type PendingLink struct {
	Namespace      string   `json:"namespace"`
	Name           string   `json:"name"`
	Company        string   `json:"company"`
	Signatory      string   `json:"signatory"`
	Attestation    string   `json:"attestation,omitempty"`
	AttestationID  string   `json:"attestationId,omitempty"`
	ExpiresAt      string   `json:"expiresAt,omitempty"`
	ExpiresIn      string   `json:"expiresIn,omitempty"`
	AcceptanceLink string   `json:"acceptanceLink,omitempty"`
	Deliveries     []string `json:"deliveries"`
	Problem        string   `json:"problem,omitempty"`
}

func (a *app) linksCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "links [-A | -n NS]",
		Short: "Pending acceptance links, read from their Secrets",
		Long: `links prints the acceptance links awaiting the customers' signatories, read from the Secrets the
operator keeps in its credentials namespace, with the signatory, the company, the expiry and the
deliveries made. Whoever holds a link can accept the MCA for the customer: this needs the rights
to read those Secrets, and its output is as sensitive as they are.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			links, err := a.pendingLinks(cmd.Context())
			if err != nil {
				return err
			}
			switch output {
			case outputJSON:
				return encodeJSON(a.streams.Out, links)
			case "":
				printLinks(a.streams.Out, links)
				return nil
			default:
				return fmt.Errorf("-o %s: use json or leave it out", output)
			}
		},
	}
	a.addNamespaceFlags(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "json for scripts.")
	return cmd
}

func (a *app) pendingLinks(ctx context.Context) ([]PendingLink, error) {
	kc, err := a.kube()
	if err != nil {
		return nil, err
	}
	ns, err := a.listNamespace()
	if err != nil {
		return nil, err
	}
	var cas v1alpha1.CustomerAgreementList
	if err := kc.List(ctx, &cas, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("listing CustomerAgreements: %w", err)
	}
	now := a.now()
	out := []PendingLink{}
	for i := range cas.Items {
		ca := &cas.Items[i]
		at := ca.Status.Attestation
		if at == nil || at.LinkSecretRef == nil || at.LinkSecretRef.Name == "" {
			continue
		}
		if strings.EqualFold(at.Status, pc.StatusAgreementCreated) || strings.EqualFold(at.Status, pc.StatusCustomerAccepted) {
			continue
		}
		l := PendingLink{Namespace: ca.Namespace, Name: ca.Name, Company: ca.Spec.CompanyName, Attestation: at.Handle, Deliveries: deliveries(at.Deliveries)}
		if s := ca.Spec.Signatory; s != nil {
			l.Signatory = fmt.Sprintf("%s %s <%s>", s.FirstName, s.LastName, s.Email)
		}
		var exp time.Time
		if at.ExpiresAt != nil {
			exp = at.ExpiresAt.Time
		}
		var sec corev1.Secret
		switch err := kc.Get(ctx, client.ObjectKey{Namespace: a.credentialsNS, Name: at.LinkSecretRef.Name}, &sec); {
		case apierrors.IsNotFound(err):
			l.Problem = fmt.Sprintf("Secret %s/%s not found", a.credentialsNS, at.LinkSecretRef.Name)
		case apierrors.IsForbidden(err):
			return nil, fmt.Errorf("reading the link Secrets in %s needs the rights to get Secrets there: %w", a.credentialsNS, err)
		case err != nil:
			return nil, err
		default:
			owner := v1alpha1.LinkOwnerName(sec.Annotations, sec.Labels)
			if sec.Labels[v1alpha1.LabelLinkNamespace] != "" && (sec.Labels[v1alpha1.LabelLinkNamespace] != ca.Namespace || owner != ca.Name) {
				l.Problem = fmt.Sprintf("Secret %s/%s belongs to %s/%s", sec.Namespace, sec.Name, sec.Labels[v1alpha1.LabelLinkNamespace], owner)
				break
			}
			l.AcceptanceLink = string(sec.Data[v1alpha1.LinkSecretKeyLink])
			if id := string(sec.Data[v1alpha1.LinkSecretKeyAttestationID]); id != "" {
				l.AttestationID = id
			}
			if t, err := time.Parse(time.RFC3339, string(sec.Data[v1alpha1.LinkSecretKeyExpiresAt])); err == nil {
				exp = t
			}
		}
		if !exp.IsZero() {
			l.ExpiresAt = exp.UTC().Format(time.RFC3339)
			l.ExpiresIn = humanDuration(exp.Sub(now))
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// deliveries describes the messages sent: "Email Initial sent 2026-05-01T10:00:00Z".
func deliveries(ds []v1alpha1.Delivery) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		s := fmt.Sprintf("%s %s", d.Channel, d.Kind)
		switch {
		case d.SentAt != nil:
			s += " sent " + d.SentAt.UTC().Format(time.RFC3339)
		case d.Failure != "":
			s += " failed: " + oneLine(d.Failure)
		default:
			s += " in flight"
		}
		out = append(out, s)
	}
	return out
}

func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	days := int(d / (24 * time.Hour))
	h := int((d % (24 * time.Hour)) / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	default:
		return fmt.Sprintf("%dm", m)
	}
}

func printLinks(w io.Writer, links []PendingLink) {
	if len(links) == 0 {
		fmt.Fprintln(w, "No pending acceptance links.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tNAME\tCOMPANY\tSIGNATORY\tEXPIRES\tDELIVERIES\tLINK")
	for _, l := range links {
		exp := "-"
		if l.ExpiresAt != "" {
			exp = fmt.Sprintf("%s (%s)", l.ExpiresAt, l.ExpiresIn)
		}
		del := "none"
		if len(l.Deliveries) > 0 {
			del = strings.Join(l.Deliveries, "; ")
		}
		link := l.AcceptanceLink
		if l.Problem != "" {
			link = "(" + l.Problem + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Namespace, l.Name, l.Company, l.Signatory, exp, del, link)
	}
	_ = tw.Flush()
}
