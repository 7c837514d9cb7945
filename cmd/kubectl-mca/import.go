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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	"github.com/mca-operator/mca-operator/internal/mca"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

type importOptions struct {
	partnerTenant string
	out           string
	policy        string
	output        string
	pageSize      int
	workers       int
	onlyMissing   bool
}

func (a *app) importCmd() *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import --partner-tenant NAME --namespace NS --out DIR",
		Short: "Write one CustomerAgreement per existing Partner Center customer (for Git)",
		Long: `import lists the partner's customers in Partner Center, reads each one's MCA records at the
PartnerTenant's rate limit and writes one CustomerAgreement per customer with a reseller
relationship into DIR, plus a kustomization.yaml listing them. The names derive from the company
names; the signatory of the newest attestation on record is prefilled. The default policy is
Observe: applying the files never writes to Partner Center.

Interrupt it at any time and run the same command again: files already in DIR are kept and their
customers are not read again.

With --only-missing it writes only the customers that no CustomerAgreement in the cluster manages
(none names them under a PartnerTenant of the same partner tenant id, in a namespace that
PartnerTenant allows): those that kubectl mca status --unmanaged lists.`,
		Example: `  kubectl mca import --partner-tenant contoso-csp -n customers --out ./customers
  kubectl mca import --partner-tenant contoso-csp -n customers -o yaml > customers.yaml
  kubectl mca import --partner-tenant contoso-csp -n customers --out ./customers --only-missing`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runImport(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.partnerTenant, "partner-tenant", "", "The PartnerTenant whose customers to import (required).")
	f.StringVar(&o.out, "out", "", "Directory for the manifests and kustomization.yaml (required unless -o yaml).")
	f.StringVar(&o.policy, "policy", string(v1alpha1.ManagementPolicyObserve), "spec.managementPolicy of the manifests: Observe or Manage.")
	f.StringVarP(&o.output, "output", "o", "", "yaml: write the manifests to stdout instead of --out.")
	f.IntVar(&o.pageSize, "page-size", 100, "Customers per Partner Center page.")
	f.IntVar(&o.workers, "workers", 0, "Concurrent reads (default: from the PartnerTenant's burst).")
	f.BoolVar(&o.onlyMissing, "only-missing", false, "Only the customers that no CustomerAgreement in the cluster manages.")
	_ = cmd.MarkFlagRequired("partner-tenant")
	return cmd
}

// importSummary is what an import did.
type importSummary struct {
	Listed          int            `json:"listed"`
	NotReseller     int            `json:"notReseller"`
	Managed         int            `json:"managed,omitempty"`
	InvalidTenantID int            `json:"invalidTenantId"`
	Written         int            `json:"written"`
	Kept            int            `json:"kept"`
	Skipped         int            `json:"skipped"`
	Failed          int            `json:"failed"`
	ByState         map[string]int `json:"byState"`
	Interrupted     bool           `json:"interrupted"`
}

type importJob struct {
	cust     pc.Customer
	tenantID string
	name     string
}

// runImport validates the flags, reads the PartnerTenant, lists its customers into a pool of
// workers that read and render one customer each, then writes what they rendered and reports.
func (a *app) runImport(ctx context.Context, o *importOptions) error {
	policy, toStdout, err := o.validate()
	if err != nil {
		return err
	}
	ns, pt, pcc, err := a.importTarget(ctx, o.partnerTenant)
	if err != nil {
		return err
	}
	r := &importRun{
		pcc: pcc, pt: pt, ns: ns, dir: o.out, toStdout: toStdout, policy: policy,
		existing: map[string]string{}, used: map[string]bool{}, seen: map[string]bool{},
		sum: importSummary{ByState: map[string]int{}}, docs: map[string][]byte{},
	}
	if !toStdout {
		if r.existing, r.used, err = prepareOutDir(o.out); err != nil {
			return err
		}
	}
	if o.onlyMissing {
		kc, err := a.kube()
		if err != nil {
			return err
		}
		if r.managed, err = managedCustomers(ctx, kc, pt); err != nil {
			return err
		}
	}
	workers := importWorkers(o.workers, pt)
	r.prog = a.newProgress(a.streams.ErrOut)
	r.rules = mca.DefaultPolicy()
	r.now = a.now()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	listErr := r.run(ctx, o.pageSize, workers)

	if err := r.emit(a.streams.Out); err != nil {
		return err
	}
	summaryOut := a.streams.Out
	if toStdout {
		summaryOut = a.streams.ErrOut
	}
	printImportSummary(summaryOut, r.sum, r.failures, o.out, toStdout)
	return r.outcome(ctx, listErr)
}

