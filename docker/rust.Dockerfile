# The Rust driver (drivers/rust) on its pinned github-copilot-sdk crate, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/rust.Dockerfile -t conformance-driver-rust .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-rust
#
# SDK_VERSION=1.0.16 builds against another published version, and
# SDK_SOURCE=1 the crate put at docker/sdk-source/ of the context (a
# checkout of the SDK's rust/ folder, or of the monorepo), as the local
# runner does: only the SDK's dependency line of Cargo.toml changes. The
# driver needs Rust >= 1.94 (its rust-version).
FROM rust:1-bookworm AS build

WORKDIR /src/driver
# The SDK's build script would download the Copilot CLI with the `runtime`
# feature on; the driver connects to the runtime the suite runs.
ENV CARGO_TARGET_DIR=/src/target COPILOT_SKIP_CLI_DOWNLOAD=1
# Dependencies first, in their own layer, compiled against a placeholder
# main: editing src/main.rs recompiles the driver only.
COPY drivers/rust/Cargo.toml drivers/rust/Cargo.lock drivers/rust/build.rs ./
RUN mkdir src && echo 'fn main() {}' >src/main.rs \
 && cargo build --release --locked \
 && rm -rf src
ARG SDK_VERSION=
ARG SDK_SOURCE=
COPY docker/sdk-source/ /sdk-source/
RUN set -e; \
    if [ -n "$SDK_SOURCE" ]; then \
      crate=; for d in /sdk-source /sdk-source/rust; do \
        if grep -q '^name = "github-copilot-sdk"' "$d/Cargo.toml" 2>/dev/null; then crate=$d; break; fi; done; \
      [ -n "$crate" ] || { echo "SDK_SOURCE: no Cargo.toml of the github-copilot-sdk package at its top nor in rust/" >&2; exit 1; }; \
      dep="github-copilot-sdk = { path = '$crate'"; \
    elif [ -n "$SDK_VERSION" ]; then \
      dep="github-copilot-sdk = { version = \"=$SDK_VERSION\""; \
    fi; \
    if [ -n "${dep:-}" ]; then \
      grep -q '^github-copilot-sdk = { version = "=[^"]*"' Cargo.toml; \
      sed -i "s|^github-copilot-sdk = { version = \"=[^\"]*\"|$dep|" Cargo.toml; \
      grep '^github-copilot-sdk' Cargo.toml; \
    fi
COPY drivers/rust/src ./src
# --locked only when Cargo.toml is the pinned one: another SDK version or
# a local crate changes what Cargo resolves (build.rs reads the version it
# resolved from Cargo.lock).
RUN touch src/main.rs \
 && if [ -z "$SDK_VERSION$SDK_SOURCE" ]; then cargo build --release --locked; else cargo build --release; fi \
 && cp /src/target/release/conformance-driver-rust /usr/local/bin/conformance-driver

FROM debian:bookworm-slim
# The SDK links OpenSSL (openssl-sys): its shared library, as in the build image.
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/conformance-driver /usr/local/bin/conformance-driver
LABEL conformance.driver=rust
USER nobody
ENTRYPOINT ["/usr/local/bin/conformance-driver"]
