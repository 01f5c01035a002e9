# The Go driver (drivers/go) on its pinned github.com/github/copilot-sdk/go,
# for RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/go.Dockerfile -t conformance-driver-go .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-go
#
# SDK_VERSION=v1.0.13 builds against another published version (as the local
# runner does for SDK_VERSION). The driver's go.mod needs Go >= 1.24; the tag
# is the Go the suite itself uses, so both runners build with the same Go.
FROM golang:1.26-bookworm AS build

WORKDIR /src
ENV GOWORK=off CGO_ENABLED=0
# Modules first, in their own layer: editing main.go does not download again.
COPY drivers/go/go.mod drivers/go/go.sum ./
RUN go mod download
COPY drivers/go/main.go ./
ARG SDK_VERSION=
RUN if [ -n "$SDK_VERSION" ]; then go get "github.com/github/copilot-sdk/go@$SDK_VERSION"; fi \
 && go build -trimpath -o /out/driver . \
 && go version -m /out/driver | grep copilot-sdk

FROM debian:bookworm-slim
COPY --from=build /out/driver /usr/local/bin/conformance-driver
LABEL conformance.driver=go
USER nobody
ENTRYPOINT ["/usr/local/bin/conformance-driver"]
