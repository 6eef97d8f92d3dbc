#!/usr/bin/env bash
# Builds spire-server and spire-agent from the Go module proxy, once per
# version, into a cache outside the repository, and prints the directory
# that holds both binaries.
#
#   tests/components/spire.sh              # build on a cache miss, print the bin dir
#   SPIRE_VERSION=1.13.3 tests/components/spire.sh
#
# Needs: go, a C compiler (the sqlite3 datastore is cgo), and the Go module
# proxy on a cache miss (about 5 minutes on 2 cores). Cache:
# ${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components/spire-<version>/{spire-server,spire-agent}
# A build is written to a temporary directory and moved into place only
# when it succeeded, so an interrupted build never leaves a broken cache.
set -euo pipefail

version="${SPIRE_VERSION:-1.13.3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/zeta/components"
dir="$cache/spire-$version"

built() { [[ -x "$dir/spire-server" && -x "$dir/spire-agent" ]]; }

if built; then
  echo "$dir"
  exit 0
fi

command -v go >/dev/null || { echo "spire.sh: go is not on PATH; it is needed to build SPIRE" >&2; exit 1; }
# SPIRE's sqlite3 datastore needs cgo; clang (installed for the eBPF
# build) serves when go's default C compiler is absent.
if ! command -v "$(go env CC)" >/dev/null; then
  command -v clang >/dev/null || { echo "spire.sh: no C compiler ($(go env CC) or clang); SPIRE's sqlite3 datastore needs cgo" >&2; exit 1; }
  export CC=clang
fi

mkdir -p "$cache"
# One build at a time per version, whoever starts it (parallel test binaries).
exec 9>"$cache/spire-$version.lock"
flock 9
if built; then
  echo "$dir"
  exit 0
fi

work="$(mktemp -d "$cache/spire-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "spire.sh: building SPIRE v$version into $dir (about 5 minutes cold)" >&2
fail() { echo "spire.sh: $1 (needs go, cgo and the Go module proxy, $(go env GOPROXY))" >&2; exit 1; }

# A throwaway module pins SPIRE's own go.mod versions: `go install pkg@version`
# is refused for SPIRE (its go.mod has replace directives).
(
  cd "$work"
  go mod init zeta.test/spire >&2
  go get -tool "github.com/spiffe/spire/cmd/spire-server@v$version" "github.com/spiffe/spire/cmd/spire-agent@v$version" >&2
) || fail "cannot fetch SPIRE v$version"

(cd "$work" && CGO_ENABLED=1 GOBIN="$work/out" go install -ldflags "-s -w" \
  github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent >&2) ||
  fail "cannot build SPIRE v$version"

rm -rf "$dir"
mv "$work/out" "$dir"
echo "$dir"
