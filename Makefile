# mca-operator Makefile (kubebuilder v4 layout). `make help` lists the targets.

# The project version: the image tag, the Helm chart's version and appVersion, the image labels.
VERSION ?= $(shell cat VERSION)
IMG ?= mca-operator:v$(VERSION)
# The control plane the tests and the demo run: built from Go modules by hack/build-envtest.sh.
ENVTEST_K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.7.3

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

GOBIN ?= $(shell go env GOBIN)
ifeq ($(GOBIN),)
GOBIN = $(shell go env GOPATH)/bin
endif

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRDs and the RBAC role from the kubebuilder markers (and copy the CRDs into the chart).
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	cp config/crd/bases/*.yaml $(CHART)/crds/

.PHONY: generate
generate: controller-gen ## Generate DeepCopy code from the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: verify-generated
verify-generated: controller-gen ## Fail when generated files are stale (run `make generate manifests`).
	CONTROLLER_GEN=$(CONTROLLER_GEN) hack/verify-generated.sh

# The tests and the benchmark are a module of their own (test/go.mod), and so are the build tools
# of `make image` and `make release` (hack/tools/go.mod), so that the product's go.mod requires
# only what the shipped binaries import; the Go targets run in all three modules.
TEST_MODULE = test
TOOLS_MODULE = hack/tools

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...
	cd $(TEST_MODULE) && go fmt ./...
	cd $(TOOLS_MODULE) && go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...
	cd $(TEST_MODULE) && go vet ./...
	cd $(TOOLS_MODULE) && go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (.golangci.yml).
	$(GOLANGCI_LINT) run
	cd $(TEST_MODULE) && $(GOLANGCI_LINT) run --config ../.golangci.yml
	cd $(TOOLS_MODULE) && $(GOLANGCI_LINT) run --config ../../.golangci.yml

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and apply its fixes.
	$(GOLANGCI_LINT) run --fix
	cd $(TEST_MODULE) && $(GOLANGCI_LINT) run --config ../.golangci.yml --fix
	cd $(TOOLS_MODULE) && $(GOLANGCI_LINT) run --config ../../.golangci.yml --fix

.PHONY: lint-config
lint-config: golangci-lint ## Verify .golangci.yml against the linter's schema.
	$(GOLANGCI_LINT) config verify

.PHONY: envtest-bins
envtest-bins: ## Build kube-apiserver and etcd from Go modules into bin/k8s (cached; first build ~10 min).
	K8S_VERSION=$(ENVTEST_K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) hack/build-envtest.sh $(LOCALBIN)

# Where the tests' kube-apiserver and etcd come from. By default they are built from Go modules
# (hack/build-envtest.sh; no network but the Go module proxy; ~10 min the first time, cached in
# bin/k8s). ENVTEST_SOURCE=download lets setup-envtest download the released binaries instead
# (needs internet; a minute).
ENVTEST_SOURCE ?= build
ifeq ($(ENVTEST_SOURCE),download)
ENVTEST_BINS = setup-envtest
KUBEBUILDER_ASSETS_CMD = $(ENVTEST) use $(ENVTEST_K8S_VERSION) --bin-dir $(LOCALBIN) -p path
else ifeq ($(ENVTEST_SOURCE),build)
ENVTEST_BINS = envtest-bins
KUBEBUILDER_ASSETS_CMD = $(ENVTEST) use -i $(ENVTEST_K8S_VERSION) --bin-dir $(LOCALBIN) -p path
else
$(error ENVTEST_SOURCE must be build or download, not $(ENVTEST_SOURCE))
endif

.PHONY: test
test: verify-generated vet lint $(ENVTEST_BINS) setup-envtest ## Run every test: lint, unit, fuzz seeds, contract, envtest suites, demo, the release's dry run.
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	KUBEBUILDER_ASSETS="$$($(KUBEBUILDER_ASSETS_CMD))" go test ./... -coverprofile cover.out -timeout 30m
	cd $(TEST_MODULE) && KUBEBUILDER_ASSETS="$$($(KUBEBUILDER_ASSETS_CMD))" go test ./... -timeout 30m
	cd $(TOOLS_MODULE) && go test ./...
	$(MAKE) release-dry RELEASE_PLATFORMS="$(RELEASE_TEST_PLATFORMS)"

# The benchmark runs from the repository root: it builds ./cmd/manager and ./cmd/kubectl-mca and
# reads config/crd/bases.
.PHONY: bench
bench: $(ENVTEST_BINS) setup-envtest $(LOCALBIN) ## Run the benchmark program, test/bench (bin/bench-results.json; N=1000 by default).
	cd $(TEST_MODULE) && go build -o $(LOCALBIN)/bench ./bench
	KUBEBUILDER_ASSETS="$$($(KUBEBUILDER_ASSETS_CMD))" $(LOCALBIN)/bench --out $(LOCALBIN) $(BENCH_ARGS)

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and the simulator binaries.
	go build -o bin/manager ./cmd/manager
	go build -o bin/pcsim ./cmd/pcsim

.PHONY: demo
demo: $(ENVTEST_BINS) setup-envtest ## Run the local demo: control plane, simulator, manager, samples (DEMO_ARGS=--until-converged).
	go build -o $(LOCALBIN)/demo ./cmd/demo
	KUBEBUILDER_ASSETS="$$($(KUBEBUILDER_ASSETS_CMD))" $(LOCALBIN)/demo $(DEMO_ARGS)

.PHONY: run
run: manifests generate fmt vet ## Run the manager from your host against the current kubeconfig (needs make install; flags in RUN_ARGS).
	go run ./cmd/manager $(RUN_ARGS)

IMAGE_DIR ?= $(LOCALBIN)/image
IMAGE_ARCH ?= $(shell go env GOARCH)
# The build tools of hack/tools are built into TOOLS_BIN and run from the repository root, where
# the paths they are given and their defaults (LICENSE, plugins/mca.yaml) resolve.
TOOLS_BIN ?= $(abspath $(LOCALBIN))/tools

.PHONY: image
image: ## Build the manager image with no container engine: $(IMAGE_DIR)/oci (OCI layout), image.tar, sbom.spdx.json.
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) go build -trimpath -ldflags="-s -w" -o $(IMAGE_DIR)/manager ./cmd/manager
	go build -C $(TOOLS_MODULE) -o $(TOOLS_BIN)/image ./image
	$(TOOLS_BIN)/image --binary $(IMAGE_DIR)/manager --os linux --arch $(IMAGE_ARCH) --version $(VERSION) --tag $(IMG) --out $(IMAGE_DIR)

.PHONY: docker-build
docker-build: ## Build the manager image (needs a Docker engine).
	docker build -t ${IMG} .

.PHONY: docker-push
docker-push: ## Push the manager image (needs a Docker engine).
	docker push ${IMG}

##@ Deployment

CHART ?= charts/mca-operator

.PHONY: chart
chart: manifests ## Refresh the Helm chart: CRDs, alert rules and admission policies from config/, version and appVersion from VERSION.
	cp config/prometheus/rules.yaml $(CHART)/files/prometheus-rules.yaml
	rm -f $(CHART)/files/policies/*.yaml && for f in config/policies/*.yaml; do \
		case $$f in */kustomiz*) ;; *) cp $$f $(CHART)/files/policies/ ;; esac; done
	sed -i -e 's/^version: .*/version: $(VERSION)/' -e 's/^appVersion: .*/appVersion: "$(VERSION)"/' $(CHART)/Chart.yaml