// validate checks --policy and -o/--out: the policy of the manifests and whether they go to stdout.
func (o *importOptions) validate() (v1alpha1.ManagementPolicy, bool, error) {
	policy := v1alpha1.ManagementPolicy(o.policy)
	if policy != v1alpha1.ManagementPolicyObserve && policy != v1alpha1.ManagementPolicyManage {
		return "", false, fmt.Errorf("--policy must be Observe or Manage, not %q", o.policy)
	}
	switch o.output {
	case "":
		if o.out == "" {
			return "", false, errors.New("--out DIR is required (or -o yaml for stdout)")
		}
		return policy, false, nil
	case "yaml":
		return policy, true, nil
	default:
		return "", false, fmt.Errorf("-o %s: only yaml is supported", o.output)
	}
}

// importTarget resolves the namespace, reads the PartnerTenant (warning when it does not admit the
// namespace) and opens its Partner Center client.
func (a *app) importTarget(ctx context.Context, ptName string) (string, *v1alpha1.PartnerTenant, *pc.Client, error) {
	ns, err := a.namespace()
	if err != nil {
		return "", nil, nil, err
	}
	kc, err := a.kube()
	if err != nil {
		return "", nil, nil, err
	}
	pt := &v1alpha1.PartnerTenant{}
	if err := kc.Get(ctx, client.ObjectKey{Name: ptName}, pt); err != nil {
		return "", nil, nil, fmt.Errorf("reading PartnerTenant %s: %w", ptName, err)
	}
	if warn := a.namespaceWarning(ctx, kc, pt, ns); warn != "" {
		fmt.Fprintln(a.streams.ErrOut, "Warning:", warn)
	}
	pcc, err := a.partnerCenter(kc, pt)
	if err != nil {
		return "", nil, nil, err
	}
	return ns, pt, pcc, nil
}

// prepareOutDir creates dir and reads what an earlier run left in it (see scanDir).
func prepareOutDir(dir string) (map[string]string, map[string]bool, error) {
	// Manifests for git and kubectl, no secrets: readable like the files a user writes.
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: see above
		return nil, nil, err
	}
	return scanDir(dir)
}

// importWorkers is --workers, or by default twice the PartnerTenant's burst within [4, 64].
func importWorkers(flag int, pt *v1alpha1.PartnerTenant) int {
	_, burst := pc.RateLimitOf(pt.Spec.RateLimit)
	if flag > 0 {
		return flag
	}
	return min(64, max(4, 2*burst))
}

// importRun is one import in progress: what the workers share with the listing.
type importRun struct {
	pcc      *pc.Client
	pt       *v1alpha1.PartnerTenant
	ns       string
	dir      string // --out
	toStdout bool   // -o yaml
	policy   v1alpha1.ManagementPolicy
	rules    mca.Policy
	now      time.Time
	prog     *progress
	cancel   context.CancelFunc // stops the import after a write failure

	// Read and written by the listing only.
	existing map[string]string // customer tenant id → file, from an earlier run
	managed  map[string]bool   // --only-missing: the customers a CustomerAgreement manages
	used     map[string]bool   // names taken
	seen     map[string]bool   // customer tenant ids listed

	mu       sync.Mutex // guards the fields below
	sum      importSummary
	failures []string
	docs     map[string][]byte // -o yaml: name → manifest
	fatal    error             // the first write failure
}

