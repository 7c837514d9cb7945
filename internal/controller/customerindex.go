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
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The cache's indexes of CustomerAgreements, under the names controller-runtime's cache reader
// looks up for a list across all namespaces with client.MatchingFields (its FieldIndexName and
// KeyToNamespacedKey("", value)); customerKeys reads them by the same names.
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

// customerKeys finds the CustomerAgreements an index selects by the keys of its entry, without
// copying an object: a PartnerTenant's events (its creation at start-up, its Lease acquired, a
// change of readiness) select every one of its customers, and a list from the cache copied each
// (640 bytes at least: 64 MiB at 100,000 customers, twice, at start-up among others). Built by
// SetupWithManager from the manager's cache; nil (a reconciler tested alone, on a fake client) lists
// through the reader instead.
type customerKeys struct {
	indexer toolscache.Indexer
}

// newCustomerKeys reads the index of c's CustomerAgreement informer (nil if the informer has
// none to read, as another cache's may not).
func newCustomerKeys(ctx context.Context, c cache.Cache) (*customerKeys, error) {
	inf, err := c.GetInformer(ctx, &v1alpha1.CustomerAgreement{})
	if err != nil {
		return nil, err
	}
	sii, ok := inf.(toolscache.SharedIndexInformer)
	if !ok {
		return nil, nil
	}
	return &customerKeys{indexer: sii.GetIndexer()}, nil
}

// requests are the CustomerAgreements whose field (indexed by indexCustomerAgreements) has value,
// but except.
func (k *customerKeys) requests(ctx context.Context, c client.Reader, field, value string, except client.ObjectKey) []reconcile.Request {
	if k == nil {
		return customerRequests(ctx, c, client.MatchingFields{field: value}, except)
	}
	keys, err := k.indexer.IndexKeys("field:"+field, customerIndexKeyPrefix+value)
	if err != nil {
		logf.FromContext(ctx).Error(err, "reading the index of CustomerAgreements", "field", field)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(keys))
	for _, key := range keys {
		ns, name, err := toolscache.SplitMetaNamespaceKey(key)
		if err != nil {
			continue
		}
		if key := (client.ObjectKey{Namespace: ns, Name: name}); key != except {
			reqs = append(reqs, reconcile.Request{NamespacedName: key})
		}
	}
	return reqs
}
