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

package image

import (
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

const (
	noAssertion   = "NOASSERTION"
	mainPackageID = "SPDXRef-Package-main"
)

// SBOM of the image, in SPDX 2.3 JSON. The image holds nothing but the manager binary, so its
// software is exactly the Go modules linked into it, which the Go toolchain records in the binary
// (what `go version -m` prints): that list is read here instead of building a general scanner
// such as syft, whose dependency tree is far larger than this project's.
func SBOM(binary, imageName string, created time.Time) ([]byte, error) {
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	type checksum struct {
		Algorithm     string `json:"algorithm"`
		ChecksumValue string `json:"checksumValue"`
	}
	type externalRef struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	}
	type pkg struct {
		SPDXID           string        `json:"SPDXID"`
		Name             string        `json:"name"`
		VersionInfo      string        `json:"versionInfo"`
		DownloadLocation string        `json:"downloadLocation"`
		FilesAnalyzed    bool          `json:"filesAnalyzed"`
		LicenseConcluded string        `json:"licenseConcluded"`
		LicenseDeclared  string        `json:"licenseDeclared"`
		CopyrightText    string        `json:"copyrightText"`
		Checksums        []checksum    `json:"checksums,omitempty"`
		ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
	}
	type relationship struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	}
	newPkg := func(id, path, version, sum string, license string) pkg {
		p := pkg{
			SPDXID: id, Name: path, VersionInfo: version, DownloadLocation: noAssertion,
			LicenseConcluded: noAssertion, LicenseDeclared: license, CopyrightText: noAssertion,
			ExternalRefs: []externalRef{{"PACKAGE-MANAGER", "purl", purl(path, version)}},
		}
		// The go.sum hash "h1:<base64>" is a SHA-256 (of the module's file list); SPDX wants hex.
		if b64, ok := strings.CutPrefix(sum, "h1:"); ok {
			if raw, err := base64.StdEncoding.DecodeString(b64); err == nil {
				p.Checksums = []checksum{{"SHA256", hex.EncodeToString(raw)}}
			}
		}
		return p
	}
	mainVersion := info.Main.Version
	pkgs := []pkg{newPkg(mainPackageID, info.Main.Path, mainVersion, info.Main.Sum, "Apache-2.0")}
	pkgs[0].Checksums = nil
	rels := []relationship{{"SPDXRef-DOCUMENT", "DESCRIBES", mainPackageID}}
	pkgs = append(pkgs, pkg{
		SPDXID: "SPDXRef-Package-go-stdlib", Name: "stdlib", VersionInfo: info.GoVersion,
		DownloadLocation: noAssertion, LicenseConcluded: noAssertion, LicenseDeclared: "BSD-3-Clause",
		CopyrightText: noAssertion,
		ExternalRefs:  []externalRef{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@" + info.GoVersion}},
	})
	rels = append(rels, relationship{mainPackageID, "DEPENDS_ON", "SPDXRef-Package-go-stdlib"})
	for i, dep := range info.Deps {
		d := dep
		if d.Replace != nil {
			d = d.Replace
		}
		id := fmt.Sprintf("SPDXRef-Package-%d", i)
		pkgs = append(pkgs, newPkg(id, d.Path, d.Version, d.Sum, noAssertion))
		rels = append(rels, relationship{mainPackageID, "DEPENDS_ON", id})
	}
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              imageName,
		"documentNamespace": "https://github.com/mca-operator/mca-operator/sbom/" + imageName,
		"creationInfo": map[string]any{
			"created":  created.UTC().Format(time.RFC3339),
			"creators": []string{"Tool: mca-operator-hack-image"},
			"comment":  "The Go modules linked into /manager, read from the binary's build information.",
		},
		"packages":      pkgs,
		"relationships": rels,
	}
	return json.MarshalIndent(doc, "", "  ")
}

// purl is the package URL of a Go module (pkg:golang/<path>@<version>).
func purl(path, version string) string {
	if version == "" || version == "(devel)" {
		return "pkg:golang/" + path
	}
	return "pkg:golang/" + path + "@" + version
}
