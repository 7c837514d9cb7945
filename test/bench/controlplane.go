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
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/operator"
)

const (
	credentialsNamespace = "mca-operator-system" //nolint:gosec // G101: the name of a namespace, not a credential
	customerNamespace    = "customers"
	partnerName          = "bench-provider"
	partnerTenantID      = "99999999-aaaa-4aaa-8aaa-999999999999"
	partnerClientID      = "c0000000-0000-4000-8000-0000000000b0"
	partnerClientSecret  = "bench-client-secret"
	partnerRefreshToken  = "bench-refresh-token"
	partnerSecretName    = "pc-bench-provider"
)

// controlPlane is one envtest control plane with an admin kubeconfig for the manager process.
type controlPlane struct {
	env        *envtest.Environment
	cfg        *rest.Config
	cl         client.WithWatch
	kubeconfig string
	// auditLog is the API server's audit log of writes (auditPolicy), with o.auditWrites.
	auditLog string
}

func startControlPlane(ctx context.Context, o options, dir string) (*controlPlane, error) {
	cp := &controlPlane{env: &envtest.Environment{CRDDirectoryPaths: []string{o.crdDir}, ErrorIfCRDPathMissing: true}}
	if o.auditWrites {
		var err error
		if cp.auditLog, err = configureAudit(cp.env, dir); err != nil {
			return nil, err
		}
	}
	cfg, err := cp.env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest: %w", err)
	}
	// The bench's own client is not throttled client-side: creating 10,000 objects at client-go's
	// default 5/s would take half an hour.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cp.cfg = cfg
	if cp.cl, err = client.NewWithWatch(cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		cp.stop()
		return nil, err
	}
	if cp.kubeconfig, err = cp.addUser("bench", dir); err != nil {
		cp.stop()
		return nil, err
	}
	for _, ns := range []string{credentialsNamespace, customerNamespace} {
		if err := cp.cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			cp.stop()
			return nil, err
		}
	}
	if err := cp.installPolicies(ctx, o.policiesDir); err != nil {
		cp.stop()
		return nil, err
	}
	return cp, nil
}

// addUser adds a user of the group system:masters, named as given (the API server's audit log
// names the user of each request), and writes its kubeconfig under dir.
func (cp *controlPlane) addUser(name, dir string) (string, error) {
	user, err := cp.env.AddUser(envtest.User{Name: name, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("adding the user %s: %w", name, err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("kubeconfig-%s-%d", name, time.Now().UnixNano()))
	return path, os.WriteFile(path, kc, 0o600)
}

func (cp *controlPlane) stop() {
	if err := cp.env.Stop(); err != nil {
		logf("stopping envtest: %v", err)
	}
}

// partnerTenant is one of the benchmark's partner tenants: its PartnerTenant, its tenant ID in the
// simulator and its credentials Secret.
type partnerTenant struct{ name, tenantID, secret string }

// benchTenant is the partner tenant of a shard: every phase uses shard 0's, the scale phase with
// --scale-shards the others too.
func benchTenant(shard int) partnerTenant {
	if shard == 0 {
		return partnerTenant{partnerName, partnerTenantID, partnerSecretName}
	}
	name := fmt.Sprintf("%s-%d", partnerName, shard)
	return partnerTenant{name, fmt.Sprintf("99999999-aaaa-4aaa-8aaa-%012d", shard), "pc-" + name}
}

// partnerTenantSpec is the benchmark's PartnerTenant for t: the simulator at simURL with the rate
// limit, open to CustomerAgreements of every namespace.
func partnerTenantSpec(t partnerTenant, simURL string, qps, burst int) v1alpha1.PartnerTenantSpec {
	return v1alpha1.PartnerTenantSpec{
		TenantID: t.tenantID, PartnerType: v1alpha1.PartnerTypeIndirectProvider,
		Endpoint: simURL, Authority: simURL,
		CredentialsSecretRef: v1alpha1.SecretReference{Name: t.secret},
		RateLimit:            &v1alpha1.RateLimit{QPS: int32Of(qps), Burst: int32Of(burst)},
		// The benchmark's one customers namespace may use it (absent, none may).
		AllowedNamespaces: &v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromAll},
	}
}

// int32Of is v for an int32 field of the API; the flags' values are far inside its range.
func int32Of(v int) int32 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int32(v)
}

