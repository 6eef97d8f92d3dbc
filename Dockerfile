# Zeta's image: zeta-agent and zetactl on a distroless base. The eBPF
# objects are committed (bpf/*_bpfel.o), so the build needs no clang.
#
#   make image                      # docker build -t $(IMAGE) .
#   docker build --build-arg VERSION=v0.1.0 -t ghcr.io/zeta-net/zeta:v0.1.0 .

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# Static binaries: the base image has no libc.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/zeta-agent ./cmd/zeta-agent && \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/zetactl ./cmd/zetactl

# The agent runs as uid 0 with only CAP_BPF and CAP_NET_ADMIN (see
# deploy/README.md), so the base is distroless/static's root variant.
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/zeta-agent /out/zetactl /usr/bin/
ENTRYPOINT ["/usr/bin/zeta-agent"]
CMD ["run", "--source=kubernetes"]
