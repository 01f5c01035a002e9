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

# The folder of SDK release source archives (copilot-sdk-<sdk>-<version>.tar.gz)
# for the builds the registries here do not serve (Java): make test's
# runs and mutants, make ci-matrix. By default where the suite's own CI
# keeps them beside its checkout; a user passes their own (docs/java.md).
SDK_SOURCE_ARCHIVES ?= $(abspath ../shared/sdk-sources)

export SDK SDK_VERSION SDK_SOURCE SDK_SOURCE_VERSION TAGS RUNTIME RUNTIME_VERSION RUNTIME_BINARY TRANSPORT RUNNER PARALLEL SDK_SOURCE_ARCHIVES

.PHONY: test-container-runs test-features test-lane-checks test-lane-checks-in-turn test-lane-more test-lane-more-in-turn help help-values findings setup conformance fuzz fuzz-short soak bench matrix bisect dashboard rule-tables differential differential-check mutants mutants-check test unit vet cross clean docker-engine docker-base-images docker-clean docker-clean-all check-reports lint-workflows ci-matrix ci-matrix-sdk test-containers

# help expands each description's variables: it feeds them, as $(info)
# lines, to a second make that reads this Makefile first, so that they show
# the values they have now (e.g. make help SDK=python).
help: ## list the targets, with the values their variables have now
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) \
	  | awk -F':.*## ' '{printf "$$(info $$(empty)  %-12s %s)\n", $$1, $$2}' \
	  | $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -f - help-values
help-values: ; @:

# Go and rustup's cargo where their installers put them, after the
# user's own PATH.
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/.cargo/bin

# What setup checks (scripts/prerequisites.sh): the toolchains of the SDKs
# a target runs, and what make test needs besides. SDK=all runs what this
# machine has, so it checks nothing more than Go.
# The SDKs a build list names are asked of internal/cmd/plan, which reads
# it as every command does (package build); a bad spelling fails there,
# with the one message that lists the known SDKs. PLAN may be a built
# plan command instead (internal/docs' test: hundreds of make -n).
PLAN ?= $(GO) run ./internal/cmd/plan
sdk_names = $(shell $(PLAN) sdk-names '$(1)')
SETUP_PARTS ?= $(call sdk_names,$(SDK))
conformance bench: SETUP_PARTS = $(call sdk_names,$(SDK)) $(if $(filter container,$(RUNNER)),container)
test: SETUP_PARTS = $(TEST_SDKS) dashboard container reports workflows

setup: ## check (as root on Debian: install) what $(SETUP_PARTS) need, in one message if something is missing; download the suite's Go modules (drivers install their SDKs on first use)
	@bash scripts/prerequisites.sh $(sort $(SETUP_PARTS))
	$(GO) mod download

# RUNNER=container needs an engine and the base images first.
CONFORMANCE_NEEDS = setup $(if $(filter container,$(RUNNER)),docker-base-images)

conformance: $(CONFORMANCE_NEEDS) ## run the features against $(SDK) (builds, comma-separated: <sdk>, <sdk>@<version>, <sdk>+<source>, or all; docs/adding-an-sdk.md); reports in results/
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
# registry that does not serve a version, e.g. the Java SDK's here: by
# default the folder make test reads them from.
SDK_SOURCES      ?= $(SDK_SOURCE_ARCHIVES)

matrix: setup ## run the features against every published version of $(SDK) with the callback (VERSIONS=all|<from>..<to>|<v1>,<v2>; RUNTIME=real RUNTIME_VERSIONS=<list|all> for the runtime axis): results/matrix/<sdk>.json and a table of first passes and changes
	$(GO) run ./internal/cmd/matrix -sdk '$(SDK)' -versions '$(VERSIONS)' -runtime '$(RUNTIME)' -runtime-versions '$(RUNTIME_VERSIONS)' -sources '$(SDK_SOURCES)' -tags '$(TAGS)' -parallel '$(or $(PARALLEL),0)' -out results/matrix

.PHONY: next-versions
next-versions: ## what the next channel of every SDK whose toolchain is here, and RUNTIME_VERSION=next, resolve to today: the versions SDK=<sdk>@next runs (docs/next-channel.md)
	$(GO) run ./internal/cmd/next

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

