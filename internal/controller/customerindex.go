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

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The cache's index of CustomerAgreements by customer, under the names controller-runtime's
// cache reader looks up for a list across all namespaces with client.MatchingFields (its
// FieldIndexName and KeyToNamespacedKey("", value)).
const (
	customerIndexName      = "field:" + customerTenantIDField
	customerIndexKeyPrefix = "__all_namespaces/"
)

// indexCustomerAgreements indexes the cache's CustomerAgreements by PartnerTenant and by
// customer.
func indexCustomerAgreements(ctx context.Context, c cache.Cache) error {
	if err := c.IndexField(ctx, &v1alpha1.CustomerAgreement{}, partnerTenantRefField, func(o client.Object) []string {
		return []string{o.(*v1alpha1.CustomerAgreement).Spec.PartnerTenantRef.Name}
	}); err != nil {
		return err
	}
	return indexCustomers(ctx, c)
}

// indexCustomers indexes the cache's CustomerAgreements by customer (spec.customerTenantId,
// normalised) for the lists across namespaces the operator makes (claims, rivals, coverage).
// Hand-written instead of IndexField, which keeps a second key per object for lists within its
// namespace (unused here): at 100,000 customers, each has a set of its own under each key, tens of
// MiB. TestCustomerIndexListsAcrossNamespaces holds the names to controller-runtime's.
func indexCustomers(ctx context.Context, c cache.Cache) error {
	inf, err := c.GetInformer(ctx, &v1alpha1.CustomerAgreement{})
	if err != nil {
		return err
	}
	return inf.AddIndexers(toolscache.Indexers{customerIndexName: func(o any) ([]string, error) {
		ca, ok := o.(*v1alpha1.CustomerAgreement)
		if !ok {
			return nil, nil
		}
		return []string{customerIndexKeyPrefix + norm(ca.Spec.CustomerTenantID)}, nil
	}})
}
