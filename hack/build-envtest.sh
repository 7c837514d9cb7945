#!/usr/bin/env bash
# Builds the envtest control-plane binaries (kube-apiserver, etcd) from Go modules, because
# setup-envtest's release-bucket download cannot be reached from CI. The result lands where
# setup-envtest keeps its store, so `setup-envtest use <ver> --bin-dir bin -p path` finds it offline.
#
#   hack/build-envtest.sh [BIN_DIR]      (default: ./bin)
#
# Environment: K8S_VERSION (default 1.37.2), ETCD_VERSION (default 3.7.3).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="${1:-$ROOT/bin}"
mkdir -p "$BIN_DIR"
BIN_DIR="$(cd "$BIN_DIR" && pwd)"
GOOS_="$(go env GOOS)"; GOARCH_="$(go env GOARCH)"
DEST="$BIN_DIR/k8s/${K8S_VERSION}-${GOOS_}-${GOARCH_}"
mkdir -p "$DEST"

log() { printf '[build-envtest] %s\n' "$*" >&2; }

have_apiserver() { [ -x "$DEST/kube-apiserver" ] && "$DEST/kube-apiserver" --version 2>/dev/null | grep -q "v${K8S_VERSION}\$"; }
have_etcd() { [ -x "$DEST/etcd" ] && "$DEST/etcd" --version 2>/dev/null | grep -q "etcd Version: ${ETCD_VERSION}\$"; }

if have_apiserver && have_etcd; then
  log "kube-apiserver v${K8S_VERSION} and etcd v${ETCD_VERSION} already in $DEST"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Print a heartbeat while a long build runs, so a first build does not look hung.
with_heartbeat() {
  local what="$1"; shift
  local start=$SECONDS
  ( while sleep 30; do log "… still building $what ($((SECONDS - start))s; a cold first build takes ~10 min on 2 cores)"; done ) &
  local hb=$!
  local rc=0
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  return $rc
}

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off

if ! have_apiserver; then
  log "building kube-apiserver v${K8S_VERSION} from k8s.io/kubernetes (module download + compile)"
  mod="$WORK/apiserver"; mkdir -p "$mod"; cd "$mod"
  go mod init envtest-apiserver >/dev/null 2>&1
  go mod edit -require="k8s.io/kubernetes@v${K8S_VERSION}"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them to local directories;
  # that replace does not apply to a dependency, so point each one at its published v0.x release.
  gomod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  minor="${K8S_VERSION#1.}"
  for m in $(grep -E '^\s*k8s.io/[^ ]+ v0\.0\.0(\s|$)' "$gomod" | awk '{print $1}' | sort -u); do
    go mod edit -replace="$m=$m@v0.${minor}"
  done
  ldf="-s -w"
  major="${K8S_VERSION%%.*}"; kminor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v${K8S_VERSION} -X $p.gitMajor=${major} -X $p.gitMinor=${kminor}"
  done
  with_heartbeat kube-apiserver go build -trimpath -ldflags "$ldf" -o "$DEST/.kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv -f "$DEST/.kube-apiserver.tmp" "$DEST/kube-apiserver"
  log "kube-apiserver: $("$DEST/kube-apiserver" --version)"
fi

if ! have_etcd; then
  log "building etcd v${ETCD_VERSION} from go.etcd.io/etcd/server/v3"
  mod="$WORK/etcd"; mkdir -p "$mod"; cd "$mod"
  go mod init envtest-etcd >/dev/null 2>&1
  go mod edit -require="go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  with_heartbeat etcd go build -trimpath -ldflags "-s -w" -o "$DEST/.etcd.tmp" go.etcd.io/etcd/server/v3
  mv -f "$DEST/.etcd.tmp" "$DEST/etcd"
  log "etcd: $("$DEST/etcd" --version | head -1)"
fi

log "envtest binaries ready in $DEST"
