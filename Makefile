# The bearer-token callback conformance suite. `make help` lists the targets.
#
#   make conformance SDK=node                 the main job, for one SDK
#   make conformance SDK=node SDK_VERSION=1.0.4       generation 1
#   make conformance SDK=node,go,node@1.0.4           several builds, with a summary table
#   make conformance SDK=node SDK_SOURCE=../copilot-sdk/nodejs
#   make conformance SDK=java SDK_SOURCE=copilot-sdk-java-1.0.4.tar.gz   a packed checkout
#   make conformance SDK=java+a.tar.gz,java+b.tar.gz  one source per build
#   make conformance SDK=node TAGS=@BT-4      only the scenarios of one rule
#   make conformance SDK=node RUNTIME=real    against the real Copilot runtime (npm), offline
#   make conformance SDK=node TRANSPORT=stdio the SDK spawns its runtime (the suite's shim)
#   make conformance SDK=node RUNNER=container the driver in a container (make docker-base-images first)
#   make test                                 every test of the suite (what CI runs)

SDK             ?= node
SDK_VERSION     ?=
comma := ,
empty :=
space := $(empty) $(empty)

SDK_SOURCE      ?=
SDK_SOURCE_VERSION ?=
TAGS            ?=
RUNTIME         ?= fake
RUNTIME_VERSION ?=
RUNTIME_BINARY  ?=
GO              ?= go

TRANSPORT       ?= tcp
RUNNER          ?= local
PARALLEL        ?=

# The tests run in steps/: a relative SDK_SOURCE is made absolute here,
# where the user gave it.
override SDK_SOURCE := $(if $(SDK_SOURCE),$(abspath $(SDK_SOURCE)))

export SDK SDK_VERSION SDK_SOURCE SDK_SOURCE_VERSION TAGS RUNTIME RUNTIME_VERSION RUNTIME_BINARY TRANSPORT RUNNER PARALLEL

.PHONY: help setup conformance fuzz fuzz-short soak bench matrix bisect dashboard rule-tables differential differential-check mutants mutants-check test unit vet cross clean docker-engine docker-base-images docker-clean check-reports lint-workflows ci-matrix test-containers

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# Go and rustup's cargo where their installers put them, after the
# user's own PATH.
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/.cargo/bin

# What setup checks (scripts/prerequisites.sh): the toolchains of the SDKs
# a target runs, and what make test needs besides. SDK=all runs what this
# machine has, so it checks nothing more than Go.
SETUP_PARTS ?= $(filter-out all,$(foreach s,$(subst $(comma), ,$(SDK)),$(firstword $(subst @, ,$(subst +, ,$(s))))))
conformance bench: SETUP_PARTS = $(filter-out all,$(foreach s,$(subst $(comma), ,$(SDK)),$(firstword $(subst @, ,$(subst +, ,$(s)))))) $(if $(filter container,$(RUNNER)),container)
test: SETUP_PARTS = node python rust java dashboard container reports workflows

setup: ## check (as root on Debian: install) what $(SETUP_PARTS) need, in one message if something is missing; download the suite's Go modules (drivers install their SDKs on first use)
	@bash scripts/prerequisites.sh $(sort $(SETUP_PARTS))
	$(GO) mod download

# RUNNER=container needs an engine and the base images first.
CONFORMANCE_NEEDS = setup $(if $(filter container,$(RUNNER)),docker-base-images)

conformance: $(CONFORMANCE_NEEDS) ## run the features against $(SDK) (node, go, python, rust, java, dotnet, all, or a comma-separated list); reports in results/
	$(GO) test -count=1 -timeout 60m -v -run '^TestConformance$$' ./steps

BENCH_N          ?= 200
BENCH_TRANSPORTS ?= tcp,stdio

bench: setup ## getToken round trip per SDK and transport (sequential and concurrent), with a Go baseline; results/bench.json (other SDKs' earlier numbers kept)
	$(GO) run ./internal/cmd/bench -sdk '$(SDK)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -transport '$(BENCH_TRANSPORTS)' -n $(BENCH_N) -out results/bench.json

VERSIONS         ?= all
RUNTIME_VERSIONS ?=
RULE             ?=
SCENARIO         ?=
# Source archives (copilot-sdk-<sdk>-<version>.tar.gz) that stand in for a
# registry that does not serve a version, e.g. the Java SDK's here.
SDK_SOURCES      ?=

matrix: setup ## run the features against every published version of $(SDK) with the callback (VERSIONS=all|<from>..<to>|<v1>,<v2>; RUNTIME=real RUNTIME_VERSIONS=<list|all> for the runtime axis): results/matrix/<sdk>.json and a table of first passes and changes
	$(GO) run ./internal/cmd/matrix -sdk '$(SDK)' -versions '$(VERSIONS)' -runtime '$(RUNTIME)' -runtime-versions '$(RUNTIME_VERSIONS)' -sources '$(SDK_SOURCES)' -tags '$(TAGS)' -parallel '$(or $(PARALLEL),0)' -out results/matrix

