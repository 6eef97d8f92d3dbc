#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy, once per version, into a
# cache outside the repository, and prints the binary's path. Helm stays
# out of the repository's go.mod: it is built in a throwaway module.
#
#   tests/components/helm.sh                 # build on a cache miss, print path
#   HELM_VERSION=3.22.0 tests/components/helm.sh
#
# Needs: go (and the Go module proxy on a cache miss). Cache:
# ${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components/helm-<version>/helm
# A build is written to a temporary directory and moved into place only
# when it succeeded, so an interrupted build never leaves a broken cache.
set -euo pipefail

version="${HELM_VERSION:-3.22.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components"
dir="$cache/helm-$version"
bin="$dir/helm"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "helm.sh: go is not on PATH; it is needed to build helm" >&2; exit 1; }

mkdir -p "$cache"
# One build at a time per version, whoever starts it (parallel test binaries).
exec 9>"$cache/helm-$version.lock"
flock 9
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d "$cache/helm-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

major="${version%%.*}"
echo "helm.sh: building helm v$version into $dir (about a minute cold)" >&2
mkdir -p "$work/out"
# go install pkg@version builds in module mode outside any module, so the
# caller's go.mod (this repository's) is neither read nor changed.
(cd "$work" && GOBIN="$work/out" GOFLAGS=-mod=mod CGO_ENABLED=0 \
  go install -ldflags "-s -w" "helm.sh/helm/v$major/cmd/helm@v$version" >&2) ||
  { echo "helm.sh: cannot build helm v$version (needs go and the Go module proxy, $(go env GOPROXY))" >&2; exit 1; }

"$work/out/helm" version --short >&2
rm -rf "$dir"
mv "$work/out" "$dir"
echo "$bin"
