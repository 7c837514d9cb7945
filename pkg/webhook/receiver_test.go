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

package webhook_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mca-operator/mca-operator/pkg/webhook"
)

var key = []byte("whsec-0123456789abcdef-test-key")

// receive is the receiver of the package documentation, word for word.
func receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := webhook.Verify(r.Header, body, key, webhook.DefaultTolerance, time.Now()); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	// Parse the CloudEvent, store it unless its id was seen, then answer 2xx.
	w.WriteHeader(http.StatusAccepted)
}

func post(t *testing.T, url string, body []byte, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestDocumentedReceiver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(receive))
	defer srv.Close()
	body := []byte(`{"specversion":"1.0","id":"m1"}`)

	fresh := http.Header{}
	webhook.SignRequest(fresh, body, key, time.Now())
	if got := post(t, srv.URL, body, fresh); got != http.StatusAccepted {
		t.Errorf("a fresh, signed event: %d", got)
	}
	if got := post(t, srv.URL, []byte(`{"specversion":"1.0","id":"m2"}`), fresh); got != http.StatusUnauthorized {
		t.Errorf("a tampered body: %d", got)
	}
	replayed := http.Header{}
	webhook.SignRequest(replayed, body, key, time.Now().Add(-time.Hour))
	if got := post(t, srv.URL, body, replayed); got != http.StatusUnauthorized {
		t.Errorf("a replay of an hour-old request: %d", got)
	}
}

// The receiver in the package documentation is the one tested here.
func TestDocumentedReceiverIsTested(t *testing.T) {
	doc, err := os.ReadFile("webhook.go")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("receiver_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var snippet []string
	in := false
	for _, line := range strings.Split(string(doc), "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		in = in || (ok && strings.HasPrefix(code, "func receive("))
		if in {
			snippet = append(snippet, code)
			if code == "}" {
				break
			}
		}
	}
	if len(snippet) < 3 || !strings.Contains(string(src), strings.Join(snippet, "\n")+"\n") {
		t.Errorf("the documented receiver differs from the tested one:\n%s", strings.Join(snippet, "\n"))
	}
}