findings: ## rewrite docs/findings.md from expectations/*.yaml and the features' observed scenarios (a unit test fails while it differs)
	$(GO) run ./internal/cmd/findings

rule-tables: ## rewrite the rule tables of README.md and CONTRACT.md from the features (a unit test fails while they differ)
	$(GO) run ./internal/cmd/ruletables -features features README.md CONTRACT.md

# make mutants: MUTANT_PARTS=rust=3 runs one third of rust's mutants, the
# part MUTANT_PART says (a number, e.g. CI's run number; default the day of
# the year), so that a set too slow for every run is covered in rotation.
MUTANT_PARTS ?=
MUTANT_PART  ?=
# How many SDKs' mutants run side by side (each SDK's one after another:
# they edit one copy of it); make test runs 2, beside its other lanes.
MUTANTS_AT_ONCE ?= 1

mutants: setup ## copies of $(SDK)'s pinned release broken one rule at a time (mutants/<sdk>.yaml), each of which the suite must catch; prints a score, writes results/mutants/<sdk>.json
	$(GO) run ./internal/cmd/mutants -sdk '$(SDK)' -parts '$(MUTANT_PARTS)' -part '$(MUTANT_PART)' -at-once '$(MUTANTS_AT_ONCE)'

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

# What make test runs comes from the CI plan, ci/plan.yaml, which the
# conformance workflow's build list must agree with (internal/ciplan's
# test): TEST_GEN2_* (the pinned builds, with every package's unit tests)
# and TEST_GEN1_* (1.0.4 of each SDK, contract generation 1), each
# ENTRIES on its RUNTIMES over its TRANSPORTS; TEST_LABELS, their labels
# for the differential check; TEST_MUTANT_SDKS and TEST_MUTANT_PARTS;
# TEST_CONTAINER_SDKS and TEST_CONTAINER_SOURCES with RUNNER=container over
# TEST_CONTAINER_TRANSPORTS; TEST_IMAGE_SDKS, the images internal/container's
# test checks; TEST_MISSING_ARCHIVES, the release source archives this
# checkout lacks (their builds are left out, with a note). Read only for
# the targets that use them; each may be overridden (make test
# TEST_MUTANT_SDKS=node).
ifneq ($(filter test test-features test-lane-checks test-lane-checks-in-turn test-lane-more test-lane-more-in-turn test-containers test-container-runs explore-test help-values,$(MAKECMDGOALS)),)
$(foreach kv,$(shell $(PLAN) make-vars '$(SDK_SOURCE_ARCHIVES)' || echo 'PLAN_FAILED|yes'),$(eval $(word 1,$(subst |, ,$(kv))) ?= $(word 2,$(subst |, ,$(kv)))))
$(if $(PLAN_FAILED),$(error ci/plan.yaml could not be read: see the message above (go run ./internal/cmd/plan make-vars)))
TEST_SDKS := $(shell $(PLAN) test-sdks)
endif

# The SDKs whose base images docker-base-images provides: empty means every
# docker/*.Dockerfile (best effort); conformance and test narrow it to the
# SDKs they run in containers.
BASE_IMAGE_SDKS ?=
conformance: BASE_IMAGE_SDKS = $(call sdk_names,$(SDK))
test test-containers test-container-runs: BASE_IMAGE_SDKS = $(sort $(call sdk_names,$(TEST_CONTAINER_SDKS)) $(if $(TEST_CONTAINER_SOURCES),$(call sdk_names,$(TEST_CONTAINER_SOURCES))) $(call sdk_names,$(TEST_IMAGE_SDKS)))

