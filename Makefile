# Zeta: see README.md. Targets that touch the kernel (test, bench, demo) need root.

GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
BINARIES    := bin/zeta-agent bin/zetactl bin/zeta-lab
GOLANGCI    := golangci-lint
GOLANGCI_VERSION := v2.15.0
TOOLS_BIN   := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/zeta/tools/golangci-lint-$(GOLANGCI_VERSION)
DEMO_NAME   ?= demo
# controller-gen runs at a pinned version and stays out of go.mod.
CONTROLLER_GEN := $(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0
API_PKGS    := ./api/v1alpha1/...
# buf compiles api/**/*.proto; its plugins' versions are in api/buf.gen.yaml.
BUF         := $(GO) run github.com/bufbuild/buf/cmd/buf@v1.75.0

.PHONY: all build generate generate-check test bench demo lint clean bpffs $(BINARIES)

all: build

build: $(BINARIES)

$(BINARIES):
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/$(notdir $@)

# Regenerates the committed eBPF objects and Go bindings (needs clang), the
# API's deepcopy functions and CRDs (api/, deploy/crds/), and the gRPC API's
# Go code from api/**/*.proto (buf and its plugins run through go run).
generate:
	cd bpf && $(GO) generate ./...
	$(CONTROLLER_GEN) object paths=$(API_PKGS)
	rm -f deploy/crds/zeta.io_*.yaml
	$(CONTROLLER_GEN) crd paths=$(API_PKGS) output:crd:artifacts:config=deploy/crds
	cd api && $(BUF) generate

# Fails when the committed generated files differ from what the sources
# produce, or when generation made files git does not know.
generate-check: generate
	@git diff --exit-code -- bpf/ api/ deploy/crds/ || { echo "generated files are stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- api/ deploy/crds/)" || { git ls-files --others --exclude-standard -- api/ deploy/crds/; echo "generated files are not committed: run 'make generate' and commit"; exit 1; }

# Programs load into the kernel and pin maps in bpffs, so it must be mounted.
bpffs:
	@mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

test: build bpffs
	PATH="$(CURDIR)/bin:$$PATH" $(GO) test -count=1 -timeout 20m ./...

bench: build bpffs
	PATH="$(CURDIR)/bin:$$PATH" $(GO) run ./tests/bench -out docs/benchmarks.md

demo: build bpffs
	@set -e; trap 'bin/zeta-lab down --name $(DEMO_NAME)' EXIT; \
	bin/zeta-lab up -f examples/demo --name $(DEMO_NAME); \
	echo; echo "== TCP/80 reachability (row: from, column: to)"; \
	bin/zeta-lab matrix --name $(DEMO_NAME) -f examples/demo --protocol TCP --port 80 -o table; \
	echo; echo "== flows the agents saw"; \
	bin/zeta-lab flows --name $(DEMO_NAME)

lint:
	@test -x $(TOOLS_BIN)/$(GOLANGCI) || GOBIN=$(TOOLS_BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(TOOLS_BIN)/$(GOLANGCI) run ./...
	cd api && $(BUF) lint

clean:
	rm -rf bin
