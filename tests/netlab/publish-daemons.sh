#!/usr/bin/env bash
# Publishes the two daemons for the netlab into out/netlab/{agent,controller}: framework-dependent and ReadyToRun
# (compiled ahead of time, so a daemon started in User-Mode Linux, where every page fault and system call is slow,
# does not spend its first seconds in the JIT). The code is the Release build's; only how it starts differs.
# Incremental: a second run with nothing changed takes seconds. Prints nothing but errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rid=linux-$(case $(uname -m) in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac)
publish() {   # publish PROJECT DIR
  dotnet publish "$root/$1" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -p:PublishAot=false \
    -p:DebugType=none -o "$root/out/netlab/$2" -nologo -v q -clp:NoSummary >/dev/null ||
    { echo "publish-daemons: dotnet publish $1 failed" >&2; return 1; }
}
publish agent/Mpsa.Agent/Mpsa.Agent.csproj agent
publish controller/Mpsa.Controller/Mpsa.Controller.csproj controller