# render-install renders config/default, its manager image set to $(IMG), into the file $(1). It
# renders a copy of config/ (kustomize refuses an overlay that points at an absolute path), so that
# the working tree is left as it was.
define render-install
config=$$(mktemp -d) && trap 'rm -rf "$$config"' EXIT && cp -R config "$$config/" && \
	(cd "$$config/config/manager" && $(KUSTOMIZE) edit set image controller=$(IMG)) && \
	$(KUSTOMIZE) build "$$config/config/default" > $(1)
endef

.PHONY: build-installer
build-installer: manifests generate kustomize ## Render config/default (CRDs, RBAC, Deployment, Service) with IMG into one file, dist/install.yaml.
	mkdir -p dist
	$(call render-install,dist/install.yaml)

# A release: the kubectl-mca archives of RELEASE_PLATFORMS; the manager's image is for linux amd64
# and arm64 (hack/tools/release reads manager_linux_<arch> of both).
RELEASE_DIR ?= dist
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
KREW_VERSION ?= v0.4.3
HELM_VERSION ?= v3.22.0
# RELEASE_DRY=1 is CI's dry run of the same recipe (`make release-dry`, the last step of `make
# test`): it builds into a new temporary directory instead of RELEASE_DIR, and removes it once every
# check passed. `make test` runs it for the host and linux/arm64 only (RELEASE_TEST_PLATFORMS): on
# a cold build cache each further os/arch compiles every dependency once more, and linux/arm64
# shares its build with the image's arm64 manager; `make release-dry` alone builds every platform.
RELEASE_TEST_PLATFORMS ?= $(sort $(shell go env GOOS)/$(shell go env GOARCH) linux/arm64)
ifneq ($(RELEASE_DRY),)
override RELEASE_DIR := $(shell mktemp -d -t mca-release-dry.XXXXXX)
endif

