# The README's two commands are `make run` and `make test`.
GO ?= go

.PHONY: run test fuzz build lint fmt clean help

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: ## run the server on the embedded default (SQLite file latchkey.db here)
	$(GO) run ./cmd/latchkey serve

test: ## every test with the race detector (PostgreSQL too when LATCHKEY_TEST_DATABASE_URL is set; browser tests when chromium is installed)
	$(GO) test -race -count=1 -timeout 30m ./...

FUZZTIME ?= 10s
fuzz: ## run every fuzz target (found by go test -list) for FUZZTIME each (CI: 10s)
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz

build: ## a static binary in bin/latchkey
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/latchkey ./cmd/latchkey

lint: ## gofmt, go vet and go mod tidy must leave nothing to change
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "run: make fmt"; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

fmt: ## format the code
	gofmt -w .

clean: ## remove build output
	rm -rf bin
