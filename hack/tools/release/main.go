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

// Command release packs the kubectl-mca binaries of a release into the archives krew installs
// (tar.gz; zip for Windows, each with the binary and LICENSE), writes their sha256 into
// checksums.txt and fills the krew manifest plugins/mca.yaml with the version, the download URLs
// and the checksums. Given the manager's binaries, it also writes the manager's multi-arch image
// (an OCI layout holding an index of one image per architecture) and the SPDX SBOM of each.
// `make release VERSION=x.y.z` builds the binaries, runs it with the platforms it built, and checks
// the result (krew validates the manifest and installs every archive from it; test/release).
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/hack/tools/internal/image"
)

// Platforms are the os/arch pairs of a release, the default of Options.Platforms.
var Platforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// ImageArchs are the architectures of the manager's image (linux).
var ImageArchs = []string{"amd64", "arm64"}

// Options are the inputs of a release.
type Options struct {
	Version   string   // x.y.z, without the v
	Platforms []string // the os/arch pairs to pack; empty: Platforms
	BinDir    string   // kubectl-mca_<os>_<arch>[.exe] of every platform
	License   string   // the LICENSE file put into every archive
	Manifest  string   // the krew manifest to fill (plugins/mca.yaml)
	Repo      string   // https://github.com/<owner>/<name>, whose release downloads the archives
	Out       string   // where the archives, checksums.txt and mca.yaml go
	// ManagerBinDir holds manager_linux_<arch> of every ImageArchs; empty: no image.
	ManagerBinDir string
	Image         string // the image reference recorded in the layout
}

var semver = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// archiveTime is the modification time of every archived file, so that a release is reproducible.
var archiveTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	var o Options
	var platforms string
	flag.StringVar(&o.Version, "version", "", "The release version, x.y.z.")
	flag.StringVar(&platforms, "platforms", strings.Join(Platforms, " "), "The os/arch pairs to pack, separated by spaces or commas.")
	flag.StringVar(&o.BinDir, "bin-dir", "dist/bin", "The directory of the kubectl-mca_<os>_<arch>[.exe] binaries.")
	flag.StringVar(&o.License, "license", "LICENSE", "The LICENSE file put into every archive.")
	flag.StringVar(&o.Manifest, "manifest", "plugins/mca.yaml", "The krew manifest to fill.")
	flag.StringVar(&o.Repo, "repo", "https://github.com/mca-operator/mca-operator", "The repository whose release serves the archives.")
	flag.StringVar(&o.Out, "out", "dist", "The output directory: the archives, checksums.txt, mca.yaml, image/.")
	flag.StringVar(&o.ManagerBinDir, "manager-bin-dir", "", "The directory of the static manager_linux_<arch> binaries; empty: no image.")
	flag.StringVar(&o.Image, "image", "mca-operator:latest", "The image reference recorded in the OCI layout and the SBOMs.")
	flag.Parse()
	o.Platforms = strings.FieldsFunc(platforms, func(r rune) bool { return r == ' ' || r == ',' })
	if err := Run(o); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// Run writes the archives, checksums.txt and the filled krew manifest into o.Out.
