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
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type krewManifest struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		ShortDescription string `json:"shortDescription"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestReleaseFillsTheKrewManifest: every platform of the release has an archive holding the
// binary and LICENSE, and the manifest names it by the release's URL with its real sha256 (the
// repository's plugins/mca.yaml carries placeholders, which krew refuses).
func TestReleaseFillsTheKrewManifest(t *testing.T) {
	bins, out := t.TempDir(), t.TempDir()
	for _, p := range Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := fmt.Sprintf("kubectl-mca_%s_%s", goos, goarch)
		if goos == "windows" {
			name += ".exe"
		}
		if err := os.WriteFile(filepath.Join(bins, name), []byte("binary of "+p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	o := Options{Version: "1.2.3", BinDir: bins, License: filepath.Join("..", "..", "LICENSE"),
		Manifest: filepath.Join("..", "..", "plugins", "mca.yaml"), Repo: "https://github.com/mca-operator/mca-operator", Out: out}
	if err := Run(o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "mca.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m krewManifest
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Metadata.Name != "mca" || m.Spec.ShortDescription == "" || m.Spec.Version != "v1.2.3" {
		t.Fatalf("the manifest lost its name or description, or has version %q: %s", m.Spec.Version, b)
	}
	sums, err := os.ReadFile(filepath.Join(out, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range m.Spec.Platforms {
		platform := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		seen[platform] = true
		archive := path.Base(p.URI)
		if want := "https://github.com/mca-operator/mca-operator/releases/download/v1.2.3/" + archive; p.URI != want {
			t.Errorf("%s: uri %s, want %s", platform, p.URI, want)
		}
		data, err := os.ReadFile(filepath.Join(out, archive))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); p.SHA256 != got {
			t.Errorf("%s: the manifest says sha256 %s, the archive's is %s", platform, p.SHA256, got)
		}
		if !strings.Contains(string(sums), p.SHA256+"  "+archive+"\n") {
			t.Errorf("checksums.txt has no line for %s", archive)
		}
		files := unpack(t, archive, data)
		if string(files[p.Bin]) != "binary of "+platform {
			t.Errorf("%s: the archive does not hold the binary %s: %v", platform, p.Bin, keys(files))
		}
		if len(files["LICENSE"]) == 0 {
			t.Errorf("%s: the archive holds no LICENSE", platform)
		}
		for _, f := range p.Files {
			if _, ok := files[f.From]; !ok {
				t.Errorf("%s: files names %s, which the archive does not hold", platform, f.From)
			}
		}
	}
	for _, p := range Platforms {
		if !seen[p] {
			t.Errorf("the manifest has no platform %s", p)
		}
	}
}

func unpack(t *testing.T, name string, data []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name] = b
		}
		return files
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "kubectl-mca" && h.Mode&0o111 == 0 {
			t.Errorf("%s: the binary is not executable", name)
		}
		files[h.Name] = b
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