// run starts the workers, feeds them the customers listed and waits until they are done. It
// returns the listing's error.
func (r *importRun) run(ctx context.Context, pageSize, workers int) error {
	jobs := make(chan importJob, 2*pageSize)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx, jobs)
		}()
	}
	guard := listGuard{listed: map[string]bool{}}
	listErr := r.pcc.ListCustomers(ctx, pageSize, func(page pc.CustomersPage) error {
		if err := guard.check(page); err != nil {
			return err
		}
		return r.listPage(ctx, page, jobs)
	})
	close(jobs)
	wg.Wait()
	r.prog.finish()
	r.sum.Interrupted = ctx.Err() != nil
	return listErr
}

// work reads and renders the customers it receives until jobs is closed.
func (r *importRun) work(ctx context.Context, jobs <-chan importJob) {
	for j := range jobs {
		state, doc, err := importOne(ctx, r.pcc, r.pt, r.ns, j, r.policy, r.rules, r.now)
		r.mu.Lock()
		if err == nil {
			r.keep(j, doc)
		}
		r.tally(ctx, j, state, err)
		r.mu.Unlock()
		r.prog.add(1)
	}
}

// keep holds one manifest for stdout or writes it to its file; the first write failure stops the
// import. r.mu is held.
func (r *importRun) keep(j importJob, doc []byte) {
	if r.toStdout {
		r.docs[j.name] = doc
		return
	}
	if err := writeAtomic(filepath.Join(r.dir, j.name+".yaml"), doc); err != nil && r.fatal == nil {
		r.fatal = err
		r.cancel()
	}
}

// tally counts one customer read (or not) into the summary. r.mu is held.
func (r *importRun) tally(ctx context.Context, j importJob, state v1alpha1.AgreementState, err error) {
	switch {
	case err == nil:
		r.sum.Written++
		r.sum.ByState[string(state)]++
	case ctx.Err() != nil:
		// interrupted: not counted, the next run reads it
	case pc.KindOf(err) == pc.KindNoRelationship || pc.KindOf(err) == pc.KindCustomerNotFound:
		r.sum.Skipped++
		r.failures = append(r.failures, fmt.Sprintf("skipped %s (%s): %v", j.tenantID, j.name, err))
	default:
		r.sum.Failed++
		r.failures = append(r.failures, fmt.Sprintf("failed %s (%s): %v", j.tenantID, j.name, err))
	}
}

