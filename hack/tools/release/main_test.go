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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
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
	bins, out := pluginBinaries(t), t.TempDir()
	o := Options{Version: "1.2.3", BinDir: bins, License: filepath.Join("..", "..", "..", "LICENSE"),
		Manifest: filepath.Join("..", "..", "..", "plugins", "mca.yaml"), Repo: "https://github.com/mca-operator/mca-operator", Out: out}
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

// pluginBinaries writes a stand-in kubectl-mca binary for every platform into a new directory.
func pluginBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := fmt.Sprintf("kubectl-mca_%s_%s", goos, goarch)
		if goos == "windows" {
			name += ".exe"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("binary of "+p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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

// TestReleaseWritesTheMultiArchImage: the release's OCI layout holds one image index, tagged,
// with a linux image for every ImageArchs whose config names that architecture, and an SPDX SBOM
// beside it for each.
func TestReleaseWritesTheMultiArchImage(t *testing.T) {
	bins, out := pluginBinaries(t), t.TempDir()
	self, err := os.ReadFile(os.Args[0]) // a Go binary with build information, as the manager is
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range ImageArchs {
		if err := os.WriteFile(filepath.Join(bins, "manager_linux_"+arch), self, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	o := Options{Version: "1.2.3", BinDir: bins, License: filepath.Join("..", "..", "..", "LICENSE"),
		Manifest: filepath.Join("..", "..", "..", "plugins", "mca.yaml"), Repo: "https://github.com/mca-operator/mca-operator", Out: out,
		ManagerBinDir: bins, Image: "ghcr.io/mca-operator/mca-operator:v1.2.3"}
	if err := Run(o); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(filepath.Join(out, "image", "oci"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Manifests) != 1 || tm.Manifests[0].MediaType != types.OCIImageIndex ||
		tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != o.Image {
		t.Fatalf("the layout should hold one image index tagged %s: %+v", o.Image, tm.Manifests)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	archs := map[string]bool{}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS != "linux" {
			t.Fatalf("an image of the index has no linux platform: %+v", d)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != d.Platform.Architecture || cfg.OS != "linux" {
			t.Errorf("the index says %s, the image's config %s/%s", d.Platform.Architecture, cfg.OS, cfg.Architecture)
		}
		archs[d.Platform.Architecture] = true
	}
	for _, arch := range ImageArchs {
		if !archs[arch] {
			t.Errorf("the index has no image for linux/%s", arch)
		}
		b, err := os.ReadFile(filepath.Join(out, "image", "sbom_linux_"+arch+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sbom struct {
			SPDXVersion string            `json:"spdxVersion"`
			Packages    []json.RawMessage `json:"packages"`
		}
		if err := json.Unmarshal(b, &sbom); err != nil || !strings.HasPrefix(sbom.SPDXVersion, "SPDX-") || len(sbom.Packages) == 0 {
			t.Errorf("sbom_linux_%s.spdx.json is no SPDX document with packages (%v): %.200s", arch, err, b)
		}
	}
}

// TestReleasePacksTheGivenPlatforms: a release of some platforms (the dry run's) packs those and
// no other, and its manifest and checksums.txt name exactly them.
func TestReleasePacksTheGivenPlatforms(t *testing.T) {
	bins, out := pluginBinaries(t), t.TempDir()
	want := []string{"linux/amd64", "windows/arm64"}
	o := Options{Version: "1.2.3", Platforms: want, BinDir: bins, License: filepath.Join("..", "..", "..", "LICENSE"),
		Manifest: filepath.Join("..", "..", "..", "plugins", "mca.yaml"), Repo: "https://github.com/mca-operator/mca-operator", Out: out}
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
	got := make([]string, 0, len(m.Spec.Platforms))
	for _, p := range m.Spec.Platforms {
		got = append(got, p.Selector.MatchLabels["os"]+"/"+p.Selector.MatchLabels["arch"])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the manifest has the platforms %v, want %v", got, want)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	files := make([]string, 0, len(entries))
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if w := "checksums.txt kubectl-mca_linux_amd64.tar.gz kubectl-mca_windows_arm64.zip mca.yaml"; strings.Join(files, " ") != w {
		t.Errorf("the release wrote %v, want %s", files, w)
	}
	sums, err := os.ReadFile(filepath.Join(out, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(sums), "\n"); n != len(want) {
		t.Errorf("checksums.txt has %d lines, want %d:\n%s", n, len(want), sums)
	}
}

// TestReleaseRefusesBadPlatforms: a platform that is not os/arch, or one listed twice (which would
// give krew two overlapping selectors), fails the release before anything is written.
func TestReleaseRefusesBadPlatforms(t *testing.T) {
	bins := pluginBinaries(t)
	for _, platforms := range [][]string{{"linux"}, {"linux/"}, {"/amd64"}, {"linux/amd64/v2"}, {"linux/amd64", "linux/amd64"}} {
		out := filepath.Join(t.TempDir(), "out")
		o := Options{Version: "1.2.3", Platforms: platforms, BinDir: bins, License: filepath.Join("..", "..", "..", "LICENSE"),
			Manifest: filepath.Join("..", "..", "..", "plugins", "mca.yaml"), Out: out}
		if err := Run(o); err == nil {
			t.Errorf("platforms %q: the release did not fail", platforms)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("platforms %q: the failed release created its output directory (%v)", platforms, err)
		}
	}
}
