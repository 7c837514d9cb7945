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

// Command pcsim runs the Partner Center simulator standalone.
//
//	go run ./cmd/pcsim --seed config/samples/pcsim-seed.yaml
//
// It prints the base URL (API, token endpoint and acceptance pages share
// it). With TLS (the default) it also writes the CA certificate to --ca-out
// when given, and always serves it at /_sim/ca.pem.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mca-operator/mca-operator/internal/pcsim"
)

func main() {
	var (
		seedPath   = flag.String("seed", "", "seed file (YAML); empty starts with no partners")
		addr       = flag.String("addr", "127.0.0.1:8443", "listen address")
		plain      = flag.Bool("plain-http", false, "serve plain HTTP instead of HTTPS (demo only)")
		caOut      = flag.String("ca-out", "", "write the generated CA certificate (PEM) to this file")
		hostnames  = flag.String("hostnames", "", "extra comma-separated DNS names/IPs for the TLS certificate")
		publicURL  = flag.String("public-url", "", "URL to put into links when reached through another address")
		latency    = flag.Duration("latency", 0, "latency added to every request")
		qps        = flag.Float64("rate-limit-qps", 0, "per-partner rate limit (0 = off)")
		burst      = flag.Int("rate-limit-burst", 0, "per-partner burst")
		visibility = flag.Duration("visibility-delay", 0, "delay before new agreement records show up in reads")
		linkTTL    = flag.Duration("link-ttl", 24*time.Hour, "acceptance link lifetime")
		tokenTTL   = flag.Duration("token-ttl", time.Hour, "access token lifetime")
		rotate     = flag.Bool("rotate-refresh-tokens", true, "issue a new refresh token on every refresh")
		quiet      = flag.Bool("quiet", false, "do not log requests")
	)
	flag.Parse()

	var seed *pcsim.Seed
	if *seedPath != "" {
		var err error
		if seed, err = pcsim.LoadSeed(*seedPath); err != nil {
			log.Fatal(err)
		}
	}
	opts := pcsim.Options{
		Latency: *latency, RateLimitQPS: *qps, RateLimitBurst: *burst, VisibilityDelay: *visibility,
		LinkTTL: *linkTTL, TokenTTL: *tokenTTL, RotateRefreshTokens: *rotate, PublicURL: *publicURL,
	}
	if *hostnames != "" {
		opts.Hostnames = strings.Split(*hostnames, ",")
	}
	if !*quiet {
		opts.Logf = log.Printf
	}
	srv := pcsim.New(seed, opts)
	var (
		url string
		err error
	)
	if *plain {
		url, err = srv.Start(*addr)
	} else {
		url, err = srv.StartTLS(*addr)
	}
	if err != nil {
		log.Fatal(err)
	}
	if *caOut != "" && !*plain {
		// A CA certificate is public: readable by all, as certificates are.
		if err := os.WriteFile(*caOut, srv.CACertPEM(), 0o644); err != nil { //nolint:gosec // public certificate
			log.Fatal(err)
		}
	}
	fmt.Println(url)
	if !*plain {
		written := ""
		if *caOut != "" {
			written = ", written to " + *caOut
		}
		fmt.Fprintf(os.Stderr, "pcsim: serving %s (CA certificate at %s/_sim/ca.pem%s)\n", url, url, written)
	} else {
		fmt.Fprintf(os.Stderr, "pcsim: serving %s (plain HTTP)\n", url)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
}