// listPage hands the page's customers to import to the workers and counts the others.
func (r *importRun) listPage(ctx context.Context, page pc.CustomersPage, jobs chan<- importJob) error {
	if page.TotalCount > 0 {
		r.prog.setTotal(page.TotalCount)
	}
	for _, c := range page.Customers {
		j, ok := r.admit(c)
		if !ok {
			r.prog.add(1)
			continue
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// admit counts one listed customer and says whether to read it: not when it has no reseller
// relationship, an invalid tenant id, was listed before, a CustomerAgreement manages it
// (--only-missing) or has its file from an earlier run. A
// customer to read gets its unique name.
func (r *importRun) admit(c pc.Customer) (importJob, bool) {
	r.locked(func() { r.sum.Listed++ })
	id, ok := customerTenantID(c.TenantID)
	switch {
	case !c.IsReseller():
		r.locked(func() { r.sum.NotReseller++ })
		return importJob{}, false
	case !ok:
		r.locked(func() {
			r.sum.InvalidTenantID++
			r.failures = append(r.failures, fmt.Sprintf("skipped %q: the tenant id is not a GUID", c.TenantID))
		})
		return importJob{}, false
	case r.seen[id]:
		return importJob{}, false
	}
	r.seen[id] = true
	if r.managed[id] {
		r.locked(func() { r.sum.Managed++ })
		return importJob{}, false
	}
	if _, ok := r.existing[id]; ok {
		r.locked(func() { r.sum.Kept++ })
		return importJob{}, false
	}
	name := uniqueName(baseName(companyName(c, id), id), id, r.used)
	r.used[name] = true
	return importJob{cust: c, tenantID: id, name: name}, true
}

// locked runs f with r.mu held.
func (r *importRun) locked(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

// emit writes the manifests to out (-o yaml) in name order, or the kustomization.yaml of the
// directory.
func (r *importRun) emit(out io.Writer) error {
	if !r.toStdout {
		return writeKustomization(r.dir, r.ns)
	}
	names := make([]string, 0, len(r.docs))
	for n := range r.docs {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			fmt.Fprintln(out, "---")
		}
		_, _ = out.Write(r.docs[n])
	}
	return nil
}

// outcome is the import's error, after the summary: a write failure, an interruption, a listing
// that failed, or customers that could not be read.
func (r *importRun) outcome(ctx context.Context, listErr error) error {
	switch {
	case r.fatal != nil:
		return r.fatal
	case r.sum.Interrupted || (listErr != nil && ctx.Err() != nil):
		return errors.New("interrupted: run the same command again to resume (the files written are kept)")
	case listErr != nil:
		return fmt.Errorf("listing customers: %w", listErr)
	case r.sum.Failed > 0:
		return fmt.Errorf("%d customers could not be read; run the same command again to retry them", r.sum.Failed)
	}
	return nil
}

// listGuard stops a customers list that does not end (next links with a fresh continuation token
// on every page): more pages than the count the first page announced allows, or a page that lists
// only customers listed before.
type listGuard struct {
	pages     int
	announced int // the first page's totalCount (0: none)
	maxPages  int // from announced and the first page's size (0: no limit)
	listed    map[string]bool
}

func (g *listGuard) check(page pc.CustomersPage) error {
	g.pages++
	if g.pages == 1 && page.TotalCount > 0 {
		g.announced = page.TotalCount
		perPage := max(1, len(page.Customers))
		// One page more than the count needs: customers added while the list is read.
		g.maxPages = (g.announced+perPage-1)/perPage + 1
	}
	if g.maxPages > 0 && g.pages > g.maxPages {
		return fmt.Errorf("stopped at page %d: the first page announced %d customers, %d pages at most, but the next links do not end", g.pages, g.announced, g.maxPages)
	}
	fresh := 0
	for _, c := range page.Customers {
		if id := strings.ToLower(strings.TrimSpace(c.TenantID)); !g.listed[id] {
			g.listed[id] = true
			fresh++
		}
	}
	if len(page.Customers) > 0 && fresh == 0 {
		return fmt.Errorf("stopped at page %d: it lists only customers listed on earlier pages, so the next links do not advance", g.pages)
	}
	return nil
}

// importOne reads one customer's records and renders its manifest.
func importOne(ctx context.Context, pcc *pc.Client, pt *v1alpha1.PartnerTenant, ns string, j importJob,
	policy v1alpha1.ManagementPolicy, rules mca.Policy, now time.Time) (v1alpha1.AgreementState, []byte, error) {
	recs, err := pcc.ListCustomerAgreements(ctx, j.cust.TenantID)
	if err != nil {
		return "", nil, err
	}
	obs := mca.Observation{}
	for _, r := range recs {
		obs.Records = append(obs.Records, mca.Record{DateAgreed: r.DateAgreed})
	}
	st := rules.Classify(obs, now).State
	doc, err := renderManifest(pt.Name, ns, j.name, j.tenantID, j.cust, recs, policy, st)
	return st, doc, err
}

// namespaceWarning says when the PartnerTenant's allowedNamespaces does not admit ns.
func (a *app) namespaceWarning(ctx context.Context, kc client.Client, pt *v1alpha1.PartnerTenant, ns string) string {
	an := pt.Spec.AllowedNamespaces
	if an == nil {
		return fmt.Sprintf("PartnerTenant %s has no spec.allowedNamespaces, so no namespace may use it: "+
			"the CustomerAgreements in %s will stall with NamespaceNotAllowed until it admits %s.", pt.Name, ns, ns)
	}
	if an.From == v1alpha1.NamespacesFromAll {
		return ""
	}
	var nsObj corev1.Namespace
	if err := kc.Get(ctx, client.ObjectKey{Name: ns}, &nsObj); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("namespace %s does not exist yet; PartnerTenant %s admits only the namespaces its spec.allowedNamespaces.selector matches.", ns, pt.Name)
		}
		return fmt.Sprintf("cannot check namespace %s against PartnerTenant %s's spec.allowedNamespaces: %v", ns, pt.Name, err)
	}
	sel, err := metav1.LabelSelectorAsSelector(an.Selector)
	if err != nil || an.Selector == nil {
		return fmt.Sprintf("PartnerTenant %s has an invalid spec.allowedNamespaces.selector; namespace %s is not admitted.", pt.Name, ns)
	}
	if !sel.Matches(labels.Set(nsObj.Labels)) {
		return fmt.Sprintf("namespace %s does not match PartnerTenant %s's spec.allowedNamespaces.selector (%s): its CustomerAgreements will stall with NamespaceNotAllowed.", ns, pt.Name, sel)
	}
	return ""
}

// scanDir reads the manifests an earlier import wrote: customer tenant id → name, and the names
// in use.
func scanDir(dir string) (map[string]string, map[string]bool, error) {
	byTenant, used := map[string]string{}, map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".yaml") || n == "kustomization.yaml" {
			if strings.HasPrefix(n, ".import-") {
				_ = os.Remove(filepath.Join(dir, n)) // left by an interrupted write
			}
			continue
		}
		used[strings.TrimSuffix(n, ".yaml")] = true
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, nil, err
		}
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				CustomerTenantID string `json:"customerTenantId"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &m); err != nil || m.Kind != "CustomerAgreement" {
			continue
		}
		used[m.Metadata.Name] = true
		byTenant[strings.ToLower(m.Spec.CustomerTenantID)] = n
	}
	return byTenant, used, nil
}

// writeAtomic writes a file whole or not at all: an interruption never leaves half a manifest.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".import-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	// CreateTemp makes the file 0600; a manifest gets the mode of the files a user writes.
	if err := os.Chmod(f.Name(), 0o644); err != nil { //nolint:gosec // G302: see above
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// kustomization is the kustomization.yaml an import writes.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
}

// writeKustomization lists every CustomerAgreement manifest in dir (rewritten only on change).
func writeKustomization(dir, ns string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	res := []string{}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".yaml") && n != "kustomization.yaml" && !strings.HasPrefix(n, ".") {
			res = append(res, n)
		}
	}
	slices.Sort(res)
	b, err := encodeYAML(kustomization{
		APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Namespace: ns, Resources: res,
	}, []string{"Written by kubectl mca import: one CustomerAgreement per customer."})
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "kustomization.yaml")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return writeAtomic(path, b)
}

func printImportSummary(w io.Writer, s importSummary, failures []string, dir string, stdout bool) {
	for _, f := range failures {
		fmt.Fprintln(w, f)
	}
	fmt.Fprintf(w, "Customers listed: %d", s.Listed)
	if s.NotReseller > 0 {
		fmt.Fprintf(w, " (%d without a reseller relationship, not imported)", s.NotReseller)
	}
	if s.Managed > 0 {
		fmt.Fprintf(w, "; %d already managed by a CustomerAgreement, not imported", s.Managed)
	}
	fmt.Fprintln(w)
	where := "written to " + dir
	if stdout {
		where = "written to stdout"
	}
	fmt.Fprintf(w, "CustomerAgreements %s: %d; kept from an earlier run: %d; skipped: %d; failed: %d\n", where, s.Written, s.Kept, s.Skipped+s.InvalidTenantID, s.Failed)
	if len(s.ByState) > 0 {
		var parts []string
		for _, st := range []v1alpha1.AgreementState{v1alpha1.StateAttested, v1alpha1.StateLegacy, v1alpha1.StateBlocked, v1alpha1.StateNoMCA} {
			if n := s.ByState[string(st)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", st, n))
			}
		}
		fmt.Fprintf(w, "By state (customers read now): %s\n", strings.Join(parts, ", "))
	}
	if s.Interrupted {
		fmt.Fprintln(w, "Interrupted: run the same command again to resume.")
	} else if !stdout {
		fmt.Fprintf(w, "Next: review, commit %s to Git and let Argo CD or Flux apply it (kubectl apply -k %s).\n", dir, dir)
	}
}
