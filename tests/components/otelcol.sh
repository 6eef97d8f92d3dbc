#!/usr/bin/env bash
# Builds a small OpenTelemetry Collector (OTLP receiver, batch processor,
# debug and file exporters) with the collector builder, once per version,
# into a cache outside the repository, and prints the binary's path.
#
#   tests/components/otelcol.sh            # build on a cache miss, print path
#   OTELCOL_VERSION=0.161.0 tests/components/otelcol.sh
#
# Needs: go (and the Go module proxy on a cache miss). Cache:
# ${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components/otelcol-<version>/otelcol
# A build is written to a temporary directory and moved into place only
# when it succeeded, so an interrupted build never leaves a broken cache.
set -euo pipefail

version="${OTELCOL_VERSION:-0.161.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components"
dir="$cache/otelcol-$version"
bin="$dir/otelcol"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "otelcol.sh: go is not on PATH; it is needed to build the collector" >&2; exit 1; }

mkdir -p "$cache"
# One build at a time per version, whoever starts it (parallel test binaries).
exec 9>"$cache/otelcol-$version.lock"
flock 9
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d "$cache/otelcol-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "otelcol.sh: building OpenTelemetry Collector v$version into $dir (one to several minutes cold)" >&2
fail() { echo "otelcol.sh: $1 (needs go and the Go module proxy, $(go env GOPROXY))" >&2; exit 1; }
GOBIN="$work/tools" GOFLAGS=-mod=mod go install "go.opentelemetry.io/collector/cmd/builder@v$version" >&2 ||
  fail "cannot install the collector builder v$version"

cat >"$work/manifest.yaml" <<YAML
dist:
  name: otelcol
  description: Zeta test collector (OTLP in, JSON lines out)
  output_path: $work/dist
  version: $version
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v$version
processors:
  - gomod: go.opentelemetry.io/collector/processor/batchprocessor v$version
exporters:
  - gomod: go.opentelemetry.io/collector/exporter/debugexporter v$version
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter v$version
YAML

(cd "$work" && GOFLAGS=-mod=mod "$work/tools/builder" --config "$work/manifest.yaml" >&2) ||
  fail "the collector builder failed"

mkdir -p "$work/out"
cp "$work/dist/otelcol" "$work/out/otelcol"
cp "$work/manifest.yaml" "$work/out/manifest.yaml"
rm -rf "$dir"
mv "$work/out" "$dir"
echo "$bin"