bisect: setup ## find the release of $(SDK) where RULE=BT-n (or SCENARIO="<name>") changed its outcome, by binary search over the published versions
	$(GO) run ./internal/cmd/matrix -bisect -sdk '$(SDK)' -versions '$(VERSIONS)' -rule '$(RULE)' -scenario '$(SCENARIO)' -sources '$(SDK_SOURCES)' -tags '$(TAGS)' -parallel '$(or $(PARALLEL),0)'

# The result folders of run records (<label>/verdict.json) that dashboard
# and check-reports read: results/, or where a CI gathered its cells'
# results; the dashboard merges several (comma-separated, e.g. a CI
# matrix's artifacts). Where it writes, and whether one label's runs from
# different suite commits may merge.
RESULTS             ?= results
DASHBOARD_OUT       ?= $(firstword $(subst $(comma), ,$(RESULTS)))
ALLOW_MIXED_COMMITS ?=
# Soak reports (make soak) whose flaky scenarios the dashboard marks:
# empty reads soak.json in each RESULTS folder where there is one; a
# comma-separated list merges those files (e.g. one per SDK soaked apart).
SOAK                ?=

dashboard: ## the parity dashboard from the runs under $(RESULTS) (RESULTS=<dir>,<dir> merges folders), flaky scenarios marked from soak.json there or $(SOAK): dashboard.html, parity.json, parity-comment.md in $(DASHBOARD_OUT)
	$(GO) run ./internal/cmd/dashboard -results '$(RESULTS)' -out '$(DASHBOARD_OUT)' -soak '$(SOAK)' $(if $(ALLOW_MIXED_COMMITS),-allow-mixed-commits)

rule-tables: ## rewrite the rule tables of README.md and CONTRACT.md from the features (a unit test fails while they differ)
	$(GO) run ./internal/cmd/ruletables -features features README.md CONTRACT.md

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

cross: ## the suite builds and vets on macOS and Windows too, where SDK maintainers work
	GOOS=darwin $(GO) build ./...
	GOOS=windows $(GO) build ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...

# The SDK builds CI checks, on both runtimes and over both transports: the
# pinned ones, and 1.0.4 of each SDK (contract generation 1; about 5 min
# for its stdio runs, since scenarios run four at once). Java
# comes from the release sources in JAVA_SOURCES (the Maven registry here
# does not serve its SDK: README, "Java"), an entry java+<archive> each.
# Not dotnet: no .NET toolchain here.
TEST_GEN2_SDKS ?= node,go,python,rust
TEST_GEN1_SDKS ?= node@1.0.4,python@1.0.4,go@v1.0.4,rust@1.0.4
# The archives are CI's inputs (beside the checkout); a checkout without
# them runs the rest and says so (see the test target).
JAVA_GEN2_SOURCE ?= $(wildcard $(abspath ../shared/sdk-sources/copilot-sdk-java-1.0.11.tar.gz))
JAVA_GEN1_SOURCE ?= $(wildcard $(abspath ../shared/sdk-sources/copilot-sdk-java-1.0.4.tar.gz))
JAVA_SOURCES      = $(strip $(JAVA_GEN2_SOURCE) $(JAVA_GEN1_SOURCE))
java_entries      = $(foreach a,$(1),$(comma)java+$(a))
java_labels       = $(foreach a,$(1),$(comma)java@$(patsubst copilot-sdk-java-%.tar.gz,%,$(notdir $(a)))+source)
TEST_GEN2_ENTRIES = $(subst $(space),,$(TEST_GEN2_SDKS)$(call java_entries,$(JAVA_GEN2_SOURCE)))
TEST_GEN1_ENTRIES = $(subst $(space),,$(TEST_GEN1_SDKS)$(call java_entries,$(JAVA_GEN1_SOURCE)))
# The labels of those builds (results/<label>/), for the differential
# check: a source build is named by the version its archive holds.
TEST_LABELS     ?= $(subst $(space),,$(TEST_GEN2_SDKS),$(TEST_GEN1_SDKS)$(call java_labels,$(JAVA_SOURCES)))
TEST_RUNTIMES   ?= fake,real
TEST_TRANSPORTS ?= tcp,stdio
TEST_GEN1_TRANSPORTS ?= tcp,stdio

