# syntax=docker/dockerfile:1
# Builds the mca-operator manager image: a static Go binary on distroless, running as non-root.
#   docker build -t <registry>/mca-operator:<tag> .      (or: make docker-build IMG=...)
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t ... --push .

FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# Cache the module downloads in their own layer: it is rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download

# Only what the manager is built from (see .dockerignore for what never enters the context).
COPY cmd/ cmd/
COPY api/ api/
COPY internal/ internal/
COPY pkg/ pkg/

# CGO off gives a static binary for the distroless static image. GOARCH follows the build
# platform unless buildx sets TARGETARCH.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager ./cmd/manager

# distroless/static: no shell, no package manager, CA certificates and tzdata included (the
# manager calls Partner Center and login.microsoftonline.com over TLS).
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
