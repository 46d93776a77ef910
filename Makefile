# One entry point. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
CONFIG ?= Release
DOTNET ?= dotnet
# Debian packages the test suites need (strongSwan as the independent IKEv2 peer, tools for namespaces).
APT_PACKAGES ?=

.PHONY: all build test deps restore clean demo

all: build

deps:
	@tests/install-deps.sh $(APT_PACKAGES)

restore:
	$(DOTNET) restore CpeAgent.sln

build: restore
	$(DOTNET) build CpeAgent.sln -c $(CONFIG) --no-restore -nologo -clp:NoSummary

test: deps build
	@tests/run-suites.sh $(CONFIG)

demo: build
	@demo/demo.sh

clean:
	rm -rf out artifacts
	find . -name bin -o -name obj -type d -prune -exec rm -rf {} +
