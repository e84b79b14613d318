# taimen — see README.md. `make test` is what CI runs (.ci/run).
#
# Variables: PKGS (packages, default ./...), TESTTIMEOUT (go test -timeout, default 20m),
# FUZZTIME (per fuzz target, default 60s), GO (default go).

GO          ?= go
PKGS        ?= ./...
TESTTIMEOUT ?= 20m
FUZZTIME    ?= 60s

.PHONY: deps build test fmt-check vet run bench fuzz clean

# Debian packages beyond Go (pcscd, vpcd, opensc, cgo toolchain…); quiet when present.
deps:
	@scripts/deps

build: deps
	$(GO) build $(PKGS)
	@if [ -d cmd/taimen ]; then echo "$(GO) build -o bin/taimen ./cmd/taimen"; $(GO) build -o bin/taimen ./cmd/taimen; fi

# gofmt over the directories of PKGS (recursively).
fmt-check:
	@files=$$(gofmt -l $$($(GO) list -f '{{.Dir}}' $(PKGS)) | sort -u); \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$files"; exit 1; fi

vet: deps
	$(GO) vet $(PKGS)

test: deps fmt-check vet
	$(GO) test -race -count=1 -timeout $(TESTTIMEOUT) $(PKGS)

# Placeholder until cmd/taimen can run the suites: build, then every test that exists.
run: deps build
	$(GO) test -timeout $(TESTTIMEOUT) $(PKGS)

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout $(TESTTIMEOUT) $(PKGS)

# Every fuzz target (found with go test -list) for FUZZTIME each.
fuzz: deps
	@set -e; \
	list=$$($(GO) test -list '^Fuzz' $(PKGS)); \
	targets=$$(echo "$$list" | awk '/^Fuzz/ { f[n++] = $$1 } /^ok / { for (i = 0; i < n; i++) print $$2 "," f[i]; n = 0 }'); \
	if [ -z "$$targets" ]; then echo "no fuzz targets"; exit 0; fi; \
	for t in $$targets; do \
		pkg=$${t%,*}; name=$${t#*,}; \
		echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	done

clean:
	rm -rf bin/ out/
