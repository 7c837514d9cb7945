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
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// ProbeCheck is one modeled (or documented) shape compared with the real answer. Expected and
// Actual describe shapes only (field names, status words, codes, HTTP statuses): never a token,
// a secret, a link or a person's data.
type ProbeCheck struct {
	Check    string `json:"check"`
	Expected string `json:"expected"`
	Result   string `json:"result"` // match, DIFFERS, skipped
	Actual   string `json:"actual,omitempty"`
}

// ProbeReport is `kubectl mca probe -o json`.
type ProbeReport struct {
	PartnerTenant string       `json:"partnerTenant"`
	Checks        []ProbeCheck `json:"checks"`
	Differences   int          `json:"differences"`
}

const (
	resultMatch   = "match"
	resultDiffers = "DIFFERS"
	resultSkipped = "skipped"
)

type probeOptions struct {
	partnerTenant, customer, output string
	attest, confirmed               bool
	company, first, last, email     string
}

func (a *app) probeCmd() *cobra.Command {
	o := &probeOptions{}
	cmd := &cobra.Command{
		Use:   "probe --partner-tenant NAME [--customer ID] [--attest --customer ID --company NAME --signatory-... [--yes-i-am-attesting]]",
		Short: "Check a Partner Center tenant (the integration sandbox) against the modeled shapes",
		Long: `probe calls Partner Center for a PartnerTenant, with the operator's credentials and client, and
compares each answer with the shape the operator expects: tokens of both kinds, agreement metadata,
the customers list and its paging, a customer's agreements (collection or bare array), the
direct-acceptance status, the agreement document and the error body.

With --attest it also starts one enhanced attestation and checks the start answer, the GET of the
attestation and the create-before-acceptance refusal. Starting an attestation is a legal act, so
--attest needs a PartnerTenant annotated ` + v1alpha1.AnnotationIntegrationSandbox + `=true (the
integration sandbox), an explicit --customer, --company and signatory, and a confirmation: it shows
what it will send and asks, or --yes-i-am-attesting.

It prints, for each shape, whether the answer matched and what it was instead; -o json gives the
same for a bug report. It never prints a token, a secret or an acceptance link. It exits with 2
when a shape differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runProbe(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.partnerTenant, "partner-tenant", "", "The PartnerTenant to probe (required).")
	f.StringVar(&o.customer, "customer", "", "Customer tenant id to read (default: the first reseller customer listed; required with --attest).")
	f.BoolVar(&o.attest, "attest", false, "Also start one enhanced attestation for --customer (a legal act: integration sandbox PartnerTenants only).")
	f.BoolVar(&o.confirmed, "yes-i-am-attesting", false, "--attest: confirm without the prompt that the attestation may be sent.")
	f.StringVar(&o.company, "company", "", "--attest: the customer's company name (required).")
	f.StringVar(&o.first, "signatory-first-name", "", "--attest: signatory first name (required).")
	f.StringVar(&o.last, "signatory-last-name", "", "--attest: signatory last name (required).")
	f.StringVar(&o.email, "signatory-email", "", "--attest: signatory email (required).")
	f.StringVarP(&o.output, "output", "o", "", "json for a bug report.")
	_ = cmd.MarkFlagRequired("partner-tenant")
	return cmd
}

// prober runs the checks.
type prober struct {
	ctx    context.Context
	pcc    *pc.Client
	checks []ProbeCheck
}

func (p *prober) add(check, expected string, ok bool, actual string) {
	r := resultMatch
	if !ok {
		r = resultDiffers
	} else {
		actual = ""
	}
	p.checks = append(p.checks, ProbeCheck{Check: check, Expected: expected, Result: r, Actual: actual})
}

func (p *prober) skip(check, expected, why string) {
	p.checks = append(p.checks, ProbeCheck{Check: check, Expected: expected, Result: resultSkipped, Actual: why})
}

// get sends one request and decodes a JSON answer; problem describes a failure safely.
func (p *prober) call(method, path string, appOnly bool, body any) (status int, v any, problem string) {
	r, err := p.pcc.Probe(p.ctx, method, path, appOnly, body)
	if err != nil {
		return 0, nil, fmt.Sprintf("no answer (%s)", pc.KindOf(err))
	}
	if len(strings.TrimSpace(string(r.Body))) > 0 {
		if err := json.Unmarshal(r.Body, &v); err != nil {
			return r.Status, nil, fmt.Sprintf("HTTP %d, body is not JSON", r.Status)
		}
	}
	return r.Status, v, ""
}

// What the probe reports for a collection envelope and for a missing field.
const (
	envelopeCollection = "collection"
	absent             = "absent"
)

// envelope says which collection shape v has and returns its items.
func envelope(v any) (string, []any) {
	switch x := v.(type) {
	case []any:
		return "bare array", x
	case map[string]any:
		items, ok := x["items"].([]any)
		if !ok {
			return "object without items", nil
		}
		if _, ok := x["totalCount"]; !ok {
			return "{items} without totalCount", items
		}
		return envelopeCollection, items
	default:
		return fmt.Sprintf("%T", v), nil
	}
}

// keys lists an object's field names, escaped (see printable): the server chose them.
func keys(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, printable(k))
	}
	sort.Strings(out)
	return out
}

// missing returns the fields of want that m lacks.
func missing(v any, want ...string) []string {
	m, _ := v.(map[string]any)
	var out []string
	for _, k := range want {
		if _, ok := m[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any, k string) string {
	m, _ := v.(map[string]any)
	s, _ := m[k].(string)
	return s
}

// codeShape says how an error body carries its code: "number 600062" or "string \"600062\"" (a
// string escaped, see printable).
func codeShape(v any) (kind, code string) {
	m, _ := v.(map[string]any)
	switch c := m["code"].(type) {
	case float64:
		return "number", fmt.Sprintf("%.0f", c)
	case string:
		return "string", printable(c)
	case nil:
		return absent, ""
	default:
		return fmt.Sprintf("%T", c), ""
	}
}

const mcaQuery = "agreementType=" + pc.AgreementTypeMCA

func (a *app) runProbe(ctx context.Context, o *probeOptions) error {
	kc, err := a.kube()
	if err != nil {
		return err
	}
	var pt v1alpha1.PartnerTenant
	if err := kc.Get(ctx, client.ObjectKey{Name: o.partnerTenant}, &pt); err != nil {
		return fmt.Errorf("reading PartnerTenant %s: %w", o.partnerTenant, err)
	}
	if o.attest {
		if err := a.confirmAttest(&pt, o); err != nil {
			return err
		}
	}
	pcc, err := a.partnerCenter(kc, &pt)
	if err != nil {
		return err
	}
	p := &prober{ctx: ctx, pcc: pcc}
	p.run(o)
	rep := ProbeReport{PartnerTenant: pt.Name, Checks: p.checks}
	for _, c := range rep.Checks {
		if c.Result == resultDiffers {
			rep.Differences++
		}
	}
	switch o.output {
	case outputJSON:
		if err := encodeJSON(a.streams.Out, rep); err != nil {
			return err
		}
	case "":
		printProbe(a.streams.Out, rep)
	default:
		return fmt.Errorf("-o %s: use json or leave it out", o.output)
	}
	if rep.Differences > 0 {
		fmt.Fprintf(a.streams.ErrOut, "%d shapes differ from the model.\n", rep.Differences)
		return exitError{code: 2}
	}
	return nil
}

// The attestation --attest starts: its body, and its link lifetime in minutes.
const probeLinkMinutes = 60

func probeAttestationBody(o *probeOptions) map[string]any {
	return map[string]any{"companyName": o.company, "country": "US", "language": "en-US",
		"signatoryFirstName": o.first, "signatoryLastName": o.last, "signatoryEmail": o.email, "expirationTime": probeLinkMinutes}
}

// confirmAttest lets --attest go ahead only for an integration sandbox PartnerTenant, an explicit
// customer, company and valid signatory, and a confirmation: --yes-i-am-attesting, or a "yes"
// typed at a prompt that shows what will be sent.
func (a *app) confirmAttest(pt *v1alpha1.PartnerTenant, o *probeOptions) error {
	if pt.Annotations[v1alpha1.AnnotationIntegrationSandbox] != annotationTrue {
		return fmt.Errorf("--attest starts a real attestation, a legal act: PartnerTenant %s is not marked as the integration sandbox "+
			"(kubectl annotate partnertenant %s %s=true, if it is one)", pt.Name, pt.Name, v1alpha1.AnnotationIntegrationSandbox)
	}
	if o.customer == "" || o.company == "" {
		return errors.New("--attest needs --customer (the customer tenant id) and --company: it never picks a customer itself")
	}
	if _, ok := customerTenantID(o.customer); !ok {
		return fmt.Errorf("--customer %q is not a customer tenant id (a GUID)", o.customer)
	}
	if why := signatoryProblem(v1alpha1.Signatory{FirstName: o.first, LastName: o.last, Email: o.email}); why != "" {
		return fmt.Errorf("--attest needs the customer's authorised signatory (--signatory-first-name, --signatory-last-name, --signatory-email); this one has %s", why)
	}
	if o.confirmed {
		return nil
	}
	if !a.isTerminal(a.streams.In) {
		return errors.New("--attest starts a real attestation, a legal act: confirm with --yes-i-am-attesting (no terminal to ask on)")
	}
	w := a.streams.ErrOut
	fmt.Fprintf(w, "This starts an enhanced attestation, a legal act, with PartnerTenant %s (partner tenant %s, %s):\n",
		pt.Name, pt.Spec.TenantID, pt.Spec.Endpoint)
	fmt.Fprintln(w, "  POST /v1/attestations/enhanced")
	body := probeAttestationBody(o)
	names := make([]string, 0, len(body))
	for k := range body {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "    %s: %s\n", k, printable(fmt.Sprint(body[k])))
	}
	fmt.Fprintf(w, "  then POST /v1/customers/%s/agreements with the attestation id (refused until the customer accepts).\n", printable(o.customer))
	fmt.Fprint(w, "Type yes to send it: ")
	line, _ := bufio.NewReader(a.streams.In).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return errors.New("not confirmed: nothing was sent")
	}
	return nil
}

func (p *prober) run(o *probeOptions) {
	// Tokens (§2).
	appUser := p.pcc.ProbeToken(p.ctx, false)
	p.add("token App+User (refresh_token grant)", "a token", appUser == nil, fmt.Sprintf("refused (%s)", pc.KindOf(appUser)))
	appOnly := p.pcc.ProbeToken(p.ctx, true)
	p.add("token App-only (client_credentials grant)", "a token", appOnly == nil, fmt.Sprintf("refused (%s)", pc.KindOf(appOnly)))
	if appUser != nil {
		p.skip("the App+User reads", "", "no App+User token")
		return
	}

	// Agreement metadata (§3.1).
	templateID := ""
	st, v, prob := p.call(http.MethodGet, "/v1/agreements?"+mcaQuery, false, nil)
	if prob != "" || st != http.StatusOK {
		p.add("metadata: answer", "HTTP 200", false, orStatus(prob, st))
	} else {
		env, items := envelope(v)
		p.add("metadata: envelope", "collection {totalCount, items}", env == envelopeCollection, env)
		if len(items) == 0 {
			p.add("metadata: items", "one MicrosoftCustomerAgreement item", false, "no items")
		} else {
			it := items[0]
			_, hasAT := obj(it)["agreementType"]
			p.add("metadata: type field", `"agreementType"`, hasAT, "fields "+strings.Join(keys(it), ", "))
			templateID = str(it, "templateId")
			p.add("metadata: templateId", "present", templateID != "", absent)
		}
	}

	// Customers list and paging (§7).
	customer := strings.ToLower(o.customer)
	st, v, prob = p.call(http.MethodGet, "/v1/customers?size=2", false, nil)
	if prob != "" || st != http.StatusOK {
		p.add("customers: answer", "HTTP 200", false, orStatus(prob, st))
	} else {
		env, items := envelope(v)
		p.add("customers: envelope", "collection {totalCount, items, links}", env == envelopeCollection, env)
		if len(items) > 0 {
			miss := missing(items[0], "id", "companyProfile", "relationshipToPartner")
			miss = append(miss, prefixed("companyProfile.", missing(obj(items[0])["companyProfile"], "tenantId", "domain", "companyName"))...)
			p.add("customers: item fields", "id, companyProfile{tenantId, domain, companyName}, relationshipToPartner", len(miss) == 0, "missing "+strings.Join(miss, ", "))
			for _, it := range items {
				if customer == "" && strings.EqualFold(str(it, "relationshipToPartner"), "reseller") {
					customer = strings.ToLower(str(it, "id"))
				}
			}
		}
		p.paging(v)
	}

	if customer == "" {
		p.skip("a customer's reads", "", "no reseller customer listed and no --customer given")
	} else {
		p.customerReads(customer)
	}

	// Agreement document (§3.4).
	if templateID == "" {
		p.skip("document", "", "no template id")
	} else {
		st, v, prob = p.call(http.MethodGet, "/v1/agreementtemplates/"+url.PathEscape(templateID)+"/document?language=en-US&country=US", false, nil)
		if prob != "" || st != http.StatusOK {
			p.add("document: answer", "HTTP 200", false, orStatus(prob, st))
		} else {
			miss := missing(v, "displayUri", "downloadUri", "language", "country")
			p.add("document: fields", "displayUri, downloadUri, language, country", len(miss) == 0, "missing "+strings.Join(miss, ", ")+"; fields "+strings.Join(keys(v), ", "))
		}
	}

	// Error body (§1): an unknown customer.
	st, v, prob = p.call(http.MethodGet, "/v1/customers/"+uuid.NewString()+"/agreements?"+mcaQuery, false, nil)
	if prob != "" {
		p.add("error body: unknown customer", "HTTP 404 with a JSON code", false, prob)
	} else {
		kind, code := codeShape(v)
		p.add("error body: unknown customer status", "HTTP 404", st == http.StatusNotFound, fmt.Sprintf("HTTP %d", st))
		p.add("error body: code", "a JSON number", kind == "number", fmt.Sprintf("a JSON %s (%s)", kind, code))
	}

	if o.attest {
		if customer == "" || templateID == "" || appOnly != nil {
			p.skip("enhanced attestation", "", "needs a customer, the template id and an App-only token")
			return
		}
		p.attest(o, customer, templateID)
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

func orStatus(problem string, status int) string {
	if problem != "" {
		return problem
	}
	return fmt.Sprintf("HTTP %d", status)
}

// paging follows links.next of the first customers page.
func (p *prober) paging(v any) {
	links, _ := obj(v)["links"].(map[string]any)
	next, _ := links["next"].(map[string]any)
	if next == nil {
		p.skip("customers: paging", "links.next with an MS-ContinuationToken header", "one page only (two customers or fewer)")
		return
	}
	hdrs, _ := next["headers"].([]any)
	token := ""
	for _, h := range hdrs {
		if strings.EqualFold(str(h, "key"), pc.HeaderContinuationToken) {
			token = str(h, "value")
		}
	}
	uri := str(next, "uri")
	p.add("customers: links.next", "uri and an MS-ContinuationToken header", uri != "" && token != "", fmt.Sprintf("uri present %t, header keys %d", uri != "", len(hdrs)))
	// The client's own paging (the one import uses) must get past the first page.
	pages := 0
	err := p.pcc.ListCustomers(p.ctx, 2, func(pc.CustomersPage) error {
		pages++
		if pages == 2 {
			return errStopPaging
		}
		return nil
	})
	p.add("customers: next page", "HTTP 200 for the page links.next names", errors.Is(err, errStopPaging), fmt.Sprintf("%d page(s), then %s", pages, pc.KindOf(err)))
}

var errStopPaging = fmt.Errorf("enough pages")

func (p *prober) customerReads(id string) {
	st, v, prob := p.call(http.MethodGet, "/v1/customers/"+url.PathEscape(id)+"/agreements?"+mcaQuery, false, nil)
	if prob != "" || st != http.StatusOK {
		p.add("agreements: answer", "HTTP 200", false, orStatus(prob, st))
	} else {
		env, items := envelope(v)
		p.add("agreements: envelope", "collection {totalCount, items} (a bare array is tolerated)", env == envelopeCollection, env)
		if len(items) == 0 {
			p.skip("agreements: record fields", "primaryContact{firstName, lastName, email, phoneNumber}, templateId, dateAgreed, type", "the customer has no MCA record")
		} else {
			it := items[0]
			miss := missing(it, "primaryContact", "templateId", "dateAgreed", "type")
			miss = append(miss, prefixed("primaryContact.", missing(obj(it)["primaryContact"], "firstName", "lastName", "email", "phoneNumber"))...)
			p.add("agreements: record fields", "primaryContact{firstName, lastName, email, phoneNumber}, templateId, dateAgreed, type", len(miss) == 0, "missing "+strings.Join(miss, ", "))
			d := str(it, "dateAgreed")
			zoneless := len(d) >= 19 && !strings.HasSuffix(d, "Z") && !strings.ContainsAny(d[19:], "+-")
			shape := "with a zone suffix"
			if d == "" {
				shape = absent
			}
			p.add("agreements: dateAgreed", "ISO 8601 without zone, read as UTC (2022-06-14T00:00:00)", zoneless, shape)
			p.add("agreements: type", pc.AgreementTypeMCA, str(it, "type") == pc.AgreementTypeMCA, fmt.Sprintf("%q", str(it, "type")))
		}
	}
	st, v, prob = p.call(http.MethodGet, "/v1/customers/"+url.PathEscape(id)+"/directSignedMicrosoftCustomerAgreementStatus", false, nil)
	if prob != "" || st != http.StatusOK {
		p.add("direct acceptance: answer", "HTTP 200", false, orStatus(prob, st))
	} else {
		_, isBool := obj(v)["isSigned"].(bool)
		p.add("direct acceptance: isSigned", "a JSON boolean", isBool, "fields "+strings.Join(keys(v), ", "))
	}
}

// attest starts one enhanced attestation and checks each modeled step (§4.1).
func (p *prober) attest(o *probeOptions, customer, templateID string) {
	st, v, prob := p.call(http.MethodPost, "/v1/attestations/enhanced", true, probeAttestationBody(o))
	if prob != "" || (st != http.StatusCreated && st != http.StatusOK) {
		kind, code := codeShape(v)
		p.add("enhanced start: answer", "HTTP 201", false, orStatus(prob, st)+fmt.Sprintf(", code %s %s", kind, code))
		return
	}
	p.add("enhanced start: status code", "HTTP 201", st == http.StatusCreated, fmt.Sprintf("HTTP %d", st))
	id := str(v, "attestationId")
	p.add("enhanced start: attestationId", "present", id != "", "absent; fields "+strings.Join(keys(v), ", "))
	p.add("enhanced start: status word", pc.StatusLinkGenerated, str(v, "status") == pc.StatusLinkGenerated, fmt.Sprintf("%q", str(v, "status")))
	p.add("enhanced start: acceptanceLink", "present (not shown)", str(v, "acceptanceLink") != "", "absent: the link must be built from spec.attestation.acceptanceURLTemplate")
	expiry := absent
	for _, k := range []string{"expiresAt", "expirationTime", "expirationDateTime"} {
		if _, ok := obj(v)[k]; ok {
			expiry = k
			break
		}
	}
	p.add("enhanced start: expiry field", "expiresAt", expiry == "expiresAt", expiry)
	if id == "" {
		return
	}
	st, v, prob = p.call(http.MethodGet, "/v1/attestations/enhanced/"+url.PathEscape(id), true, nil)
	switch {
	case prob != "":
		p.add("enhanced get: answer", "HTTP 200", false, prob)
	case st != http.StatusOK:
		p.add("enhanced get: answer", "HTTP 200", false, fmt.Sprintf("HTTP %d (no GET: acceptance is learnt by attempting the create)", st))
	default:
		p.add("enhanced get: status word", pc.StatusLinkGenerated, str(v, "status") == pc.StatusLinkGenerated, fmt.Sprintf("%q", str(v, "status")))
	}
	create := map[string]any{"attestationId": id, "templateId": templateID, "type": pc.AgreementTypeMCA}
	st, v, prob = p.call(http.MethodPost, "/v1/customers/"+url.PathEscape(customer)+"/agreements", true, create)
	if prob != "" {
		p.add("create before acceptance", "HTTP 400, code 600062, errorName AttestationNotAccepted", false, prob)
		return
	}
	kind, code := codeShape(v)
	name := str(v, "errorName")
	ok := st == http.StatusBadRequest && code == pc.CodeAttestationNotAccepted && name == pc.ErrorNameAttestationNotAccepted
	p.add("create before acceptance", "HTTP 400, code 600062, errorName AttestationNotAccepted", ok, fmt.Sprintf("HTTP %d, code %s %q, errorName %q", st, kind, code, name))
}

func printProbe(w io.Writer, rep ProbeReport) {
	fmt.Fprintf(w, "Partner Center probe of PartnerTenant %s\n", rep.PartnerTenant)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tEXPECTED\tACTUAL")
	for _, c := range rep.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Check, c.Result, c.Expected, c.Actual)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d checks, %d differ\n", len(rep.Checks), rep.Differences)
}