# How many SDK builds make test runs side by side (internal/cmd/sidebyside),
# each build's cells (runtimes x transports) one after the other in its own
# process; scenarios that measure time (@serial) still run alone on the
# machine (steps.Gate). docs/ci.md says how the number was chosen.
BUILDS_AT_ONCE ?= 4
# How many builds make test runs in containers at once, beside the
# features (their images are built, or found, first).
CONTAINERS_AT_ONCE ?= 2
# make test records each phase's and each build's wall and CPU time here,
# and (GATE_TIMES, internal/gate) each @serial scenario's turn alone on the
# machine and the waits behind it, and (machine.start, Linux) what every
# core did, gathered at the end into results/test-times.json
# (internal/timings).
# Not under make -n (internal/docs checks the documents' commands so), which
# still runs the lines that call $(MAKE): a dry run records nothing.
TIMES_DIR = results/times
# How long a @serial scenario of make test (and of a soak with builds side
# by side) lets the other scenarios go on before it closes the machine to
# them (internal/gate: Gate.Gather), so that the serial scenarios of the
# runs side by side take their turns alone in batches: the machine then
# empties for a batch, not for each of them; it stops waiting once no
# scenario runs on the machine. docs/ci.md says how it was chosen.
GATE_GATHER ?= 60s
timed     = $(if $(findstring n,$(firstword -$(MAKEFLAGS))),,bash scripts/timed.sh $(TIMES_DIR) $(1))

test: ## every test: unit tests, the features for $(TEST_GEN2_ENTRIES) on the $(TEST_GEN2_RUNTIMES) runtimes over $(TEST_GEN2_TRANSPORTS) and for $(TEST_GEN1_ENTRIES) on $(TEST_GEN1_RUNTIMES) over $(TEST_GEN1_TRANSPORTS), $(BUILDS_AT_ONCE) builds at once, the mutants of $(TEST_MUTANT_SDKS) each rule must catch, the differential check, and $(TEST_CONTAINER_SDKS) and $(TEST_CONTAINER_SOURCES) in containers (ci/plan.yaml); where the time went: results/test-times.json
	@rm -rf $(TIMES_DIR)
	@mkdir -p $(TIMES_DIR) && { cat /proc/stat > $(TIMES_DIR)/machine.start 2>/dev/null || rm -f $(TIMES_DIR)/machine.start; }
	@[ -z "$(TEST_MISSING_ARCHIVES)" ] || echo "note: no release source archive $(TEST_MISSING_ARCHIVES) (ci/plan.yaml's archives): those builds' features are not run"
	$(call timed,setup) $(MAKE) --no-print-directory setup SETUP_PARTS='$(SETUP_PARTS)'
	$(call timed,vet) $(MAKE) --no-print-directory vet
	$(call timed,cross) $(MAKE) --no-print-directory cross
	$(call timed,lint-workflows) $(MAKE) --no-print-directory lint-workflows
	$(call timed,docker-base-images) $(MAKE) --no-print-directory docker-base-images BASE_IMAGE_SDKS='$(BASE_IMAGE_SDKS)'
	@echo "test: three lanes at once: the features; the unit tests, the rehearsal and the mutants; the fuzzing, the containers and the explorer (the last two lanes' output follows when each ends: results/logs/)"
	$(call timed,lanes) env GATE_TIMES='$(CURDIR)/$(TIMES_DIR)' GATE_GATHER=$(GATE_GATHER) $(MAKE) --no-print-directory -j3 test-features test-lane-checks test-lane-more
	$(call timed,check-reports) $(MAKE) --no-print-directory check-reports
	$(call timed,docker-clean) $(MAKE) --no-print-directory docker-clean
	bash docker/leftovers.sh
	$(if $(ENGINE_UP_BEFORE),@echo "the Docker engine answered before make test: left running",bash docker/engine.sh stop)
	@$(GO) run ./internal/cmd/testtimes -results results

