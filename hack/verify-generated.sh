#!/usr/bin/env bash
# Fails when the generated files (deepcopy, CRDs, RBAC role) differ from what controller-gen makes
# from the current markers. Generates into a scratch copy, so the working tree is never touched.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTROLLER_GEN="${CONTROLLER_GEN:-$ROOT/bin/controller-gen}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT"
tar --exclude=./bin --exclude=./.git --exclude=./dist -cf - . | tar -C "$tmp" -xf -
cd "$tmp"
"$CONTROLLER_GEN" object:headerFile="hack/boilerplate.go.txt" paths="./..."
"$CONTROLLER_GEN" rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
stale=0
for p in api config/crd/bases config/rbac/role.yaml; do
  [ -e "$ROOT/$p" ] || [ -e "$tmp/$p" ] || continue
  if ! diff -r -q "$ROOT/$p" "$tmp/$p" >/dev/null 2>&1; then
    diff -r -u "$ROOT/$p" "$tmp/$p" | head -40 >&2 || true
    stale=1
  fi
done
if [ "$stale" = 1 ]; then
  echo "generated files are stale: run 'make generate manifests' and commit the result" >&2
  exit 1
fi
echo "generated files are up to date"