# The SDKs whose mutants CI runs (java from its release's source archive,
# which CI has at ../shared/sdk-sources), and the sets it runs in rotating
# parts to stay within its time (see mutants). Not rust: its unpatched copy
# alone recompiles the SDK crate (minutes on 2 cores) and each mutant again;
# make mutants SDK=rust runs its set on its own.
TEST_MUTANT_SDKS  ?= node,go,python,java
TEST_MUTANT_PARTS ?= node=2,python=2,java=5

# The SDK builds CI also runs with each driver in a container, over each of
# TEST_CONTAINER_TRANSPORTS (TCP: each image's stdio transport is checked by
# internal/container's test, which is cheaper than a second run of the
# features), and the driver images whose build and handshake
# internal/container's test checks. Java in a container is built from the
# SDK's source archive (TEST_CONTAINER_JAVA_SOURCE, a CI input: the Maven
# registry here does not serve the SDK). Not dotnet: its images come from
# Microsoft's registry and need NuGet, and these machines reach neither
# (docker/dotnet.Dockerfile).
TEST_CONTAINER_SDKS        ?= node,go,python,rust
TEST_CONTAINER_TRANSPORTS  ?= tcp
TEST_CONTAINER_JAVA_SOURCE ?= $(CURDIR)/../shared/sdk-sources/copilot-sdk-java-1.0.11.tar.gz
TEST_IMAGE_SDKS            ?= node,go,python,rust

# The SDKs whose base images docker-base-images provides: empty means every
# docker/*.Dockerfile (best effort); conformance and test narrow it to the
# SDKs they run in containers.
BASE_IMAGE_SDKS ?=
conformance: BASE_IMAGE_SDKS = $(filter-out all,$(foreach s,$(subst $(comma), ,$(SDK)),$(firstword $(subst @, ,$(subst +, ,$(s))))))
test test-containers: BASE_IMAGE_SDKS = $(sort $(subst $(comma), ,$(TEST_CONTAINER_SDKS) $(TEST_IMAGE_SDKS)) $(if $(TEST_CONTAINER_JAVA_SOURCE),java))

test: setup vet cross lint-workflows fuzz-short docker-base-images ## every test: unit tests, the features for $(TEST_GEN2_ENTRIES) on the $(TEST_RUNTIMES) runtimes over $(TEST_TRANSPORTS) and for $(TEST_GEN1_ENTRIES) over $(TEST_GEN1_TRANSPORTS), the mutant SDKs each rule must catch, the differential check, and $(TEST_CONTAINER_SDKS) and java in containers
	@[ -n "$(JAVA_SOURCES)" ] || echo "note: no Java release archives (JAVA_SOURCES, ../shared/sdk-sources/copilot-sdk-java-*.tar.gz): Java's features are not run"
	SDK='$(TEST_GEN2_ENTRIES)' RUNTIME=$(TEST_RUNTIMES) TRANSPORT=$(TEST_TRANSPORTS) RUNNER=local SDK_VERSION= SDK_SOURCE= SDK_SOURCE_VERSION= TAGS= CONTAINER_TEST_SDKS=$(TEST_IMAGE_SDKS) $(GO) test -count=1 -timeout 80m ./...
	SDK='$(TEST_GEN1_ENTRIES)' RUNTIME=$(TEST_RUNTIMES) TRANSPORT=$(TEST_GEN1_TRANSPORTS) RUNNER=local SDK_VERSION= SDK_SOURCE= SDK_SOURCE_VERSION= TAGS= $(GO) test -count=1 -timeout 60m -run '^TestConformance$$' ./steps
	$(MAKE) --no-print-directory check-reports
	$(MAKE) --no-print-directory differential-check SDK='$(TEST_LABELS)'
	$(MAKE) --no-print-directory explore-test
	$(MAKE) --no-print-directory mutants SDK=$(TEST_MUTANT_SDKS) MUTANT_PARTS=$(TEST_MUTANT_PARTS) SDK_VERSION= SDK_SOURCE= SDK_SOURCE_VERSION= TAGS=
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

# The fuzz targets, as package:function. Go fuzzes one function per run.
FUZZ_TARGETS ?= internal/jsonrpc:FuzzReadFrame internal/jsonrpc:FuzzCodec internal/driver:FuzzDecodeAnswer internal/wiretap:FuzzRelay internal/expectations:FuzzParse
FUZZTIME     ?= 1m
# Go spends up to a minute shrinking each new interesting input, which
# under load would use a short run's whole time; a few seconds is enough.
FUZZMINIMIZETIME ?= 5s

fuzz: ## fuzz each parser of hostile input for $(FUZZTIME) (FUZZTIME=10m for longer); a finding lands in the package's testdata/fuzz
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz: $$fn ($$pkg) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./$$pkg || exit 1; \
	done

fuzz-short: ## every fuzz target for 10s each (what make test runs)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10s

