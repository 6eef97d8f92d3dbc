#!/usr/bin/env bash
# Builds a Kubernetes control plane for tests (kube-apiserver and etcd, no
# kubelet, scheduler or controller-manager) from the Go module proxy, once
# per version, into a cache outside the repository, and prints the
# directory holding both binaries (usable as KUBEBUILDER_ASSETS).
#
#   tests/components/kube.sh                 # build on a cache miss, print dir
#   KUBE_VERSION=1.37.2 ETCD_VERSION=3.7.3 tests/components/kube.sh
#
# Needs: go (and the Go module proxy on a cache miss). Cache:
# ${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components/kube-<version>/{kube-apiserver,etcd}
# A build is written to a temporary directory and moved into place only
# when it succeeded, so an interrupted build never leaves a broken cache.
# A cold build takes about 5.5 minutes on 2 cores.
set -euo pipefail

version="${KUBE_VERSION:-1.37.2}"
etcd_version="${ETCD_VERSION:-3.7.3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components"
dir="$cache/kube-$version"

complete() { [[ -x "$dir/kube-apiserver" && -x "$dir/etcd" && -f "$dir/etcd.version" && "$(cat "$dir/etcd.version")" == "$etcd_version" ]]; }

if complete; then
  echo "$dir"
  exit 0
fi

command -v go >/dev/null || { echo "kube.sh: go is not on PATH; it is needed to build kube-apiserver and etcd" >&2; exit 1; }

mkdir -p "$cache"
# One build at a time per version, whoever starts it (parallel test binaries).
exec 9>"$cache/kube-$version.lock"
flock 9
if complete; then
  echo "$dir"
  exit 0
fi

work="$(mktemp -d "$cache/kube-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "kube.sh: $1 (needs go and the Go module proxy, $(go env GOPROXY))" >&2; exit 1; }

echo "kube.sh: building kube-apiserver v$version and etcd v$etcd_version into $dir (about 5.5 minutes cold)" >&2

# k8s.io/kubernetes replaces its staging modules with local paths its module
# zip lacks: a throwaway module pins each of them to the matching v0 release.
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
  cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt
  kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver streaming)
mkdir -p "$work/apiserver" "$work/etcd" "$work/out"
(
  cd "$work/apiserver"
  go mod init zeta.test/kube-apiserver >/dev/null 2>&1
  for m in "${staging[@]}"; do
    go mod edit -replace "k8s.io/$m=k8s.io/$m@v0.${version#1.}"
  done
  go mod edit -require "k8s.io/kubernetes@v$version"
  GOFLAGS=-mod=mod go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$version" >&2
  GOFLAGS=-mod=mod go build -ldflags "-s -w" -o "$work/out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
) || fail "cannot build kube-apiserver v$version"

(
  cd "$work/etcd"
  go mod init zeta.test/etcd >/dev/null 2>&1
  GOFLAGS=-mod=mod go get -tool "go.etcd.io/etcd/server/v3@v$etcd_version" >&2
  GOFLAGS=-mod=mod go build -ldflags "-s -w" -o "$work/out/etcd" go.etcd.io/etcd/server/v3 >&2
) || fail "cannot build etcd v$etcd_version"

echo "$etcd_version" >"$work/out/etcd.version"
rm -rf "$dir"
mv "$work/out" "$dir"
echo "$dir"
