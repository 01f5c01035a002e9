# The Node driver (drivers/node) on its pinned @github/copilot-sdk, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/node.Dockerfile -t conformance-driver-node .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-node
#
# SDK_VERSION=1.0.4 installs another published version over the pinned one
# (as the local runner does for SDK_VERSION); SDK_SOURCE=1 what the suite put
# at docker/sdk-source/ of the context for SDK_SOURCE: a packed tarball
# (.tgz), or a package directory, packed first as the local runner does. The SDK needs Node >= 20.19.
FROM node:20.19-bookworm-slim

WORKDIR /driver
# The install is its own layer: editing driver.mjs does not reinstall the SDK.
# --omit=optional: the SDK's optional dependency is the 115 MB bundled runtime,
# and the driver connects to the runtime the suite runs. --ignore-scripts:
# the only install script is koffi's native build, which the driver never
# loads (package.json's allowScripts says the same to npm >= 11; the image's
# npm 10 does not read it).
COPY drivers/node/package.json drivers/node/package-lock.json ./
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error
ARG SDK_VERSION=
ARG SDK_SOURCE=
COPY docker/sdk-source/ /sdk-source/
RUN set -e; \
    flags="--no-save --omit=optional --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error"; \
    if [ -n "$SDK_SOURCE" ]; then \
      pkg=$(ls /sdk-source/*.tgz 2>/dev/null | head -n 1); \
      if [ -z "$pkg" ]; then \
        [ -f /sdk-source/package.json ] || { echo "SDK_SOURCE: neither a .tgz nor a package directory (package.json)" >&2; exit 1; }; \
        pkg=/tmp/$(npm pack --ignore-scripts --silent --pack-destination /tmp /sdk-source | tail -n 1); \
      fi; \
      npm install $flags "$pkg"; \
    elif [ -n "$SDK_VERSION" ]; then npm install $flags "@github/copilot-sdk@$SDK_VERSION"; fi; \
    rm -rf /sdk-source
COPY drivers/node/driver.mjs ./

LABEL conformance.driver=node
USER node
ENTRYPOINT ["node", "/driver/driver.mjs"]
