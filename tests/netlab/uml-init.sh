#!/bin/sh
# PID 1 inside User-Mode Linux, started by uml-run.sh (kernel argument init=.../uml-init.sh).
# The root file system is the HOST's root through hostfs, read-write: everything written outside the
# tmpfs mounts below lands on the host. So, before anything else, cover the places programs write to
# (/run, /tmp, /dev, /var/tmp) with UML-private file systems, and reach the host only through two
# explicit hostfs mounts: the run directory (results) and the repository (binaries, scripts).
# The kernel passes unknown `key=value` arguments as environment: netlab_host (host run directory).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

halt_now() {
  sync
  umount /run/netlab/host 2>/dev/null
  echo o > /proc/sysrq-trigger
  sleep 5
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755,size=256m tmpfs /run
mkdir -p /run/netlab/host /run/netlab/repo /run/lock
if ! mount -t hostfs -o "$netlab_host" none /run/netlab/host; then
  echo "uml-init: cannot mount host run directory '$netlab_host'" >/dev/console
  halt_now
fi
# From here on the host run directory says what to run (written by uml-run.sh).
. /run/netlab/host/env
mount -t hostfs -o "$NETLAB_HOST_REPO" none /run/netlab/repo
if [ -n "${NETLAB_BUILD_ROOT:-}" ]; then
  mkdir -p /run/netlab/build && mount -t hostfs -o "$NETLAB_BUILD_ROOT" none /run/netlab/build
fi
mount -t tmpfs -o mode=1777,size=512m tmpfs /tmp
mount -t tmpfs -o mode=1777,size=64m tmpfs /var/tmp
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
hostname netlab

# Module loading: the UML modules live in /usr/lib/uml/modules/<version>; modprobe -d DIR wants
# DIR/lib/modules/<version>. The kernel calls /proc/sys/kernel/modprobe for crypto algorithms etc.
kver=$(uname -r)
mkdir -p /run/netlab/mod/lib/modules
ln -s "/usr/lib/uml/modules/$kver" "/run/netlab/mod/lib/modules/$kver"
printf '#!/bin/sh\nexec /sbin/modprobe -d /run/netlab/mod "$@"\n' > /run/netlab/modprobe
chmod 755 /run/netlab/modprobe
echo /run/netlab/modprobe > /proc/sys/kernel/modprobe
# Load up front what every scenario needs: one modprobe for all (0.7 s) instead of one per module or
# on-demand loads during a test (0.2-0.6 s each).
# shellcheck disable=SC2086
/run/netlab/modprobe -a $NETLAB_MODULES || echo "uml-init: modprobe -a $NETLAB_MODULES failed" >/dev/console

ip link set lo up
# Warm up the crypto API: the first ESP state makes the kernel build cbc(aes) and authenc(hmac(sha256),...)
# instances, asking modprobe for several names on the way (2-3 s in UML). Pay that here, not in the
# middle of a scenario's timing.
k=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
ip xfrm state add src 192.0.2.254 dst 192.0.2.255 proto esp spi 0x1 mode tunnel replay-window 0 \
  enc 'cbc(aes)' $k auth-trunc 'hmac(sha256)' $k 128 && ip xfrm state flush
mkdir -p /tmp/home
export HOME=/tmp/home TMPDIR=/tmp DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_EnableDiagnostics=0
export NETLAB_REPO=/run/netlab/repo NETLAB_HOST_DIR=/run/netlab/host
echo "uml-init: ready at $(cut -d' ' -f1 /proc/uptime)s" >> /run/netlab/host/boot-times

cd /tmp
: > /tmp/netlab-output
if [ -n "$NETLAB_VERBOSE" ]; then tail -f /tmp/netlab-output > /dev/console 2>&1 & fi
bash /run/netlab/host/cmd > /tmp/netlab-output 2>&1 < /dev/null &
wait $!
rc=$?
sleep 0.2
cp /tmp/netlab-output /run/netlab/host/output
echo "uml-init: scenario done at $(cut -d' ' -f1 /proc/uptime)s" >> /run/netlab/host/boot-times
if [ -n "$NETLAB_SHELL" ]; then
  echo "netlab: scenario exited $rc; shell inside UML (topology still up; exit to power off)" > /dev/console
  setsid sh -c 'exec sh -i </dev/console >/dev/console 2>&1'
fi
if [ -n "$NETLAB_KEEP" ] && [ -d /tmp/netlab ]; then
  mkdir -p /run/netlab/host/work && cp -a /tmp/netlab/. /run/netlab/host/work/ 2>/dev/null
fi
echo "$rc" > /run/netlab/host/rc
halt_now
