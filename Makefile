# The bearer-token callback conformance suite. `make help` lists the targets.
#
#   make conformance SDK=node                 the main job, for one SDK
#   make conformance SDK=node SDK_VERSION=1.0.4       generation 1
#   make conformance SDK=node,go,node@1.0.4           several builds, with a summary table
#   make conformance SDK=node SDK_SOURCE=../copilot-sdk/nodejs
#   make conformance SDK=node TAGS=@BT-4      only the scenarios of one rule
#   make conformance SDK=node RUNTIME=real    against the real Copilot runtime (npm), offline
#   make conformance SDK=node TRANSPORT=stdio the SDK spawns its runtime (the suite's shim)
#   make conformance SDK=node RUNNER=container the driver in a container (make docker-base-images first)
#   make test                                 every test of the suite (what CI runs)

SDK             ?= node
SDK_VERSION     ?=
SDK_SOURCE      ?=
TAGS            ?=
RUNTIME         ?= fake
RUNTIME_VERSION ?=
RUNTIME_BINARY  ?=
GO              ?= go

TRANSPORT       ?= tcp
RUNNER          ?= local

export SDK SDK_VERSION SDK_SOURCE TAGS RUNTIME RUNTIME_VERSION RUNTIME_BINARY TRANSPORT RUNNER

.PHONY: help setup conformance bench dashboard differential differential-check test test-containers unit vet clean docker-engine docker-base-images docker-clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: ## download the suite's Go modules and check the toolchains (drivers install their SDKs on first use)
	$(GO) mod download
	@command -v node >/dev/null || echo "warning: node not found: the node driver cannot run"
	@command -v npm  >/dev/null || echo "warning: npm not found: the node driver cannot be installed"
	@command -v cargo >/dev/null || echo "warning: cargo not found: the rust driver cannot be built"
	@command -v javac >/dev/null && command -v mvn >/dev/null || echo "warning: javac or mvn not found: the java driver cannot be built"

# RUNNER=container needs an engine and the base images first.
CONFORMANCE_NEEDS = setup $(if $(filter container,$(RUNNER)),docker-base-images)

conformance: $(CONFORMANCE_NEEDS) ## run the features against $(SDK) (node, go, python, rust, java, dotnet, all, or a comma-separated list); reports in results/
	$(GO) test -count=1 -timeout 60m -v -run '^TestConformance$$' ./steps

BENCH_N          ?= 200
BENCH_TRANSPORTS ?= tcp,stdio

bench: setup ## getToken round trip per SDK and transport (sequential and concurrent), with a Go baseline; results/bench.json (other SDKs' earlier numbers kept)
	$(GO) run ./internal/cmd/bench -sdk '$(SDK)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -transport '$(BENCH_TRANSPORTS)' -n $(BENCH_N) -out results/bench.json

dashboard: ## the parity dashboard from every run under results/: results/dashboard.html and dashboard.md
	$(GO) run ./internal/cmd/dashboard -results results

unit: ## the suite's own unit tests (no SDK needed)
	$(GO) test -count=1 -timeout 10m ./internal/...

vet: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l internal steps)" || { gofmt -l internal steps; echo "gofmt needed"; exit 1; }

# The SDK builds CI checks, on both runtimes: the pinned ones, and Node
# 1.0.4 for contract generation 1. Not java: the Maven registry here does
# not serve its SDK (README, "Java"); not dotnet: no .NET toolchain here.
TEST_SDKS       ?= node,go,python,rust,node@1.0.4
TEST_RUNTIMES   ?= fake,real
TEST_TRANSPORTS ?= tcp,stdio

# The SDK builds CI also runs with each driver in a container, over each of
# TEST_CONTAINER_TRANSPORTS, and the driver images whose build and handshake
# internal/container's test checks. Java in a container is built from the
# SDK's source archive (TEST_CONTAINER_JAVA_SOURCE, a CI input: the Maven
# registry here does not serve the SDK). Not dotnet: its images come from
# Microsoft's registry and need NuGet, and these machines reach neither
# (docker/dotnet.Dockerfile).
TEST_CONTAINER_SDKS        ?= node,go,python,rust
TEST_CONTAINER_TRANSPORTS  ?= tcp,stdio
TEST_CONTAINER_JAVA_SOURCE ?= $(CURDIR)/../shared/sdk-sources/copilot-sdk-java-1.0.11.tar.gz
TEST_IMAGE_SDKS            ?= node,go,python,rust

