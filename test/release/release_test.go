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

// Package release_test checks a release that `make release` has just built, as its last step
// (CI's `make release-dry` included): the checksums, the krew manifest against the archives, the
// binaries in the archives, install.yaml against config/default, the packaged chart and the
// manager's image index with its SBOMs. The Makefile names the release in RELEASE_CHECK_DIR,
// RELEASE_CHECK_PLATFORMS, RELEASE_CHECK_VERSION and RELEASE_CHECK_IMAGE; without them (a plain
// `go test ./...`) there is no release to check and the tests skip.
package release_test

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	yamlv3 "go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/mca-operator/mca-operator/test/internal/repo"
)

// imageArchs are the architectures of the manager's image index that every release carries.
var imageArchs = []string{"amd64", "arm64"}

// release is what the Makefile says it built.
type release struct {
	dir, version, image string
	platforms           []string
}

func built(t *testing.T) release {
	t.Helper()
	r := release{dir: os.Getenv("RELEASE_CHECK_DIR"), version: os.Getenv("RELEASE_CHECK_VERSION"),
		image: os.Getenv("RELEASE_CHECK_IMAGE"), platforms: strings.Fields(os.Getenv("RELEASE_CHECK_PLATFORMS"))}
	if r.dir == "" {
		t.Skip("no release to check: `make release` and `make release-dry` run this test on what they built")
	}
	if r.version == "" || r.image == "" || len(r.platforms) == 0 {
		t.Fatalf("RELEASE_CHECK_DIR is set, but not the version, the image or the platforms: %+v", r)
	}
	return r
}

func (r release) read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archiveName is the archive of one os/arch, as hack/tools/release names it.
func archiveName(platform string) string {
	goos, goarch, _ := strings.Cut(platform, "/")
	if goos == "windows" {
		return fmt.Sprintf("kubectl-mca_%s_%s.zip", goos, goarch)
	}
	return fmt.Sprintf("kubectl-mca_%s_%s.tar.gz", goos, goarch)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// checksums reads checksums.txt: archive name to sha256.
func (r release) checksums(t *testing.T) map[string]string {
	t.Helper()
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(r.read(t, "checksums.txt")))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("checksums.txt: %q is not `<sha256>  <file>`", sc.Text())
		}
		sums[name] = sum
	}
	return sums
}

