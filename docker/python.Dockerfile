# The Python driver (drivers/python) on its pinned github-copilot-sdk, for
# RUNNER=container. Build context: the repository root (see /.dockerignore).
#
#   docker build --network host -f docker/python.Dockerfile -t conformance-driver-python .
#   printf '{"id":1,"cmd":"hello"}\n' | docker run -i --rm --network host conformance-driver-python
#
# SDK_VERSION=1.0.26 installs another published version instead of the
# pinned one (as the local runner does). The SDK needs Python >= 3.11.
FROM python:3.11-slim-bookworm

WORKDIR /driver
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
COPY drivers/python/requirements.txt ./
ARG SDK_VERSION=
RUN if [ -n "$SDK_VERSION" ]; then pip install --quiet "github-copilot-sdk==$SDK_VERSION"; \
    else pip install --quiet -r requirements.txt; fi
COPY drivers/python/driver.py ./

USER nobody
ENTRYPOINT ["python", "-u", "/driver/driver.py"]
