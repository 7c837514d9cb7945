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

package operator

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/controller"
)

// This file shards the operator by PartnerTenant: --partner-tenants makes a manager serve, and
// cache the CustomerAgreements of, the PartnerTenants it names; every manager, sharded or not,
// holds the Lease of each PartnerTenant it serves (controller.TenantLeases).

// partnerTenantsFlag is --partner-tenants: PartnerTenant names separated by commas.
type partnerTenantsFlag struct{ names *[]string }

func (f partnerTenantsFlag) String() string {
	if f.names == nil {
		return ""
	}
	return strings.Join(*f.names, ",")
}

func (f partnerTenantsFlag) Set(s string) error {
	names, err := ParsePartnerTenants(s)
	if err != nil {
		return err
	}
	*f.names = names
	return nil
}

// ParsePartnerTenants reads --partner-tenants: PartnerTenant names separated by commas, each a
// DNS-1123 subdomain of at most 63 characters (a shard selects its CustomerAgreements by a label
// that holds the name, and a label value holds at most 63 characters), without repeats.
func ParsePartnerTenants(s string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, fmt.Errorf("--partner-tenants %q has an empty name: give PartnerTenant names separated by commas", s)
		}
		if errs := validation.IsDNS1123Subdomain(n); len(errs) > 0 {
			return nil, fmt.Errorf("--partner-tenants: %q is not a PartnerTenant name: %s", n, strings.Join(errs, "; "))
		}
		if _, ok := v1alpha1.PartnerTenantLabelValue(n); !ok {
			return nil, fmt.Errorf("--partner-tenants: PartnerTenant %q has %d characters; a shard serves PartnerTenants whose names have at most 63 "+
				"(its CustomerAgreements are selected by the label %s, which holds the name): serve it from a manager without --partner-tenants",
				n, len(n), v1alpha1.LabelPartnerTenant)
		}
		if slices.Contains(names, n) {
			return nil, fmt.Errorf("--partner-tenants names %q twice", n)
		}
		names = append(names, n)
	}
	return names, nil
}

// shardSelector selects a sharded manager's CustomerAgreements: those labelled with a
// PartnerTenant it serves (nil: not sharded). PartnerTenants stay cached whole: they are few, and
// a shard checks that no PartnerTenant of another shard shares a partner tenant id with one of its
// own.
func shardSelector(partnerTenants []string) (labels.Selector, error) {
	if len(partnerTenants) == 0 {
		return nil, nil
	}
	req, err := labels.NewRequirement(v1alpha1.LabelPartnerTenant, selection.In, partnerTenants)
	if err != nil {
		return nil, fmt.Errorf("--partner-tenants: %w", err)
	}
	return labels.NewSelector().Add(*req), nil
}

// tenantLeases builds the PartnerTenant Leases of this manager, in the leader-election namespace
// (the manager's Role there already grants the Leases), and adds them to the manager: they are
// taken by the elected leader only.
func tenantLeases(mgr manager.Manager, o Options, namespace string) (*controller.TenantLeases, error) {
	cs, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("creating the Lease client: %w", err)
	}
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("reading the host name for the Lease identity: %w", err)
	}
	leases := &controller.TenantLeases{
		Leases:    cs.CoordinationV1(),
		Namespace: namespace,
		Identity:  host + "_" + string(uuid.NewUUID()),
		Serve:     o.PartnerTenants,
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("mca-operator"),
		Log:       mgr.GetLogger().WithName("partnertenant-lease"),
	}
	if err := mgr.Add(leases); err != nil {
		return nil, fmt.Errorf("adding the PartnerTenant Leases: %w", err)
	}
	return leases, nil
}
