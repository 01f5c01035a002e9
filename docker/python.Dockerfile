# The Python driver (drivers/python) on its pinned github-copilot-sdk, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/python.Dockerfile -t conformance-driver-python .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-python
#
# SDK_VERSION=1.0.26 installs another published version instead of the
# pinned one (as the local runner does); SDK_SOURCE=1 what the suite put at
# docker/sdk-source/ of the context for SDK_SOURCE: a wheel, an sdist, or
# a checkout pip installs (pyproject.toml or setup.py, at its top or in
# python/). The SDK needs Python >= 3.11.
FROM python:3.11-slim-bookworm

WORKDIR /driver
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
COPY drivers/python/requirements.txt ./
ARG SDK_VERSION=
ARG SDK_SOURCE=
COPY docker/sdk-source/ /sdk-source/
RUN set -e; \
    if [ -n "$SDK_SOURCE" ]; then \
      pkg=; for f in /sdk-source/*.whl /sdk-source/*.tar.gz /sdk-source /sdk-source/python; do \
        case "$f" in *'*'*) continue ;; esac; \
        if [ -f "$f" ] || [ -f "$f/pyproject.toml" ] || [ -f "$f/setup.py" ]; then pkg=$f; break; fi; done; \
      [ -n "$pkg" ] || { echo "SDK_SOURCE: neither a wheel, an sdist, nor a checkout with pyproject.toml or setup.py (at its top or in python/)" >&2; exit 1; }; \
      pip install --quiet "$pkg"; \
    elif [ -n "$SDK_VERSION" ]; then pip install --quiet "github-copilot-sdk==$SDK_VERSION"; \
    else pip install --quiet -r requirements.txt; fi; \
    rm -rf /sdk-source
COPY drivers/python/driver.py ./

USER nobody
ENTRYPOINT ["python", "-u", "/driver/driver.py"]
