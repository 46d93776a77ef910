# One entry point. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
CONFIG ?= Release
DOTNET ?= dotnet
# Debian packages the test suites need: strongSwan as the independent IKEv2 peer (interop), namespaces and
# capture tools (interop, netlab), User-Mode Linux for the real-kernel tests, clang's libFuzzer (fuzz), what
# building apk-tools v3 needs (packaging/build/apk-tools.sh; Debian 12 has no apk-tools v3), and promtool
# (prometheus) for the metrics scrape, mmdebstrap, lintian and systemd-analyze for the controller's .deb.
# BIRD 2 (bird2) is the routing daemon of the BGP peer-discovery scenarios (netlab 11-14). etcd (v3 API, with
# etcdctl) is the store of the controller's cluster mode; its tests start three etcd processes on loopback.
# strongSwan 6 (ML-KEM) is built from source for the post-quantum interop tests (packaging/build/strongswan6.sh).
APT_PACKAGES ?= strongswan-charon strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins \
	libcharon-extra-plugins iproute2 util-linux mount tcpdump kmod iputils-ping user-mode-linux jq iptables \
	clang libclang-rt-14-dev openssl \
	meson ninja-build pkg-config libssl-dev zlib1g-dev libzstd-dev \
	gcc make autoconf automake libtool gperf flex bison gettext python3 libgmp-dev \
	prometheus mmdebstrap lintian systemd bird2 etcd-server etcd-client
# Debian architectures the controller package is built for.
DEB_ARCHES ?= amd64 arm64
# OpenWrt architectures the agent package is built for (packaging/openwrt/arches names them the OpenWrt way).
OPENWRT_ARCHES ?= x86_64 aarch64
# The agent's two packages (packaging/build/flavour.sh): psk = mpsa-agent (PSK only, the default), openssl =
# mpsa-agent-openssl (with certificate authentication).
AGENT_FLAVOURS ?= psk openssl
# every ARCH:FLAVOUR pair
AGENT_BUILDS = $(foreach a,$(OPENWRT_ARCHES),$(foreach f,$(AGENT_FLAVOURS),$(a):$(f)))

.PHONY: all build test deps restore clean demo agent ipk apk apk-for-test packages deb deb-host soak bench-routes test-packaging netlab fuzz bench method-order

all: build

deps:
	@tests/install-deps.sh $(APT_PACKAGES)
	@packaging/build/deps.sh $(OPENWRT_ARCHES)

restore:
	$(DOTNET) restore CpeAgent.sln

build: restore
	$(DOTNET) build CpeAgent.sln -c $(CONFIG) --no-restore -nologo -clp:NoSummary

test: deps build ipk apk-for-test deb-host
	@tests/run-suites.sh $(CONFIG)

