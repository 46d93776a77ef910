#!/usr/bin/env bash
# Publishes the two daemons for the netlab into out/netlab/{agent,controller}. The agent as it ships: NativeAOT, the
# PSK package's binary (packaging/build/publish-agent.sh; MPSA_REUSE_AGENT=1 keeps one already built, as `make test`
# has just done for the packages). The controller framework-dependent and ReadyToRun, compiled ahead of time, so that
# in User-Mode Linux, where every page fault and system call is slow, it does not spend its first seconds in the JIT.
# Incremental for the controller: a second run with nothing changed takes seconds. Prints nothing but errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
arch=$(uname -m)
rid=linux-$(case $arch in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) echo "$arch" ;; esac)

agent=$root/out/agent/$arch
if [ "${MPSA_REUSE_AGENT:-0}" != 1 ] || [ ! -f "$agent/build-info" ]; then
  log=$(mktemp)
  "$root/packaging/build/publish-agent.sh" "$arch" psk >"$log" 2>&1 ||
    { cat "$log" >&2; rm -f "$log"; echo "publish-daemons: the agent did not publish (packaging/build/publish-agent.sh $arch psk)" >&2; exit 1; }
  rm -f "$log"
fi
rm -rf "$root/out/netlab/agent"
mkdir -p "$root/out/netlab/agent"
cp "$agent/mpsa-agent" "$agent/libsodium.so" "$root/out/netlab/agent/"

dotnet publish "$root/controller/Mpsa.Controller/Mpsa.Controller.csproj" -c Release -r "$rid" --self-contained false \
  -p:PublishReadyToRun=true -p:PublishAot=false -p:DebugType=none -o "$root/out/netlab/controller" -nologo -v q -clp:NoSummary >/dev/null ||
  { echo "publish-daemons: dotnet publish of the controller failed" >&2; exit 1; }