# make test's three lanes, run at once (make -j3). Most of a feature run's
# time is waiting (callbacks of seconds, turns, drivers starting), and the
# fuzzing and the explorer run for a fixed time whatever else runs: the
# other two lanes fill the features' idle time. Lane 1: the features of
# every build, then the differential check, which reads their results.
# Lane 2: the unit tests (whose @serial scenarios, each a test's own,
# take their turns without gathering others), the reusable workflow's
# rehearsal, the mutants.
# Lane 3: the fuzzing, the containers, the explorer. check-reports comes
# after all three (a run still going has an unfinished record), and
# docker-clean with the check that no container is left (lane 2's unit
# tests run containers too). Every
# scenario of every lane, and every workload of the explorer, passes the
# machine-wide gate (internal/gate), so those that measure time (@serial)
# still run alone among scenarios. Lanes 2 and 3 write their output to a
# log (scripts/logged.sh), shown whole when the lane ends, so that no
# lane's lines cut into another's.
test-features:
	$(call timed,features) env TAGS= IMPROVEMENTS=fail $(GO) run ./internal/cmd/sidebyside -at-once $(BUILDS_AT_ONCE) \
	  -set 'sdk=$(TEST_GEN2_ENTRIES) runtime=$(TEST_GEN2_RUNTIMES) transport=$(TEST_GEN2_TRANSPORTS)' \
	  -set 'sdk=$(TEST_GEN1_ENTRIES) runtime=$(TEST_GEN1_RUNTIMES) transport=$(TEST_GEN1_TRANSPORTS)'
	$(call timed,differential) $(MAKE) --no-print-directory differential-check SDK='$(TEST_LABELS)' TRANSPORT='$(TEST_GEN2_TRANSPORTS),$(TEST_GEN1_TRANSPORTS)'

# Not under make -n, as timed: a dry run prints the lane's commands.
logged = $(if $(findstring n,$(firstword -$(MAKEFLAGS))),,bash scripts/logged.sh results/logs/$(1).log $(1))
test-lane-checks:
	$(call logged,lane-checks) $(MAKE) --no-print-directory test-lane-checks-in-turn
test-lane-more:
	$(call logged,lane-more) $(MAKE) --no-print-directory test-lane-more-in-turn

test-lane-checks-in-turn:
	$(call timed,unit-tests) env -u GATE_GATHER CONTAINER_TEST_SDKS=$(TEST_IMAGE_SDKS) $(GO) test -count=1 -timeout 30m -skip '^TestConformance$$' ./...
	$(call timed,ci-matrix-sdk) $(MAKE) --no-print-directory ci-matrix-sdk
	$(call timed,mutants) $(MAKE) --no-print-directory mutants SDK=$(TEST_MUTANT_SDKS) MUTANT_PARTS=$(TEST_MUTANT_PARTS) MUTANTS_AT_ONCE=2 SDK_VERSION= SDK_SOURCE= SDK_SOURCE_VERSION= TAGS=

# The containers before the explorer: the explorer needs every pinned
# driver, and Rust's compiles for a long while in a fresh checkout (lane 1
# holds its preparation), while the containers build their own.
test-lane-more-in-turn:
	$(call timed,fuzz-short) $(MAKE) --no-print-directory fuzz-short
	$(call timed,containers) $(MAKE) --no-print-directory test-container-runs
	$(call timed,explore) $(MAKE) --no-print-directory explore-test

# make test leaves no engine behind: it stops a dockerd that docker/engine.sh
# started during the run (one that answered before is left alone).
ifneq ($(filter test,$(MAKECMDGOALS)),)
ENGINE_UP_BEFORE := $(shell bash docker/engine.sh status >/dev/null 2>&1 && echo yes)
endif

# The container runs of make test, then the check that they left nothing
# behind: docker-clean removes the suite's containers and build cache (its
# driver images stay, a cache keyed by their inputs, for the next run), and
# the engine itself is stopped by whoever started it (.ci/run:
# docker/engine.sh stop).
test-containers: test-container-runs ## $(TEST_CONTAINER_SDKS), and $(TEST_CONTAINER_SOURCES), with RUNNER=container over $(TEST_CONTAINER_TRANSPORTS) (fake runtime), then docker-clean and a check that nothing is left
	$(MAKE) --no-print-directory docker-clean
	bash docker/leftovers.sh

# make test runs these in a lane, and docker-clean and the check once every
# lane has ended: the unit tests of another lane run containers too.
test-container-runs: docker-base-images
	env TAGS= IMPROVEMENTS=fail $(GO) run ./internal/cmd/sidebyside -at-once $(CONTAINERS_AT_ONCE) \
	  -set 'sdk=$(TEST_CONTAINER_SDKS)$(if $(TEST_CONTAINER_SOURCES),$(comma)$(TEST_CONTAINER_SOURCES)) runtime=fake transport=$(TEST_CONTAINER_TRANSPORTS) runner=container'

