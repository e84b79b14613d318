# taimen — see README.md. `make test` is what CI runs (.ci/run).
#
# Variables: PKGS (packages, default ./...), TESTTIMEOUT (go test -timeout, default 20m), E2EPKGS,
# RACESHORTPKGS, NORACEPKGS, E2EPARALLEL and GINKGOPKGS (which packages `make test` runs how:
# scripts/test),
# FUZZTIME (per fuzz target, default 60s), RUNOUT (make run's report directory, default out),
# GO (default go).

GO          ?= go
PKGS        ?= ./...
TESTTIMEOUT ?= 20m
FUZZTIME    ?= 60s

.PHONY: deps build test test-unit test-e2e fmt-check vet run catalogue mutants mutants-full bench bench-full fuzz clean

# Debian packages beyond Go (pcscd, vpcd, opensc, cgo toolchain…); quiet when present.
deps:
	@scripts/deps

# The commit the version carries (cmd/taimen/version.go), with -dirty for uncommitted changes.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

build: deps
	$(GO) build $(PKGS)
	$(GO) build -ldflags "-X main.commit=$(VERSION)" -o bin/taimen ./cmd/taimen

# gofmt over the directories of PKGS (recursively).
fmt-check:
	@files=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' $(PKGS)) | sort -u); \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$files"; exit 1; fi

vet: deps
	$(GO) vet $(PKGS)

# Every package's tests: the end-to-end packages (E2EPKGS) without the race detector, the others
# (and RACESHORTPKGS's quick tests) under it, and those without concurrency of their own
# (NORACEPKGS; empty: scripts/test's list) with -short and without it, side by side; the
# end-to-end set with up to E2EPARALLEL parallel tests per package (default 8: they mostly
# wait), but not GINKGOPKGS (Ginkgo refuses -parallel); one line per package with its time, the
# ten slowest tests and the APDUs per spec area at the end (scripts/test; logs in out/test).
E2EPKGS       ?= ./cmd/taimen ./certify ./suites/...
RACESHORTPKGS ?= ./certify
NORACEPKGS    ?=
E2EPARALLEL   ?= 8
GINKGOPKGS    ?= ./suites/...
TESTENV = GO="$(GO)" TESTTIMEOUT=$(TESTTIMEOUT) E2EPKGS="$(E2EPKGS)" RACESHORTPKGS="$(RACESHORTPKGS)" NORACEPKGS="$(NORACEPKGS)" E2EPARALLEL="$(E2EPARALLEL)" GINKGOPKGS="$(GINKGOPKGS)"
test: deps fmt-check vet
	@$(TESTENV) VETTED=1 scripts/test $(PKGS)

# One half of make test each: the race-detector and plain sets (test-unit), or the end-to-end
# and Ginkgo sets (test-e2e). make test (and CI) runs both, side by side.
test-unit: deps
	@$(TESTENV) TESTSETS="race plain" scripts/test $(PKGS)
test-e2e: deps
	@$(TESTENV) TESTSETS="e2e suites" scripts/test $(PKGS)

# Build, then run every conformance area against the in-process emulator from the binary;
# it prints the verdict and the reports it wrote into RUNOUT (report.html, summary.json,
# junit.xml, ginkgo-report.json, console.log). Exit status 1 when a spec failed.
RUNOUT ?= out
run: deps build
	bin/taimen run --target emulator --out $(RUNOUT)

# The mutation runs (CI runs `make mutants`):
#  - the suites against the clean emulator and against each named fault; prints fault →
#    catching spec IDs and fails on a fault nothing catches;
#  - source mutants of the card's decision code (internal/srcmut, docs/MUTATION.md): a fixed
#    sample for SRCMUTBUDGET (default 3m), failing on a survivor that is neither a reviewed
#    equivalent nor a known survivor. `make mutants-full` runs every source mutant.
SRCMUTBUDGET ?= 3m
SRCMUTJOBS   ?= 2
mutants: deps build
	bin/taimen mutants --out out/mutants
	bin/taimen mutants --profile p07-licence --fault forged-licence --fault licence-no-decrement --out out/mutants-p07
	$(GO) run ./internal/srcmut/cmd/srcmutants -j $(SRCMUTJOBS) -budget $(SRCMUTBUDGET) -out out/srcmutants

mutants-full: deps build
	bin/taimen mutants --out out/mutants
	bin/taimen mutants --profile p07-licence --fault forged-licence --fault licence-no-decrement --out out/mutants-p07
	$(GO) run ./internal/srcmut/cmd/srcmutants -j $(SRCMUTJOBS) -out out/srcmutants

# Rewrite suites/CATALOGUE.md from the specs (make test checks it is up to date).
catalogue:
	$(GO) test -count=1 -run '^TestCatalogue$$' ./suites/catalogue -update

# One run of the benchmarks in bench/ (emulator in-process, through pcscd + vpcd against the null
# card and Debian's vicc, face-to-face reads) and of the suites, timed; writes BENCH.md with the
# machine and the date. About 3 minutes; the PC/SC rows need root. Other packages' benchmarks:
# go test -run '^$$' -bench . -benchmem ./...
# BENCH.md in about three minutes; section 5 from the last make mutants(-full) if there is one.
bench: deps
	$(GO) run ./bench/cmd/benchmd -go $(GO) -o BENCH.md $(if $(wildcard out/srcmutants/srcmutants.json),-mutants-from out/srcmutants/srcmutants.json)

# BENCH.md with every source mutant run here and the ginkgo -p rows (about 6 minutes on 2 cores).
bench-full: deps
	$(GO) run ./bench/cmd/benchmd -go $(GO) -o BENCH.md -mutants -ginkgo

# Every fuzz target (found with go test -list) for FUZZTIME each; prints each target's rate
# and fails on a target below FUZZMINRATE executions a second (default 1000).
FUZZMINRATE ?= 1000
fuzz: deps
	@GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZMINRATE=$(FUZZMINRATE) scripts/fuzz $(PKGS)

clean:
	rm -rf bin/ out/
