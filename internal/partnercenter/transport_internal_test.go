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