# NativeAOT, trimmed, for every OpenWrt architecture and both packages (the build prints the route it took to musl).
agent:
	@set -e; for b in $(AGENT_BUILDS); do packaging/build/publish-agent.sh $${b%:*} $${b#*:}; done

# out/mpsa-agent_<version>_<arch>.ipk and out/mpsa-agent-openssl_<version>_<arch>.ipk for every architecture.
ipk: agent
	@set -e; for b in $(AGENT_BUILDS); do MPSA_REUSE_AGENT=1 packaging/build/make-ipk.sh $${b%:*} $${b#*:}; done

# out/<openwrt-arch>/mpsa-agent[-openssl]-<version>.apk for every architecture (OpenWrt 25.12+, apk-tools v3: from
# PATH, APK=..., or built once into ~/.cache/mpsa-tools from its source; packaging/build/apk-tools.sh).
apk: agent
	@set -e; for b in $(AGENT_BUILDS); do MPSA_REUSE_AGENT=1 packaging/build/make-apk.sh $${b%:*} $${b#*:}; done

# Every .ipk and .apk, from one publish of the agent per architecture and package.
packages: agent
	@set -e; for b in $(AGENT_BUILDS); do MPSA_REUSE_AGENT=1 packaging/build/make-ipk.sh $${b%:*} $${b#*:}; done
	@set -e; for b in $(AGENT_BUILDS); do MPSA_REUSE_AGENT=1 packaging/build/make-apk.sh $${b%:*} $${b#*:}; done

# The .apk packages for `make test`: where no apk-tools v3 can be had (none installed, no source), one line says so
# and the .apk suites report themselves skipped; a failed apk-tools build still fails.
apk-for-test: agent
	@rc=0; packaging/build/apk-tools.sh >/dev/null || rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "make test: no apk-tools v3 here, so no .apk packages: their tests are skipped"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; \
	else set -e; for b in $(AGENT_BUILDS); do MPSA_REUSE_AGENT=1 packaging/build/make-apk.sh $${b%:*} $${b#*:}; done; fi

# out/mpsa-controller_<version>_<arch>.deb for every Debian architecture (self-contained, systemd unit).
deb:
	@set -e; for a in $(DEB_ARCHES); do packaging/build/make-deb.sh $$a; done

# Only this machine's architecture: what tests/packaging/test-deb.sh installs and runs (`make test` builds this one).
deb-host:
	@packaging/build/make-deb.sh $$(dpkg --print-architecture)

test-packaging:
	@tests/packaging/test-install.sh $(OPENWRT_ARCHES)
	@tests/packaging/test-noglibc.sh x86_64
	@tests/packaging/test-aarch64.sh
	@tests/packaging/test-apk.sh $(OPENWRT_ARCHES)
	@tests/packaging/test-noglibc.sh x86_64 apk
	@tests/packaging/test-aarch64.sh apk
	@tests/packaging/test-flavours.sh $(OPENWRT_ARCHES)
	@tests/packaging/test-deb.sh

# The real-kernel scenarios in User-Mode Linux, one line each: `scenario <name>: pass|FAIL <why>`.
netlab: deps build
	@tests/netlab/run.sh

# Coverage-guided fuzzing (libFuzzer + SharpFuzz) of the message decoder, the SK path and the MPSA_PUT decoder,
# FUZZ_SECONDS per target (default 300). A crash lands in fuzz/regressions/, which the tests replay.
FUZZ_SECONDS ?= 300
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

# Benchmarks beside strongSwan (not part of `make test`): rewrites the measured section of bench/RESULTS.md, with the
# agent binaries it publishes (PSK x86_64 and aarch64, openssl x86_64 for comparison), the controller as its .deb
# ships it (deb-host), and which targets are met.
bench: deps build deb-host
	@packaging/build/publish-agent.sh x86_64 psk
	@packaging/build/publish-agent.sh aarch64 psk
	@packaging/build/publish-agent.sh x86_64 openssl
	@bench/run.sh

# Memory over time (not part of `make test`): the packaged agent and the controller on loopback under continuous rekeys
# for SOAK_MINUTES (default 30); rewrites the soak section of bench/RESULTS.md and bench/soak.svg.
soak: build
	@packaging/build/publish-agent.sh x86_64
	@bench/soak.sh

# Routes to XFRM at scale on a real kernel (the netlab's UML; not part of `make test`): 5,000 routes from 500 peers in
# the agent's route_table, against `ip -batch` doing the same kernel work; ROUTE_BENCH_RUNS (default 3) UML boots one
# after the other. Rewrites the routes section of bench/RESULTS.md.
ROUTE_BENCH_RUNS ?= 3
bench-routes: build
	@bench/route-scale.sh $(ROUTE_BENCH_RUNS)

# Regenerates agent/Mpsa.Agent/method-order.txt (the functions the agent runs, which the NativeAOT build packs
# together): the agent under valgrind against a local controller. Run after changes to what the agent executes.
method-order: build
	@packaging/build/publish-agent.sh x86_64
	@packaging/build/method-order.sh

demo: build
	@demo/demo.sh

clean:
	rm -rf out artifacts
	find . -name bin -o -name obj -type d -prune -exec rm -rf {} +
