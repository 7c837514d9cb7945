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

// Command image writes the manager's OCI image, built from a static manager binary with no
// container engine, as an OCI layout directory and a tarball that `docker load`, `podman load`
// and `kind load image-archive` accept, with an SPDX SBOM beside them. `make image` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/mca-operator/mca-operator/hack/tools/internal/image"
)

func main() {
	var o image.Options
	var out, tag string
	flag.StringVar(&o.Binary, "binary", "bin/image/manager", "The static manager binary (CGO_ENABLED=0).")
	flag.StringVar(&o.OS, "os", runtime.GOOS, "The binary's GOOS.")
	flag.StringVar(&o.Arch, "arch", runtime.GOARCH, "The binary's GOARCH.")
	flag.StringVar(&o.Version, "version", "", "The image's org.opencontainers.image.version label.")
	flag.StringVar(&o.Source, "source", "https://github.com/mca-operator/mca-operator",
		"The image's org.opencontainers.image.source label.")
	flag.StringVar(&o.Licenses, "licenses", "Apache-2.0", "The image's org.opencontainers.image.licenses label (SPDX).")
	flag.StringVar(&out, "out", "bin/image", "The output directory: oci/ (OCI layout), image.tar, sbom.spdx.json.")
	flag.StringVar(&tag, "tag", "mca-operator:latest", "The image reference recorded in the tarball and the layout.")
	flag.Parse()
	if err := run(o, out, tag); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(o image.Options, out, tag string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	img, err := image.Build(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	ociDir := filepath.Join(out, "oci")
	if err := os.RemoveAll(ociDir); err != nil {
		return err
	}
	p, err := layout.Write(ociDir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref.String(),
	})); err != nil {
		return err
	}
	tarPath := filepath.Join(out, "image.tar")
	if err := tarball.WriteToFile(tarPath, ref, img); err != nil {
		return err
	}
	sbom, err := image.SBOM(o.Binary, ref.String(), o.Created)
	if err != nil {
		return err
	}
	sbomPath := filepath.Join(out, "sbom.spdx.json")
	if err := os.WriteFile(sbomPath, sbom, 0o600); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s %s\n  OCI layout: %s\n  tarball:    %s\n  SBOM:       %s\n", ref, digest, ociDir, tarPath, sbomPath)
	return nil
}