// createPartnerTenant creates the credentials Secret the spec names and the PartnerTenant.
func (cp *controlPlane) createPartnerTenant(ctx context.Context, name string, spec v1alpha1.PartnerTenantSpec) error {
	if err := cp.cl.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: credentialsNamespace, Name: spec.CredentialsSecretRef.Name},
		StringData: map[string]string{"clientId": partnerClientID, "clientSecret": partnerClientSecret, "refreshToken": partnerRefreshToken},
	}); err != nil {
		return err
	}
	return cp.cl.Create(ctx, &v1alpha1.PartnerTenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec})
}

// createAll creates the CustomerAgreements with a few parallel writers.
func (cp *controlPlane) createAll(ctx context.Context, cas []*v1alpha1.CustomerAgreement, opts ...client.CreateOption) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cas) || ctx.Err() != nil {
					return
				}
				if err := cp.cl.Create(ctx, cas[i], opts...); err != nil {
					errs <- fmt.Errorf("creating %s: %w", cas[i].Name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// watchCustomers lists the namespace, then watches it from that resourceVersion (re-watching
// when the server closes the watch) until ctx ends.
func (cp *controlPlane) watchCustomers(ctx context.Context, t *tracker) error {
	var list v1alpha1.CustomerAgreementList
	if err := cp.cl.List(ctx, &list, client.InNamespace(customerNamespace)); err != nil {
		return err
	}
	rv := list.ResourceVersion
	ready := make(chan error, 1)
	go func() {
		first := true
		for ctx.Err() == nil {
			w, err := cp.cl.Watch(ctx, &v1alpha1.CustomerAgreementList{}, client.InNamespace(customerNamespace),
				&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
			if first {
				ready <- err
				first = false
			}
			if err != nil {
				if ctx.Err() == nil {
					logf("watch failed, retrying: %v", err)
					time.Sleep(time.Second)
				}
				continue
			}
			for ev := range w.ResultChan() {
				if ev.Type == watch.Error {
					if ctx.Err() != nil {
						break
					}
					logf("watch error event: %v", ev.Object)
					break
				}
				if o, ok := ev.Object.(client.Object); ok {
					rv = o.GetResourceVersion()
				}
				if ev.Type != watch.Bookmark {
					t.observe(ev)
				}
			}
			w.Stop()
		}
	}()
	return <-ready
}

var requestTotalRE = regexp.MustCompile(`^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$`)
var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// apiWrites returns the API server's count of mutating requests by resource[/subresource].
func (cp *controlPlane) apiWrites(ctx context.Context) (map[string]float64, error) {
	cs, err := kubernetes.NewForConfig(cp.cfg)
	if err != nil {
		return nil, err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := requestTotalRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[1], -1) {
			labels[l[1]] = l[2]
		}
		switch labels["verb"] {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, "APPLY", "DELETECOLLECTION":
		default:
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		k := labels["resource"]
		if s := labels["subresource"]; s != "" {
			k += "/" + s
		}
		out[k] += v
	}
	return out, nil
}

func diffWrites(before, after map[string]float64) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := int(v - before[k] + 0.5); d > 0 {
			out[k] = d
		}
	}
	return out
}

// tenantWrites are the resources whose writes come once per PartnerTenant or per process, however
// many customers: Leases (leader election, each PartnerTenant's writer, and the API server's own)
// and a PartnerTenant's status (its coverage count, once per --customers-list-interval).
var tenantWrites = map[string]bool{"leases": true, "partnertenants/status": true}

// tenantOnly is the part of d that tenantWrites are.
func tenantOnly(d map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range d {
		if tenantWrites[k] {
			out[k] = v
		}
	}
	return out
}

// customerWrites sums the writes that grow with customers (CustomerAgreements and their status,
// Secrets, events, records): all but tenantWrites.
func customerWrites(d map[string]int) int {
	n := 0
	for k, v := range d {
		if !tenantWrites[k] {
			n += v
		}
	}
	return n
}