# The fuzz targets, as package:function. Go fuzzes one function per run.
FUZZ_TARGETS ?= internal/jsonrpc:FuzzReadFrame internal/jsonrpc:FuzzCodec internal/driver:FuzzDecodeAnswer internal/wiretap:FuzzRelay internal/expectations:FuzzParse
FUZZTIME     ?= 1m
# Go spends up to a minute shrinking each new interesting input, which
# under load would use a short run's whole time; a few seconds is enough.
FUZZMINIMIZETIME ?= 5s
# The Go toolchain the fuzzing runs on. Go 1.26's fuzz coordinator can end
# a time-bounded run that found nothing with a failure, "context deadline
# exceeded", when -fuzztime runs out while a worker is busy (a loaded
# machine: make test's other lanes); golang/go#75804, fixed in Go 1.27.
# The go command fetches this version from the Go module proxy on first
# use (about 76 MB, once per machine). Empty: the go on PATH (GO).
FUZZ_GOTOOLCHAIN ?= go1.27.3

fuzz: ## fuzz each parser of hostile input for $(FUZZTIME) (FUZZTIME=10m for longer); a finding lands in the package's testdata/fuzz
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz: $$fn ($$pkg) for $(FUZZTIME)"; \
	  $(if $(FUZZ_GOTOOLCHAIN),GOTOOLCHAIN=$(FUZZ_GOTOOLCHAIN) )$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./$$pkg || exit 1; \
	done

fuzz-short: ## every fuzz target for 10s each (what make test runs)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10s

# The soak runs both runtimes and both transports unless RUNTIME or
# TRANSPORT is given (on the command line or in the environment).
N ?= 20
SOAK_RUNTIMES   = $(if $(filter file,$(origin RUNTIME)),fake$(comma)real,$(RUNTIME))
SOAK_TRANSPORTS = $(if $(filter file,$(origin TRANSPORT)),tcp$(comma)stdio,$(TRANSPORT))

# The soak runs its builds one after the other, unless BUILDS_AT_ONCE is
# given: then side by side, as make test runs them.
SOAK_AT_ONCE = $(if $(filter command line environment,$(origin BUILDS_AT_ONCE)),$(BUILDS_AT_ONCE),1)

soak: setup ## run the features N times (N=20) for $(SDK) on both runtimes and transports (narrow with RUNTIME, TRANSPORT, TAGS; BUILDS_AT_ONCE=4 runs the builds side by side as make test does); results/soak.json names the flaky scenarios
	$(if $(filter-out 1,$(SOAK_AT_ONCE)),GATE_GATHER=$(GATE_GATHER)) $(GO) run ./internal/cmd/soak -n $(N) -sdk '$(SDK)' -runtime '$(SOAK_RUNTIMES)' -transport '$(SOAK_TRANSPORTS)' -tags '$(TAGS)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -parallel '$(or $(PARALLEL),0)' -at-once $(SOAK_AT_ONCE) -out results/soak.json

# make explore: the contract explorer (docs/exploring.md). SEED is the
# first workload's seed (empty: one from the clock, printed); N a number of
# workloads and BUDGET a wall time (e.g. 60s): without either, 60s. N is
# soak's too, so only an N given on the command line counts here.
SEED   ?=
BUDGET ?=
EXPLORE_N = $(if $(filter file,$(origin N)),0,$(N))
# What make test explores: the plan's pinned builds (TEST_GEN2_ENTRIES, java
# from its release archive where there is one), each for
# TEST_EXPLORE_BUDGET from one seed (printed; SEED= replays it).
TEST_EXPLORE_BUDGET ?= 20s

.PHONY: explore explore-test
explore: setup ## random workloads from a model of the contract against $(SDK) on the fake runtime, every rule checked; a new violation is shrunk and printed as a scenario (SEED=, N=, BUDGET=60s)
	$(GO) run ./internal/cmd/explore -sdk '$(SDK)' -version '$(SDK_VERSION)' -source '$(SDK_SOURCE)' -seed '$(SEED)' -n $(or $(EXPLORE_N),0) -budget $(or $(BUDGET),0)