comma := ,
# The SDKs whose base images docker-base-images provides: empty means every
# docker/*.Dockerfile (best effort); conformance and test narrow it to the
# SDKs they run in containers.
BASE_IMAGE_SDKS ?=
conformance: BASE_IMAGE_SDKS = $(filter-out all,$(foreach s,$(subst $(comma), ,$(SDK)),$(firstword $(subst @, ,$(s)))))
test test-containers: BASE_IMAGE_SDKS = $(sort $(subst $(comma), ,$(TEST_CONTAINER_SDKS) $(TEST_IMAGE_SDKS)) $(if $(TEST_CONTAINER_JAVA_SOURCE),java))

test: setup vet docker-base-images ## every test: unit tests, the features for $(TEST_SDKS) on the $(TEST_RUNTIMES) runtimes over $(TEST_TRANSPORTS), the mutant SDKs each rule must catch, the differential check, and $(TEST_CONTAINER_SDKS) and java in containers
	SDK=$(TEST_SDKS) RUNTIME=$(TEST_RUNTIMES) TRANSPORT=$(TEST_TRANSPORTS) RUNNER=local SDK_VERSION= SDK_SOURCE= TAGS= CONTAINER_TEST_SDKS=$(TEST_IMAGE_SDKS) $(GO) test -count=1 -timeout 80m ./...
	$(MAKE) --no-print-directory differential-check SDK=$(TEST_SDKS)
	$(MAKE) --no-print-directory test-containers
	$(if $(ENGINE_UP_BEFORE),@echo "the Docker engine answered before make test: left running",bash docker/engine.sh stop)

# make test leaves no engine behind: it stops a dockerd that docker/engine.sh
# started during the run (one that answered before is left alone).
ifneq ($(filter test,$(MAKECMDGOALS)),)
ENGINE_UP_BEFORE := $(shell bash docker/engine.sh status >/dev/null 2>&1 && echo yes)
endif

# The container runs of make test, then the check that they left nothing
# behind: docker-clean removes the suite's containers, images and their
# build cache, and the engine itself is stopped by whoever started it
# (.ci/run: docker/engine.sh stop).
test-containers: docker-base-images ## $(TEST_CONTAINER_SDKS), and java from $(TEST_CONTAINER_JAVA_SOURCE), with RUNNER=container over $(TEST_CONTAINER_TRANSPORTS) (fake runtime), then docker-clean and a check that nothing is left
	SDK=$(TEST_CONTAINER_SDKS) RUNTIME=fake TRANSPORT=$(TEST_CONTAINER_TRANSPORTS) RUNNER=container SDK_VERSION= SDK_SOURCE= TAGS= $(GO) test -count=1 -timeout 40m -run '^TestConformance$$' ./steps
	$(if $(TEST_CONTAINER_JAVA_SOURCE),SDK=java RUNTIME=fake TRANSPORT=$(TEST_CONTAINER_TRANSPORTS) RUNNER=container SDK_VERSION= SDK_SOURCE='$(TEST_CONTAINER_JAVA_SOURCE)' TAGS= $(GO) test -count=1 -timeout 30m -run '^TestConformance$$' ./steps)
	$(MAKE) --no-print-directory docker-clean
	bash docker/leftovers.sh

docker-engine: ## start a Docker engine if none answers (dockerd as these machines need it; see docker/README.md)
	bash docker/engine.sh

docker-base-images: docker-engine ## the base images of docker/*.Dockerfile: kept, pulled, or local stand-ins where no registry answers
	bash docker/base-images.sh $(BASE_IMAGE_SDKS)

docker-clean: ## remove the suite's containers, driver images and their build cache (dangling images, builder cache); base images and the engine stay
	bash docker/clean.sh

differential: ## run $(SDK) on the fake and the real runtime, then compare what crossed the wire (results/differential-<sdk>.md)
	$(MAKE) --no-print-directory conformance RUNTIME=fake,real
	$(MAKE) --no-print-directory differential-check

differential-check: ## compare the fake- and real-runtime results already under results/ for each of $(SDK)
	@for s in $$(echo '$(SDK)' | tr ',' ' '); do \
	  $(GO) run ./internal/cmd/differential -fake results/$$s -real results/$$s.real-runtime \
	    -out results/differential-$$s.md >/dev/null \
	    || { echo "$$s: differential check failed (see above, and results/differential-$$s.md if written)"; exit 1; }; \
	  echo "$$s: $$(tail -1 results/differential-$$s.md)"; \
	done

clean: ## remove reports and prepared drivers
	rm -rf results .cache drivers/node/node_modules