.PHONY: release
release: manifests generate kustomize ## Build and check a release (VERSION=x.y.z) into RELEASE_DIR (dist/), publishing nothing: kubectl-mca archives of RELEASE_PLATFORMS, checksums.txt, krew manifest mca.yaml, install.yaml, chart, amd64+arm64 image index with SBOMs.
	@echo "release $(VERSION) into $(RELEASE_DIR): kubectl-mca for $(RELEASE_PLATFORMS); the image for linux/amd64, linux/arm64"
	rm -rf $(RELEASE_DIR)/bin
	for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" != windows ] || ext=.exe; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags="-s -w" -o $(RELEASE_DIR)/bin/kubectl-mca_$${os}_$${arch}$$ext ./cmd/kubectl-mca; \
	done
	for arch in amd64 arm64; do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -trimpath -ldflags="-s -w" -o $(RELEASE_DIR)/bin/manager_linux_$$arch ./cmd/manager; \
	done
	go build -C $(TOOLS_MODULE) -o $(TOOLS_BIN)/release ./release
	$(TOOLS_BIN)/release --version $(VERSION) --platforms "$(RELEASE_PLATFORMS)" --bin-dir $(RELEASE_DIR)/bin --out $(RELEASE_DIR) --manager-bin-dir $(RELEASE_DIR)/bin --image $(IMG)
	$(call render-install,$(RELEASE_DIR)/install.yaml)
	go run helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) package $(CHART) --version $(VERSION) --app-version $(VERSION) --destination $(RELEASE_DIR)
	@# The checks. krew's own code validates the manifest (krew is run, not imported: its go.mod
	@# requires client-go v11.0.0+incompatible, which would displace any module's client-go), then
	@# installs every platform's archive from it, which verifies the archive's sha256.
	go run sigs.k8s.io/krew/cmd/validate-krew-manifest@$(KREW_VERSION) -manifest $(RELEASE_DIR)/mca.yaml -skip-install
	for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=tar.gz; [ "$$os" != windows ] || ext=zip; \
		krew_root=$$(mktemp -d); ok=1; \
		out=$$(KREW_ROOT=$$krew_root KREW_OS=$$os KREW_ARCH=$$arch go run sigs.k8s.io/krew/cmd/krew@$(KREW_VERSION) install \
			--manifest=$(RELEASE_DIR)/mca.yaml --archive=$(RELEASE_DIR)/kubectl-mca_$${os}_$${arch}.$$ext </dev/null 2>&1) || ok=; \
		rm -rf "$$krew_root"; [ -n "$$ok" ] || { echo "$$out"; exit 1; }; echo "krew installed $$p from mca.yaml"; \
	done
	cd $(TEST_MODULE) && RELEASE_CHECK_DIR=$(abspath $(RELEASE_DIR)) RELEASE_CHECK_PLATFORMS="$(RELEASE_PLATFORMS)" \
		RELEASE_CHECK_VERSION=$(VERSION) RELEASE_CHECK_IMAGE=$(IMG) go test -count=1 ./release
	$(if $(RELEASE_DRY),rm -rf $(RELEASE_DIR))

.PHONY: release-dry
release-dry: ## CI's dry run of `make release` (RELEASE_DRY=1): the same build and checks, into a temporary directory.
	$(MAKE) release RELEASE_DRY=1

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs (and so every CustomerAgreement and PartnerTenant). ignore-not-found=true ignores missing ones.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator to the cluster of the current kubeconfig.
	cd config/manager && $(KUSTOMIZE) edit set image controller=${IMG}
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply -f -

.PHONY: undeploy
undeploy: kustomize ## Remove what `make deploy` created, CRDs included. ignore-not-found=true ignores missing objects.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

LOCALBIN ?= $(shell pwd)/bin
$(LOCALBIN):
	mkdir -p $(LOCALBIN)

KUBECTL ?= kubectl
KUSTOMIZE ?= $(LOCALBIN)/kustomize
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
ENVTEST ?= $(LOCALBIN)/setup-envtest

GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint

KUSTOMIZE_VERSION ?= v5.8.2
CONTROLLER_TOOLS_VERSION ?= v0.23.0
ENVTEST_VERSION ?= v0.25.1
GOLANGCI_LINT_VERSION ?= v2.15.0

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Download kustomize locally if necessary.
$(KUSTOMIZE): $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Download controller-gen locally if necessary.
$(CONTROLLER_GEN): $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: setup-envtest
setup-envtest: $(ENVTEST) ## Download setup-envtest locally if necessary.
$(ENVTEST): $(LOCALBIN)
	$(call go-install-tool,$(ENVTEST),sigs.k8s.io/controller-runtime/tools/setup-envtest,$(ENVTEST_VERSION))

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Build golangci-lint from Go modules locally if necessary.
$(GOLANGCI_LINT): $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

# go-install-tool will 'go install' any package with a custom target and name of binary, if it doesn't exist
# $1 - target path with name of binary
# $2 - package url which can be installed
# $3 - specific version of package
define go-install-tool
@[ -f "$(1)-$(3)" ] && [ "$$(readlink -- "$(1)" 2>/dev/null)" = "$(1)-$(3)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Downloading $${package}" ;\
rm -f "$(1)" ;\
GOBIN="$(LOCALBIN)" go install $${package} ;\
mv "$(LOCALBIN)/$$(basename "$(1)")" "$(1)-$(3)" ;\
} ;\
ln -sf "$$(realpath "$(1)-$(3)")" "$(1)"
endef