func Run(o Options) error {
	if !semver.MatchString(o.Version) {
		return fmt.Errorf("version %q: want x.y.z", o.Version)
	}
	if len(o.Platforms) == 0 {
		o.Platforms = Platforms
	}
	if err := checkPlatforms(o.Platforms); err != nil {
		return err
	}
	license, err := os.ReadFile(o.License)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Out, 0o750); err != nil {
		return err
	}
	var sums strings.Builder
	platforms := make([]any, 0, len(o.Platforms))
	for _, p := range o.Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		bin := "kubectl-mca"
		if goos == "windows" {
			bin += ".exe"
		}
		exe, err := os.ReadFile(filepath.Join(o.BinDir, fmt.Sprintf("kubectl-mca_%s_%s", goos, goarch)+filepath.Ext(bin)))
		if err != nil {
			return err
		}
		file, data, err := archive(goos, goarch, bin, exe, license)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.Out, file), data, 0o600); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hexSum := hex.EncodeToString(sum[:])
		fmt.Fprintf(&sums, "%s  %s\n", hexSum, file)
		platforms = append(platforms, map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"os": goos, "arch": goarch}},
			"uri":      fmt.Sprintf("%s/releases/download/v%s/%s", strings.TrimRight(o.Repo, "/"), o.Version, file),
			"sha256":   hexSum,
			"files":    []any{map[string]any{"from": bin, "to": "."}, map[string]any{"from": "LICENSE", "to": "."}},
			"bin":      bin,
		})
	}
	if err := os.WriteFile(filepath.Join(o.Out, "checksums.txt"), []byte(sums.String()), 0o600); err != nil {
		return err
	}
	manifest, err := fillManifest(o.Manifest, "v"+o.Version, platforms)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "mca.yaml"), manifest, 0o600); err != nil {
		return err
	}
	if o.ManagerBinDir == "" {
		return nil
	}
	return imageIndex(o, filepath.Join(o.Out, "image"))
}

// checkPlatforms refuses a platform that is not os/arch and one listed twice, which would give
// the krew manifest two platforms whose selectors overlap.
func checkPlatforms(platforms []string) error {
	seen := map[string]bool{}
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok || goos == "" || goarch == "" || strings.Contains(goarch, "/") {
			return fmt.Errorf("platform %q: want os/arch", p)
		}
		if seen[p] {
			return fmt.Errorf("platform %s is listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

// imageIndex writes the manager's image for every ImageArchs into out: oci/, an OCI layout whose
// index holds one image index (tagged o.Image) of the per-architecture images, and
// sbom_linux_<arch>.spdx.json.
func imageIndex(o Options, out string) error {
	ref, err := name.NewTag(o.Image)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range ImageArchs {
		bin := filepath.Join(o.ManagerBinDir, "manager_linux_"+arch)
		img, err := image.Build(image.Options{Binary: bin, OS: "linux", Arch: arch, Version: o.Version, Source: o.Repo, Licenses: "Apache-2.0"})
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
		sbom, err := image.SBOM(bin, ref.String(), time.Time{})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "sbom_linux_"+arch+".spdx.json"), sbom, 0o600); err != nil {
			return err
		}
	}
	dir := filepath.Join(out, "oci")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref.String()}))
}

// fillManifest returns the krew manifest at path with its version and platforms replaced.
func fillManifest(path, version string, platforms []any) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	spec, ok := m["spec"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no spec", path)
	}
	spec["version"] = version
	spec["platforms"] = platforms
	return yaml.Marshal(m)
}

// archive packs the binary and LICENSE: a zip for Windows, a tar.gz elsewhere.
func archive(goos, goarch, bin string, exe, license []byte) (string, []byte, error) {
	base := fmt.Sprintf("kubectl-mca_%s_%s", goos, goarch)
	files := []struct {
		name string
		mode os.FileMode
		data []byte
	}{{bin, 0o755, exe}, {"LICENSE", 0o644, license}}
	var buf bytes.Buffer
	if goos == "windows" {
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: archiveTime}
			h.SetMode(f.mode)
			w, err := zw.CreateHeader(h)
			if err != nil {
				return "", nil, err
			}
			if _, err := w.Write(f.data); err != nil {
				return "", nil, err
			}
		}
		if err := zw.Close(); err != nil {
			return "", nil, err
		}
		return base + ".zip", buf.Bytes(), nil
	}
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: int64(f.mode), Size: int64(len(f.data)), ModTime: archiveTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return "", nil, err
		}
		if _, err := io.Copy(tw, bytes.NewReader(f.data)); err != nil {
			return "", nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, err
	}
	if err := gz.Close(); err != nil {
		return "", nil, err
	}
	return base + ".tar.gz", buf.Bytes(), nil
}
