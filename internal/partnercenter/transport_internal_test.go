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

package partnercenter

import (
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// The transport itself refuses plain http, whatever URL reaches it and whichever HTTP client the
// caller passed.
func TestTransportRefusesPlainHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	for name, hc := range map[string]*http.Client{"default": nil, "caller's": {}} {
		c, err := New(Config{TenantID: "t", Credentials: NewStaticCredentialStore(Credentials{}), HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/v1/agreements", nil)
		req.Header.Set("Authorization", "Bearer should-never-travel")
		if resp, err := c.http.Do(req); err == nil {
			_ = resp.Body.Close()
			t.Errorf("%s client: a plain http request went through", name)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections reached the plain-http listener", n)
	}
}
