# The Go driver (drivers/go) on its pinned github.com/github/copilot-sdk/go,
# for RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/go.Dockerfile -t conformance-driver-go .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-go
#
# SDK_VERSION=v1.0.13 builds against another published version (as the local
# runner does for SDK_VERSION); SDK_SOURCE=1 against the module the suite put
# at docker/sdk-source/ of the context (a checkout of the SDK's go/ folder,
# or of the monorepo), through a go.work as the local runner does. The driver's go.mod needs Go >= 1.24; the tag
# is the Go the suite itself uses, so both runners build with the same Go.
FROM golang:1.26-bookworm AS build

WORKDIR /src
ENV GOWORK=off CGO_ENABLED=0
# Modules first, in their own layer: editing main.go does not download again.
COPY drivers/go/go.mod drivers/go/go.sum ./
RUN go mod download
COPY drivers/go/main.go ./
ARG SDK_VERSION=
ARG SDK_SOURCE=
COPY docker/sdk-source/ /sdk-source/
RUN set -e; \
    if [ -n "$SDK_SOURCE" ]; then \
      mod=; for d in /sdk-source /sdk-source/go; do \
        if grep -q '^module github.com/github/copilot-sdk/go$' "$d/go.mod" 2>/dev/null; then mod=$d; break; fi; done; \
      [ -n "$mod" ] || { echo "SDK_SOURCE: no go.mod of github.com/github/copilot-sdk/go at its top nor in go/" >&2; exit 1; }; \
      export GOWORK=/src/go.work; go work init /src "$mod"; \
    elif [ -n "$SDK_VERSION" ]; then go get "github.com/github/copilot-sdk/go@$SDK_VERSION"; fi; \
    go build -trimpath -o /out/driver .; \
    go version -m /out/driver | grep copilot-sdk

FROM debian:bookworm-slim
COPY --from=build /out/driver /usr/local/bin/conformance-driver
LABEL conformance.driver=go
USER nobody
ENTRYPOINT ["/usr/local/bin/conformance-driver"]
