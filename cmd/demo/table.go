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
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// snapshot is what the demo shows: the PartnerTenants and CustomerAgreements as the API server has them.
type snapshot struct {
	Tenants    []v1alpha1.PartnerTenant
	Agreements []v1alpha1.CustomerAgreement
}

var (
	tenantHeader    = []string{"PARTNERTENANT", "TENANT", "TYPE", "READY", "REASON", "AGE"}
	agreementHeader = []string{"NAMESPACE", "NAME", "CUSTOMER", "COMPANY", "STATE", "ACCEPTED BY", "READY", "REASON", "AGE"}
)

// readyOf returns the Ready condition's status and reason ("" when absent).
func readyOf(conds []metav1.Condition) (status, reason string) {
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil {
		return string(c.Status), c.Reason
	}
	return "", ""
}

func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// rows renders the snapshot like `kubectl get partnertenants` and `kubectl get customeragreements
// -A -o wide` (the Ready reason included). The last column of every row is AGE.
func (s snapshot) rows(now time.Time) (tenants, agreements [][]string) {
	for _, pt := range s.Tenants {
		st, reason := readyOf(pt.Status.Conditions)
		tenants = append(tenants, []string{pt.Name, pt.Spec.TenantID, string(pt.Spec.PartnerType), st, reason, age(pt.CreationTimestamp, now)})
	}
	for _, ca := range s.Agreements {
		st, reason := readyOf(ca.Status.Conditions)
		agreements = append(agreements, []string{ca.Namespace, ca.Name, ca.Spec.CustomerTenantID, ca.Spec.CompanyName,
			string(ca.Status.State), string(ca.Status.AcceptedBy), st, reason, age(ca.CreationTimestamp, now)})
	}
	return tenants, agreements
}

// key identifies what the table shows apart from the ages, so that it is printed again only when
// something changed.
func (s snapshot) key() string {
	tenants, agreements := s.rows(time.Time{})
	var b strings.Builder
	for _, r := range append(tenants, agreements...) {
		b.WriteString(strings.Join(r[:len(r)-1], "\x00"))
		b.WriteByte('\n')
	}
	return b.String()
}

// print writes both tables.
func (s snapshot) print(out io.Writer, now time.Time) {
	tenants, agreements := s.rows(now)
	writeTable(out, tenantHeader, tenants)
	fmt.Fprintln(out)
	writeTable(out, agreementHeader, agreements)
}

func writeTable(out io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}