# The soak runs both runtimes and both transports unless RUNTIME or
# TRANSPORT is given (on the command line or in the environment).
N ?= 20
SOAK_RUNTIMES   = $(if $(filter file,$(origin RUNTIME)),fake$(comma)real,$(RUNTIME))
SOAK_TRANSPORTS = $(if $(filter file,$(origin TRANSPORT)),tcp$(comma)stdio,$(TRANSPORT))

soak: setup ## run the features N times (N=20) for $(SDK) on both runtimes and transports (narrow with RUNTIME, TRANSPORT, TAGS); results/soak.json names the flaky scenarios
	$(GO) run ./internal/cmd/soak -n $(N) -sdk '$(SDK)' -runtime '$(SOAK_RUNTIMES)' -transport '$(SOAK_TRANSPORTS)' -tags '$(TAGS)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -parallel '$(or $(PARALLEL),0)' -out results/soak.json

# make explore: the contract explorer (docs/exploring.md). SEED is the
# first workload's seed (empty: one from the clock, printed); N a number of
# workloads and BUDGET a wall time (e.g. 60s): without either, 60s. N is
# soak's too, so only an N given on the command line counts here.
SEED   ?=
BUDGET ?=
EXPLORE_N = $(if $(filter file,$(origin N)),0,$(N))
# What make test explores: each SDK for TEST_EXPLORE_BUDGET from one seed
# (printed; SEED= replays it), java from its release archive (a CI input,
# beside the checkout; without it java is left out, and said so).
TEST_EXPLORE_SDKS        ?= node,go,python,rust
TEST_EXPLORE_BUDGET      ?= 20s
TEST_EXPLORE_JAVA_SOURCE ?= $(wildcard $(abspath ../shared/sdk-sources/copilot-sdk-java-1.0.11.tar.gz))

.PHONY: explore explore-test
explore: setup ## random workloads from a model of the contract against $(SDK) on the fake runtime, every rule checked; a new violation is shrunk and printed as a scenario (SEED=, N=, BUDGET=60s)
	$(GO) run ./internal/cmd/explore -sdk '$(SDK)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -seed '$(SEED)' -n $(or $(EXPLORE_N),0) -budget $(or $(BUDGET),0)

explore-test: ## what make test explores: $(TEST_EXPLORE_SDKS) and java from $(TEST_EXPLORE_JAVA_SOURCE), $(TEST_EXPLORE_BUDGET) each, from one printed seed
	@seed=$${SEED:-$$(date +%s)}; echo "explore: seed $$seed for every SDK (replay: make explore-test SEED=$$seed)"; status=0; \
	for s in $$(echo '$(TEST_EXPLORE_SDKS)' | tr ',' ' '); do \
	  $(GO) run ./internal/cmd/explore -sdk $$s -seed $$seed -budget $(TEST_EXPLORE_BUDGET) || status=1; \
	done; \
	$(if $(TEST_EXPLORE_JAVA_SOURCE),$(GO) run ./internal/cmd/explore -sdk java -source '$(TEST_EXPLORE_JAVA_SOURCE)' -seed $$seed -budget $(TEST_EXPLORE_BUDGET) || status=1;,echo "explore: no Java release archive (TEST_EXPLORE_JAVA_SOURCE): java not explored";) \
	exit $$status

check-reports: ## check every $(RESULTS)/<label>/ junit.xml, cucumber.json and verdict.json against the schemas CI tools use (internal/reports/schema)
	$(GO) run ./internal/cmd/reports check $(RESULTS)

# actionlint checks the workflows' run: scripts with shellcheck when it is
# on PATH, and silently skips them when not: so shellcheck is required.
lint-workflows: ## actionlint (pinned in go.mod) on every workflow in .github/workflows, shellcheck on .github/ci/*.sh
	@command -v shellcheck >/dev/null || { echo "shellcheck not found: actionlint needs it to check the workflows' scripts (Debian: apt-get install shellcheck)"; exit 1; }
	$(GO) tool actionlint -no-color .github/workflows/*.yml
	shellcheck .github/ci/*.sh

# make ci-matrix: the cells of .github/workflows/conformance.yml to run
# here (patterns over build/runtime/transport; empty: all), and where the
# Java release archives are, which the hosted runner downloads instead.
CELLS               ?=
SDK_SOURCE_ARCHIVES ?= $(abspath ../shared/sdk-sources)

ci-matrix: ## rehearse the CI workflow here: each cell of its matrix (CELLS='node/*/*,go/fake/tcp' narrows) in its own results folder, then its merge job; results/ci-matrix/
	SDK_SOURCE_ARCHIVES='$(SDK_SOURCE_ARCHIVES)' $(GO) run ./internal/cmd/cimatrix -cells '$(CELLS)'

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
