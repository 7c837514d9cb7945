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

// Package image_test builds the manager's image the way `make image` does (a static binary, then
// hack/tools/image, a command of the build tools' module) into a temporary directory, reads it back from the OCI layout and the tarball, and
// checks what a cluster would run: the user, the entrypoint, the labels, a single layer holding
// one file, and that this file is a static binary that runs `--help`.
package image_test

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mca-operator/mca-operator/test/internal/repo"
)

const tag = "registry.example/mca-operator:v0.0.0-test"

// toolsModule is the build tools' module, relative to the repository root.
const toolsModule = "hack/tools"

func run(t *testing.T, env []string, program string, args ...string) {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Dir = repo.Root(t)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", program, strings.Join(args, " "), err, out)
	}
}

// buildImage does what `make image` does, into dir.
func buildImage(t *testing.T, dir string) {
	t.Helper()
	bin := filepath.Join(dir, "manager")
	run(t, []string{"CGO_ENABLED=0", "GOOS=linux"}, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/manager")
	tool := filepath.Join(t.TempDir(), "image")
	run(t, nil, "go", "build", "-C", toolsModule, "-o", tool, "./image")
	run(t, nil, tool, "--binary", bin, "--os", "linux", "--arch", runtime.GOARCH,
		"--version", "0.0.0-test", "--tag", tag, "--out", dir)
}

func TestImage(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image's binary is built for linux and run here")
	}
	repo.ConsultSources(t, "./cmd/manager")
	repo.ConsultModuleSources(t, toolsModule, "./image")
	dir := t.TempDir()
	buildImage(t, dir)

	// The OCI layout: one image, named by its ref.name annotation.
	idx, err := layout.ImageIndexFromPath(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != tag {
		t.Fatalf("the OCI layout's index: %+v", im.Manifests)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	checkImage(t, img, dir)

	// The tarball holds the same image.
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	fromTar, err := tarball.ImageFromPath(filepath.Join(dir, "image.tar"), &ref)
	if err != nil {
		t.Fatal(err)
	}
	// (The tarball's manifest is rewritten by `docker load`; the config and layers are the image.)
	c1, err1 := img.ConfigName()
	c2, err2 := fromTar.ConfigName()
	if err1 != nil || err2 != nil || c1 != c2 {
		t.Errorf("the tarball holds config %s, the OCI layout %s (%v, %v)", c2, c1, err1, err2)
	}

	checkSBOM(t, filepath.Join(dir, "sbom.spdx.json"))
}

func checkImage(t *testing.T, img v1.Image, dir string) {
	t.Helper()
	mt, err := img.MediaType()
	if err != nil || mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %s (%v), want OCI", mt, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (the Deployment's runAsUser)", cfg.Config.User)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/manager" || len(cfg.Config.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want /manager (the Deployment's command)", cfg.Config.Entrypoint, cfg.Config.Cmd)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cfg.OS, cfg.Architecture)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/mca-operator/mca-operator",
		"org.opencontainers.image.version":  "0.0.0-test",
		"org.opencontainers.image.licenses": "Apache-2.0",
	} {
		if got := cfg.Config.Labels[k]; got != want {
			t.Errorf("label %s=%q, want %q", k, got, want)
		}
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 || len(cfg.RootFS.DiffIDs) != 1 {
		t.Fatalf("%d layers (%d diff IDs), want one: the base is empty", len(layers), len(cfg.RootFS.DiffIDs))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	var files []string
	var binary []byte
	var mode int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, h.Name)
		if h.Typeflag == tar.TypeReg && "/"+strings.TrimPrefix(h.Name, "/") == "/manager" {
			mode = h.Mode
			if binary, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(files) != 1 || binary == nil {
		t.Fatalf("the layer holds %q, want only manager", files)
	}
	if mode&0o111 == 0 || mode&0o022 != 0 {
		t.Errorf("/manager has mode %o: want executable, writable by its owner (root) only", mode)
	}

	// A static binary: no ELF interpreter, so it runs on an empty base.
	ef, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("/manager is not an ELF binary: %v", err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/manager is dynamically linked (has PT_INTERP); build it with CGO_ENABLED=0")
		}
	}

	// It runs: --help prints the manager's flags and exits 0.
	extracted := filepath.Join(dir, "extracted-manager")
	if err := os.WriteFile(extracted, binary, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(extracted, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("/manager --help: %v\n%s", err, out)
	}
	for _, flag := range []string{"-metrics-bind-address", "-leader-elect", "-credentials-namespace"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("/manager --help does not list %s:\n%s", flag, out)
		}
	}
}

func checkSBOM(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name        string `json:"name"`
			VersionInfo string `json:"versionInfo"`
			Checksums   []struct {
				Algorithm, ChecksumValue string
			} `json:"checksums"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion %q", doc.SPDXVersion)
	}
	found := map[string]string{}
	for _, p := range doc.Packages {
		found[p.Name] = p.VersionInfo
		if p.Name == "sigs.k8s.io/controller-runtime" && (len(p.Checksums) != 1 || len(p.Checksums[0].ChecksumValue) != 64) {
			t.Errorf("controller-runtime's checksum %+v, want one SHA256 in hex", p.Checksums)
		}
	}
	for _, mod := range []string{"github.com/mca-operator/mca-operator", "sigs.k8s.io/controller-runtime", "k8s.io/client-go", "stdlib"} {
		if found[mod] == "" && mod != "github.com/mca-operator/mca-operator" {
			t.Errorf("the SBOM does not list %s with a version", mod)
		}
		if _, ok := found[mod]; !ok {
			t.Errorf("the SBOM does not list %s", mod)
		}
	}
	for mod := range found {
		if strings.HasPrefix(mod, "helm.sh/") || strings.HasPrefix(mod, "github.com/google/go-containerregistry") {
			t.Errorf("the manager links %s (a build or test tool)", mod)
		}
	}
}
