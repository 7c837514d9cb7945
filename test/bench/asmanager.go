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
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	// As cmd/manager: client auth plugins.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/mca-operator/mca-operator/internal/operator"
)

// managerMode is the argument that makes this binary run the manager exactly as cmd/manager
// does, plus a pprof endpoint (--pprof-address): `bench --pprof` profiles the manager this way.
const managerMode = "as-manager"

func runAsManager(args []string) {
	fs := flag.NewFlagSet(managerMode, flag.ExitOnError)
	opts := operator.Defaults()
	opts.Flags(fs)
	pprofAddr := fs.String("pprof-address", "", "Serve net/http/pprof here.")
	kubeconfig := fs.String("kubeconfig", "", "Path to a kubeconfig.")
	idle := fs.Int("pc-max-idle-conns-per-host", 0, "Experiment: the Partner Center HTTP client keeps this many idle connections per host (the operator's client keeps net/http's default, 2).")
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(fs)
	_ = fs.Parse(args)
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	opts.Logger = ctrl.Log
	if *kubeconfig != "" {
		_ = os.Setenv("KUBECONFIG", *kubeconfig)
	}
	if *pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		srv := &http.Server{Addr: *pprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.ListenAndServe() }()
	}
	if *idle > 0 {
		hc, err := httpClientTrusting(opts.CAFile, *idle)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		opts.HTTPClient = hc
	}
	ctx := ctrl.SetupSignalHandler()
	mgr, err := operator.New(ctx, ctrl.GetConfigOrDie(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "unable to set up the manager:", err)
		os.Exit(1)
	}
	if err := mgr.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "problem running manager:", err)
		os.Exit(1)
	}
}

// httpClientTrusting is internal/operator's client for --partner-center-ca-file, with
// MaxIdleConnsPerHost set.
func httpClientTrusting(caFile string, idle int) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = idle
	return &http.Client{Transport: tr}, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// fetchProfile saves a pprof endpoint's answer to path.
func fetchProfile(addr, what, path string) error {
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Get("http://" + addr + "/debug/pprof/" + what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("pprof %s: %s", what, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}
