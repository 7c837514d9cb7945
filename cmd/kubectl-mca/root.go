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
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
	pc "github.com/mca-operator/mca-operator/internal/partnercenter"
)

// defaultCredentialsNamespace is where the operator keeps credentials and link Secrets.
// outputJSON is the -o value that prints JSON.
const outputJSON = "json"

// annotationTrue is the value of a set boolean annotation (paused, integration-sandbox).
const annotationTrue = "true"

const defaultCredentialsNamespace = "mca-operator-system" //nolint:gosec // G101: a namespace name, not a credential

// app is what every command shares: the Kubernetes flags, the streams and the clock.
type app struct {
	ctx     context.Context
	flags   *genericclioptions.ConfigFlags
	streams genericiooptions.IOStreams

	allNamespaces  bool
	credentialsNS  string
	caFile         string
	nowFlag        string
	pcHTTPClient   *http.Client // tests: a client trusting the simulator (nil: from --partner-center-ca-file)
	forceTerminal  *bool        // tests: override terminal detection
	kubeClientHook func(client.Client) client.Client
}

func defaultStreams() genericiooptions.IOStreams {
	return genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

func newRootCmd(ctx context.Context, streams genericiooptions.IOStreams) *cobra.Command {
	return newApp(ctx, streams).rootCmd()
}

func newApp(ctx context.Context, streams genericiooptions.IOStreams) *app {
	return &app{ctx: ctx, flags: genericclioptions.NewConfigFlags(true), streams: streams}
}

func (a *app) rootCmd() *cobra.Command {
	ctx := a.ctx
	root := &cobra.Command{
		Use:   "kubectl-mca",
		Short: "Microsoft Customer Agreement attestations with mca-operator",
		Long: `kubectl mca works with mca-operator's PartnerTenants and CustomerAgreements.

  import     write one CustomerAgreement per existing Partner Center customer, for Git
  status     the fleet at a glance, per PartnerTenant
  links      pending acceptance links (needs read access to the operator's Secrets)
  pause, resume, reconcile
             control one CustomerAgreement (or reconcile a PartnerTenant)
  probe      check a Partner Center tenant (the integration sandbox) against the modeled shapes
  audit      verify, export and show the AttestationRecords; reconcile them with Partner Center
  pending, approve, deny
             four eyes: the acts awaiting approval, and a second person's decision`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl mca"},
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetContext(ctx)
	root.SetOut(a.streams.Out)
	root.SetErr(a.streams.ErrOut)
	root.SetIn(a.streams.In)
	a.flags.AddFlags(root.PersistentFlags())
	pf := root.PersistentFlags()
	pf.StringVar(&a.credentialsNS, "credentials-namespace", defaultCredentialsNamespace, "The operator's credentials namespace (credentials and link Secrets).")
	pf.StringVar(&a.caFile, "partner-center-ca-file", "", "Extra PEM CA bundle to trust for Partner Center and the token endpoint (e.g. the simulator's).")
	pf.StringVar(&a.nowFlag, "now", "", "Evaluate times as of this RFC 3339 instant (tests).")
	_ = pf.MarkHidden("now")

	root.AddCommand(a.importCmd(), a.statusCmd(), a.linksCmd(), a.pauseCmd(true), a.pauseCmd(false), a.reconcileCmd(), a.probeCmd(), a.auditCmd(),
		a.pendingCmd(), a.approveCmd(), a.denyCmd())
	registerCompletions(a, root)
	return root
}

func (a *app) now() time.Time {
	if a.nowFlag != "" {
		if t, err := time.Parse(time.RFC3339Nano, a.nowFlag); err == nil {
			return t
		}
	}
	return time.Now()
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}

// kube returns an uncached client of the cluster named by the kubeconfig flags.
func (a *app) kube() (client.Client, error) {
	cfg, err := a.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme()})
	if err != nil {
		return nil, err
	}
	if a.kubeClientHook != nil {
		c = a.kubeClientHook(c)
	}
	return c, nil
}

// namespace is -n, else the kubeconfig context's namespace, else "default".
func (a *app) namespace() (string, error) {
	ns, _, err := a.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", err
	}
	if ns == "" {
		ns = corev1.NamespaceDefault
	}
	return ns, nil
}

// listNamespace is "" with -A, the namespace otherwise.
func (a *app) listNamespace() (string, error) {
	if a.allNamespaces {
		return "", nil
	}
	return a.namespace()
}

// isTerminal says whether the stream (stdin, stdout or stderr) is a terminal.
func (a *app) isTerminal(stream any) bool {
	if a.forceTerminal != nil {
		return *a.forceTerminal
	}
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// partnerCenter builds the operator's own Partner Center client for a PartnerTenant: the
// credentials Secret through the same store (a rotated refresh token is written back), the
// PartnerTenant's endpoints and its rate limit.
func (a *app) partnerCenter(kc client.Client, pt *v1alpha1.PartnerTenant) (*pc.Client, error) {
	hc := a.pcHTTPClient
	if hc == nil && a.caFile != "" {
		pem, err := os.ReadFile(a.caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --partner-center-ca-file: %w", err)
		}
		if hc, err = pc.HTTPClientWithCA(pem); err != nil {
			return nil, err
		}
	}
	cfg := pc.ConfigFor(pt, kc, a.credentialsNS, hc)
	// A long Retry-After is waited out: the plugin has no other work to do.
	cfg.MaxInlineWait = 2 * time.Minute
	return pc.New(cfg)
}

func (a *app) addNamespaceFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&a.allNamespaces, "all-namespaces", "A", false, "All namespaces.")
}