// TestChecksums: checksums.txt names the archive of every platform of the release, and no other
// file, with the archive's sha256.
func TestChecksums(t *testing.T) {
	r := built(t)
	sums := r.checksums(t)
	want := make([]string, 0, len(r.platforms))
	for _, p := range r.platforms {
		want = append(want, archiveName(p))
	}
	got := make([]string, 0, len(sums))
	for name, sum := range sums {
		got = append(got, name)
		if actual := sha256Hex(r.read(t, name)); actual != sum {
			t.Errorf("checksums.txt says %s for %s, whose sha256 is %s", sum, name, actual)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("checksums.txt names %v, want %v", got, want)
	}
}

// krewManifest is the part of a krew manifest this test reads (krew's own types cannot be imported;
// see the Makefile's release recipe).
type krewManifest struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version   string `json:"version"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestKrewManifest: mca.yaml (which krew's own code validated and installed from, earlier in the
// recipe) is of this version and has one platform per platform of the release, each downloading
// its archive from the release's tag with the sha256 of the archive and of checksums.txt.
func TestKrewManifest(t *testing.T) {
	r := built(t)
	var m krewManifest
	if err := yaml.Unmarshal(r.read(t, "mca.yaml"), &m); err != nil {
		t.Fatalf("mca.yaml: %v", err)
	}
	if m.Kind != "Plugin" || m.Metadata.Name != "mca" || m.Spec.Version != "v"+r.version {
		t.Errorf("mca.yaml is %s %q of version %q, want Plugin mca of v%s", m.Kind, m.Metadata.Name, m.Spec.Version, r.version)
	}
	sums := r.checksums(t)
	got := make([]string, 0, len(m.Spec.Platforms))
	for _, p := range m.Spec.Platforms {
		platform := p.Selector.MatchLabels["os"] + "/" + p.Selector.MatchLabels["arch"]
		got = append(got, platform)
		archive := archiveName(platform)
		if want := "https://github.com/mca-operator/mca-operator/releases/download/v" + r.version + "/" + archive; p.URI != want {
			t.Errorf("%s: uri %s, want %s", platform, p.URI, want)
		}
		if actual := sha256Hex(r.read(t, archive)); p.SHA256 != actual || sums[archive] != actual {
			t.Errorf("%s: the manifest says sha256 %s, checksums.txt %s; the archive's is %s", platform, p.SHA256, sums[archive], actual)
		}
	}
	if !slices.Equal(got, r.platforms) {
		t.Errorf("mca.yaml has the platforms %v, want %v", got, r.platforms)
	}
}

// unpack returns the files of a tar.gz or zip archive, and their modes.
func unpack(t *testing.T, name string, data []byte) (map[string][]byte, map[string]os.FileMode) {
	t.Helper()
	if !strings.HasSuffix(name, ".zip") {
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return untar(t, gz)
	}
	files, modes := map[string][]byte{}, map[string]os.FileMode{}
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
		files[f.Name], modes[f.Name] = b, f.Mode()
	}
	return files, modes
}

// untar returns the files of a tar stream, and their modes.
func untar(t *testing.T, r io.Reader) (map[string][]byte, map[string]os.FileMode) {
	t.Helper()
	files, modes := map[string][]byte{}, map[string]os.FileMode{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, modes
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], modes[h.Name] = b, h.FileInfo().Mode()
	}
}

// executableFor returns the os/arch an executable is built for, read from its headers.
func executableFor(b []byte) (string, error) {
	r := bytes.NewReader(b)
	if f, err := elf.NewFile(r); err == nil {
		return "linux/" + map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine], nil
	}
	if f, err := macho.NewFile(r); err == nil {
		return "darwin/" + map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu], nil
	}
	f, err := pe.NewFile(r)
	if err != nil {
		return "", errors.New("neither ELF, Mach-O nor PE")
	}
	return "windows/" + map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine], nil
}

// TestArchives: every archive holds the repository's LICENSE and an executable kubectl-mca built
// for its platform; the host's runs.
func TestArchives(t *testing.T) {
	r := built(t)
	license, err := os.ReadFile(filepath.Join(repo.Root(t), "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.platforms {
		archive := archiveName(p)
		files, modes := unpack(t, archive, r.read(t, archive))
		bin := "kubectl-mca"
		if strings.HasPrefix(p, "windows/") {
			bin += ".exe"
		}
		if len(files) != 2 || !bytes.Equal(files["LICENSE"], license) {
			t.Errorf("%s holds %d files, want 2: %s and the repository's LICENSE", archive, len(files), bin)
		}
		if modes[bin]&0o111 == 0 {
			t.Errorf("%s: %s is not executable (mode %v)", archive, bin, modes[bin])
		}
		if got, err := executableFor(files[bin]); got != p {
			t.Errorf("%s: %s is built for %q (%v), want %s", archive, bin, got, err, p)
		}
		if p == runtime.GOOS+"/"+runtime.GOARCH {
			exe := filepath.Join(t.TempDir(), bin)
			if err := os.WriteFile(exe, files[bin], 0o700); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(exe, "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "kubectl mca") {
				t.Errorf("%s --help: %v\n%s", archive, err, out)
			}
		}
	}
}

type object = map[string]any

// splitDocs parses a multi-document YAML stream, skipping empty documents.
func splitDocs(t *testing.T, data []byte) []object {
	t.Helper()
	var out []object
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if doc == nil {
			continue
		}
		// Round-trip through JSON so that numbers and maps have the types sigs.k8s.io/yaml gives.
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var obj object
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
}

func nested(obj any, path ...string) any {
	for _, p := range path {
		m, ok := obj.(map[string]any)
		if !ok {
			return nil
		}
		obj = m[p]
	}
	return obj
}

// managerImage returns the image of the Deployment's first container, and the container.
func managerImage(t *testing.T, objs []object) (string, map[string]any) {
	t.Helper()
	for _, o := range objs {
		if o["kind"] != "Deployment" {
			continue
		}
		containers, _ := nested(o, "spec", "template", "spec", "containers").([]any)
		if len(containers) == 0 {
			t.Fatal("the Deployment has no container")
		}
		c, _ := containers[0].(map[string]any)
		image, _ := c["image"].(string)
		return image, c
	}
	t.Fatal("no Deployment")
	return "", nil
}

// TestInstallYAML: install.yaml is config/default, rendered here in-process, but for the manager's
// image, which is the release's.
func TestInstallYAML(t *testing.T) {
	r := built(t)
	got := splitDocs(t, r.read(t, "install.yaml"))
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).
		Run(filesys.MakeFsOnDisk(), filepath.Join(repo.Root(t), "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	want := splitDocs(t, rendered)
	if image, _ := managerImage(t, got); image != r.image {
		t.Errorf("install.yaml runs the image %q, want %q", image, r.image)
	}
	_, c := managerImage(t, want)
	c["image"] = r.image
	gotByKey, wantByKey := byKey(got), byKey(want)
	if len(gotByKey) != len(got) || len(wantByKey) != len(want) {
		t.Fatalf("install.yaml (%d objects) or config/default (%d) names an object twice", len(got), len(want))
	}
	for k, w := range wantByKey {
		if !reflect.DeepEqual(gotByKey[k], w) {
			t.Errorf("install.yaml's %s is not config/default's:\n%v\nwant\n%v", k, gotByKey[k], w)
		}
	}
	for k := range gotByKey {
		if _, ok := wantByKey[k]; !ok {
			t.Errorf("install.yaml has %s, which config/default does not", k)
		}
	}
}

// byKey indexes objects by kind, namespace and name.
func byKey(objs []object) map[string]object {
	m := map[string]object{}
	for _, o := range objs {
		m[fmt.Sprintf("%v %v/%v", o["kind"], nested(o, "metadata", "namespace"), nested(o, "metadata", "name"))] = o
	}
	return m
}

// TestChart: the packaged chart is of the release's version and appVersion, carries the CRDs of
// config/crd/bases, and renders with its default values a Deployment of the release's image tag.
func TestChart(t *testing.T) {
	r := built(t)
	c, err := loader.Load(filepath.Join(r.dir, "mca-operator-"+r.version+".tgz"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Version != r.version || c.Metadata.AppVersion != r.version {
		t.Errorf("the chart is version %q, appVersion %q; want %s for both", c.Metadata.Version, c.Metadata.AppVersion, r.version)
	}
	crds, err := filepath.Glob(filepath.Join(repo.Root(t), "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CRDObjects()) != len(crds) || len(crds) == 0 {
		t.Errorf("the chart carries %d CRDs, config/crd/bases %d", len(c.CRDObjects()), len(crds))
	}
	vals, err := chartutil.ToRenderValues(c, map[string]any{},
		chartutil.ReleaseOptions{Name: "mca-operator", Namespace: "mca-operator-system", IsInstall: true, Revision: 1},
		chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(c, vals)
	if err != nil {
		t.Fatal(err)
	}
	var objs []object
	for name, content := range files {
		if strings.HasSuffix(name, ".yaml") {
			objs = append(objs, splitDocs(t, []byte(content))...)
		}
	}
	if image, _ := managerImage(t, objs); !strings.HasSuffix(image, ":v"+r.version) {
		t.Errorf("the chart runs the image %q, want the tag v%s", image, r.version)
	}
}

// TestImageIndex: image/oci holds one image index, tagged with the release's image, of a linux
// image for amd64 and one for arm64, each whose config and whose /manager are of its architecture;
// beside it an SPDX SBOM per architecture lists the manager's module.
func TestImageIndex(t *testing.T) {
	r := built(t)
	p, err := layout.FromPath(filepath.Join(r.dir, "image", "oci"))
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
		tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != r.image {
		t.Fatalf("the layout should hold one image index tagged %s: %+v", r.image, tm.Manifests)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	archs := make([]string, 0, len(im.Manifests))
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if d.Platform == nil || d.Platform.OS != "linux" || cfg.OS != "linux" || cfg.Architecture != d.Platform.Architecture {
			t.Fatalf("the index says %+v, the image's config %s/%s", d.Platform, cfg.OS, cfg.Architecture)
		}
		archs = append(archs, cfg.Architecture)
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("linux/%s: %d layers (%v), want 1", cfg.Architecture, len(layers), err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		files, _ := untar(t, rc)
		_ = rc.Close()
		if got, err := executableFor(files["manager"]); got != "linux/"+cfg.Architecture {
			t.Errorf("linux/%s: /manager is built for %q (%v)", cfg.Architecture, got, err)
		}
	}
	slices.Sort(archs)
	if !slices.Equal(archs, imageArchs) {
		t.Errorf("the index has images for %v, want %v", archs, imageArchs)
	}
	for _, arch := range imageArchs {
		checkSBOM(t, r, arch)
	}
}

func checkSBOM(t *testing.T, r release, arch string) {
	t.Helper()
	var sbom struct {
		SPDXVersion string `json:"spdxVersion"`
		Name        string `json:"name"`
		Packages    []struct {
			Name string `json:"name"`
		} `json:"packages"`
	}
	name := "sbom_linux_" + arch + ".spdx.json"
	if err := json.Unmarshal(r.read(t, filepath.Join("image", name)), &sbom); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !strings.HasPrefix(sbom.SPDXVersion, "SPDX-2.") || sbom.Name != r.image {
		t.Errorf("%s: spdxVersion %q, name %q; want SPDX-2.x of %s", name, sbom.SPDXVersion, sbom.Name, r.image)
	}
	names := make([]string, 0, len(sbom.Packages))
	for _, p := range sbom.Packages {
		names = append(names, p.Name)
	}
	if !slices.Contains(names, "github.com/mca-operator/mca-operator") {
		t.Errorf("%s lists no package github.com/mca-operator/mca-operator among %d", name, len(sbom.Packages))
	}
}