explore-test: ## what make test explores: $(TEST_GEN2_ENTRIES), $(TEST_EXPLORE_BUDGET) each, from one printed seed
	@seed=$${SEED:-$$(date +%s)}; echo "explore: seed $$seed for every build (replay: make explore-test SEED=$$seed)"; \
	$(GO) run ./internal/cmd/explore -sdk '$(TEST_GEN2_ENTRIES)' -seed $$seed -budget $(TEST_EXPLORE_BUDGET)

check-reports: ## check every $(RESULTS)/<label>/ junit.xml, cucumber.json and verdict.json against the schemas CI tools use (internal/reports/schema)
	$(GO) run ./internal/cmd/reports check $(RESULTS)

# actionlint checks the workflows' run: scripts with shellcheck when it is
# on PATH, and silently skips them when not: so shellcheck is required.
lint-workflows: ## actionlint (pinned in go.mod) on every workflow in .github/workflows, shellcheck on .github/ci/*.sh
	@command -v shellcheck >/dev/null || { echo "shellcheck not found: actionlint needs it to check the workflows' scripts (Debian: apt-get install shellcheck)"; exit 1; }
	$(GO) tool actionlint -no-color .github/workflows/*.yml
	shellcheck .github/ci/*.sh

# make ci-matrix: the cells of .github/workflows/conformance.yml to run
# here (patterns over build/runtime/transport; empty: all); the Java
# release archives, which the hosted runner downloads, come from
# SDK_SOURCE_ARCHIVES.
CELLS               ?=

ci-matrix: ## rehearse the CI workflow here: each cell of its matrix (CELLS='node/*/*,go/fake/tcp' narrows) in its own results folder, then its merge job; results/ci-matrix/
	SDK_SOURCE_ARCHIVES='$(SDK_SOURCE_ARCHIVES)' $(GO) run ./internal/cmd/cimatrix -cells '$(CELLS)'

ci-matrix-sdk: ## rehearse .github/workflows/sdk-conformance.yml as an SDK's CI calls it, on three pull requests to a git repository of the Python SDK's 1.0.17 (a fix of BT-8, a broken BT-6, a broken install); results/ci-rehearsal/ (docs/sdk-ci.md)
	SDK_CI_REHEARSAL=1 $(GO) test -count=1 -timeout 15m -v -run '^TestTheReusableWorkflowRehearsal$$' ./internal/cimatrix

docker-engine: ## start a Docker engine if none answers (dockerd as these machines need it; see docker/README.md)
	bash docker/engine.sh

docker-base-images: docker-engine ## the base images of docker/*.Dockerfile: kept, pulled, or local stand-ins where no registry answers
	bash docker/base-images.sh $(BASE_IMAGE_SDKS)

docker-clean: ## remove the suite's containers and build cache (dangling images, builder cache), and driver images unused for a week; current driver images (a cache keyed by their inputs), base images and the engine stay
	bash docker/clean.sh

docker-clean-all: ## docker-clean, and every driver image of the suite too
	bash docker/clean.sh --all

differential: ## run $(SDK) on the fake and the real runtime, then compare what crossed the wire (results/differential-<sdk>.md)
	$(MAKE) --no-print-directory conformance RUNTIME=fake,real
	$(MAKE) --no-print-directory differential-check

differential-check: ## compare the fake- and real-runtime results already under results/ for each of $(SDK), over TCP and, when $(TRANSPORT) has stdio and both runs are there, stdio
	@for s in $$(echo '$(SDK)' | tr ',' ' '); do \
	  for t in '' .stdio; do \
	    [ -z "$$t" ] || { case ',$(TRANSPORT),' in *,stdio,*) ;; *) false;; esac && [ -d results/$$s$$t ] && [ -d results/$$s.real-runtime$$t ]; } || continue; \
	    $(GO) run ./internal/cmd/differential -fake results/$$s$$t -real results/$$s.real-runtime$$t \
	      -out results/differential-$$s$$t.md >/dev/null \
	      || { echo "$$s$$t: differential check failed (see above, and results/differential-$$s$$t.md if written)"; exit 1; }; \
	    echo "$$s$$t: $$(tail -1 results/differential-$$s$$t.md)"; \
	  done; \
	done

clean: ## remove reports and prepared drivers
	rm -rf results .cache drivers/node/node_modules
