#!/bin/sh
# Runs one command inside User-Mode Linux (Debian's user-mode-linux, kernel 6.1 with ESP and XFRM as modules), with
# the host's root as UML's root (hostfs), so freshly built binaries and `dotnet` run unchanged. Minimal stand-in for
# the netlab runner (tests/netlab), which will replace it. See docs/ARCHITECTURE.md §8 and tests/netlab/README.md.
#
#   tests/Mpsa.Tests/Netlink/uml-run.sh 'ip xfrm state'
#   tests/Mpsa.Tests/Netlink/uml-run.sh 'dotnet test tests/Mpsa.Tests/bin/Debug/net10.0/Mpsa.Tests.dll --filter Category=XfrmContract'
#
# The command runs as root in UML's first network namespace (lo up), in the directory uml-run.sh was started from,
# with the modprobe wrapper installed so that the kernel can load esp4/esp6 and the crypto templates it asks for.
# Exit status: the command's. Needs: apt-get install user-mode-linux kmod iproute2.
set -eu

if [ "${MPSA_UML_INSIDE:-}" != 1 ]; then
    command -v linux >/dev/null || { echo "uml-run.sh: user-mode-linux is not installed (apt-get install user-mode-linux kmod iproute2)" >&2; exit 2; }
    [ $# -ge 1 ] || { echo "usage: uml-run.sh COMMAND" >&2; exit 2; }
    work=$(mktemp -d /tmp/mpsa-uml.XXXXXX)
    self=$(readlink -f "$0")
    printf '%s\n' "$1" > "$work/command"
    pwd > "$work/cwd"
    env | grep -E '^(PATH|HOME|DOTNET_[A-Z_]*|NUGET_[A-Z_]*|TERM)=' | sed 's/^/export /; s/=\(.*\)$/="\1"/' > "$work/env" || true
    # init= takes no arguments: the kernel passes unknown KEY=VALUE words to init as environment.
    linux root=/dev/root rootfstype=hostfs rootflags=/ rw mem="${MPSA_UML_MEM:-1G}" \
        init="$self" MPSA_UML_INSIDE=1 MPSA_UML_WORK="$work" con=null con0=fd:0,fd:1 >"$work/console" 2>&1 </dev/null || true
    grep -v -E '^(Checking|Core dump|Linux version|Kernel command line|Calibrating|Mount-cache|Mountpoint-cache|.*hostfs)' "$work/console" | sed -n '/^=== mpsa-uml start/,$p' | sed '/^=== mpsa-uml start/d'
    rc=$(cat "$work/rc" 2>/dev/null || echo 125)
    rm -rf "$work"
    exit "$rc"
fi

# --- inside UML, as PID 1 ---
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /run 2>/dev/null || true
mkdir -p /run/netns
version=$(uname -r)
tree="$MPSA_UML_WORK/modtree"
mkdir -p "$tree/lib/modules"
ln -s "/usr/lib/uml/modules/$version" "$tree/lib/modules/$version"
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$tree" > "$MPSA_UML_WORK/modprobe"
chmod +x "$MPSA_UML_WORK/modprobe"
echo "$MPSA_UML_WORK/modprobe" > /proc/sys/kernel/modprobe
for m in xfrm_user esp4 esp6 xfrm4_tunnel xfrm6_tunnel; do "$MPSA_UML_WORK/modprobe" "$m" 2>/dev/null || true; done
ip link set lo up
. "$MPSA_UML_WORK/env"
cd "$(cat "$MPSA_UML_WORK/cwd")"
echo "=== mpsa-uml start"
set +e
sh -c "$(cat "$MPSA_UML_WORK/command")" 2>&1
echo $? > "$MPSA_UML_WORK/rc"
sync
echo o > /proc/sysrq-trigger 2>/dev/null
halt -f 2>/dev/null
sleep 5
