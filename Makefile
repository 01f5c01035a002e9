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

.PHONY: help setup conformance bench dashboard differential differential-check mutants mutants-check test unit vet clean docker-engine docker-base-images docker-clean

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

# make mutants: MUTANT_PARTS=rust=3 runs one third of rust's mutants, the
# part MUTANT_PART says (a number, e.g. CI's run number; default the day of
# the year), so that a set too slow for every run is covered in rotation.
MUTANT_PARTS ?=
MUTANT_PART  ?=

mutants: setup ## copies of $(SDK)'s pinned release broken one rule at a time (mutants/<sdk>.yaml), each of which the suite must catch; prints a score, writes results/mutants/<sdk>.json
	$(GO) run ./internal/cmd/mutants -sdk '$(SDK)' -parts '$(MUTANT_PARTS)' -part '$(MUTANT_PART)'

mutants-check: ## check that every mutant of $(SDK) still applies to its pinned release (runs no scenario)
	$(GO) run ./internal/cmd/mutants -check -sdk '$(SDK)'

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

# The SDKs whose mutants CI runs (java from its release's source archive,
# which CI has at ../shared/sdk-sources), and the sets it runs in rotating
# parts to stay within its time (see mutants).
TEST_MUTANT_SDKS  ?= node,go,python,rust,java
TEST_MUTANT_PARTS ?= rust=3

# The SDK builds CI also runs with each driver in a container, and the
# driver images whose build and handshake internal/container's test checks.
# Not dotnet: its images come from Microsoft's registry and need NuGet, and
# these machines reach neither (docker/dotnet.Dockerfile).
TEST_CONTAINER_SDKS ?= node,go
TEST_IMAGE_SDKS     ?= node,go,python

comma := ,
# The SDKs whose base images docker-base-images provides: empty means every
# docker/*.Dockerfile (best effort); conformance and test narrow it to the
# SDKs they run in containers.
BASE_IMAGE_SDKS ?=
conformance: BASE_IMAGE_SDKS = $(filter-out all,$(foreach s,$(subst $(comma), ,$(SDK)),$(firstword $(subst @, ,$(s)))))
test: BASE_IMAGE_SDKS = $(sort $(subst $(comma), ,$(TEST_CONTAINER_SDKS) $(TEST_IMAGE_SDKS)))

test: setup vet docker-base-images ## every test: unit tests, the features for $(TEST_SDKS) on the $(TEST_RUNTIMES) runtimes over $(TEST_TRANSPORTS), the mutant SDKs each rule must catch, the differential check, and $(TEST_CONTAINER_SDKS) in containers
	SDK=$(TEST_SDKS) RUNTIME=$(TEST_RUNTIMES) TRANSPORT=$(TEST_TRANSPORTS) RUNNER=local SDK_VERSION= SDK_SOURCE= TAGS= CONTAINER_TEST_SDKS=$(TEST_IMAGE_SDKS) $(GO) test -count=1 -timeout 80m ./...
	$(MAKE) --no-print-directory differential-check SDK=$(TEST_SDKS)
	$(MAKE) --no-print-directory mutants SDK=$(TEST_MUTANT_SDKS) MUTANT_PARTS=$(TEST_MUTANT_PARTS) SDK_VERSION= SDK_SOURCE= TAGS=
	SDK=$(TEST_CONTAINER_SDKS) RUNTIME=fake TRANSPORT=tcp RUNNER=container SDK_VERSION= SDK_SOURCE= TAGS= $(GO) test -count=1 -timeout 30m -run '^TestConformance$$' ./steps
	@! docker ps -aq --filter label=conformance.suite=bearer-token | grep -q . || { echo "containers of the suite were left behind:"; docker ps -a --filter label=conformance.suite=bearer-token; exit 1; }

docker-engine: ## start a Docker engine if none answers (dockerd as these machines need it; see docker/README.md)
	bash docker/engine.sh

docker-base-images: docker-engine ## the base images of docker/*.Dockerfile: kept, pulled, or local stand-ins where no registry answers
	bash docker/base-images.sh $(BASE_IMAGE_SDKS)

docker-clean: ## remove the suite's containers and driver images (base images and the engine stay)
	-docker ps -aq --filter label=conformance.suite=bearer-token | xargs -r docker rm -f
	-docker images -q --filter label=conformance.suite=bearer-token | sort -u | xargs -r docker rmi -f

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
