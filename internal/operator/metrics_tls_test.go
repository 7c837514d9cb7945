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
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

const metricsDNSName = "mca-operator-controller-manager-metrics-service.mca-operator-system.svc"

// writeServingCert writes, the way cert-manager fills the Secret mounted at --metrics-cert-path,
// a CA and a serving certificate for metricsDNSName signed by it into dir (ca.crt and the given
// certificate and key file names), and returns the CA's pool.
func writeServingCert(t *testing.T, dir, certName, keyName string) *x509.CertPool {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "metrics test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: metricsDNSName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		DNSNames:    []string{metricsDNSName},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"ca.crt": {Type: "CERTIFICATE", Bytes: caDER},
		certName: {Type: "CERTIFICATE", Bytes: der},
		keyName:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool
}

func TestMetricsCertFlags(t *testing.T) {
	o := Defaults()
	if o.MetricsCertPath != "" || o.MetricsCertName != "tls.crt" || o.MetricsCertKey != "tls.key" {
		t.Fatalf("defaults: path %q, name %q, key %q; want none, tls.crt, tls.key", o.MetricsCertPath, o.MetricsCertName, o.MetricsCertKey)
	}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.Flags(fs)
	if err := fs.Parse([]string{"--metrics-cert-path=/tmp/k8s-metrics-server/metrics-certs", "--metrics-cert-name=cert.pem", "--metrics-cert-key=key.pem"}); err != nil {
		t.Fatal(err)
	}
	if o.MetricsCertPath != "/tmp/k8s-metrics-server/metrics-certs" || o.MetricsCertName != "cert.pem" || o.MetricsCertKey != "key.pem" {
		t.Errorf("flags not applied: path %q, name %q, key %q", o.MetricsCertPath, o.MetricsCertName, o.MetricsCertKey)
	}
}

func TestMetricsCertPathMissingIsRefused(t *testing.T) {
	o := Defaults()
	o.MetricsCertPath = t.TempDir()
	_, err := New(context.Background(), &rest.Config{Host: "https://127.0.0.1:1"}, o)
	if err == nil || !strings.Contains(err.Error(), "--metrics-cert-path") {
		t.Fatalf("New = %v, want an error about --metrics-cert-path", err)
	}
}

// TestMetricsServerServesTheProvidedCert starts the metrics server as New configures it with
// --metrics-cert-path and checks that a client trusting only the CA (no insecureSkipVerify)
// completes the TLS handshake for the Service's DNS name.
func TestMetricsServerServesTheProvidedCert(t *testing.T) {
	dir := t.TempDir()
	roots := writeServingCert(t, dir, "cert.pem", "key.pem")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.MetricsAddr = addr
	o.MetricsCertPath, o.MetricsCertName, o.MetricsCertKey = dir, "cert.pem", "key.pem"
	opts, watcher, err := metricsServerOptions(o, []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }})
	if err != nil {
		t.Fatal(err)
	}
	if watcher == nil || !opts.SecureServing || opts.FilterProvider == nil {
		t.Fatalf("want HTTPS behind authentication with a certificate watcher: %+v", opts)
	}
	cfg := &rest.Config{Host: "https://127.0.0.1:1"}
	srv, err := metricsserver.NewServer(opts, cfg, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- watcher.Start(ctx) }()
	go func() { done <- srv.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("stopping: %v", err)
			}
		}
	})

	var conn *tls.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: metricsDNSName, MinVersion: tls.VersionTLS12}}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn = c.(*tls.Conn)
			break
		}
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) || time.Now().After(deadline) {
			t.Fatalf("TLS handshake with the metrics server: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer func() { _ = conn.Close() }()
	peer := conn.ConnectionState().PeerCertificates
	if len(peer) == 0 || peer[0].Subject.CommonName != metricsDNSName {
		t.Fatalf("the metrics server presented %v, want the certificate for %s", peer, metricsDNSName)
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p == "h2" {
		t.Errorf("negotiated %q: the shared TLS options (HTTP/2 off) were lost", p)
	}
}
