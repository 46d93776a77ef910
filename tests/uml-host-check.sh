#!/usr/bin/env bash
# Can User-Mode Linux run a process on this host at all? Boots it with /bin/true as init and reads its console.
# Exit 0: it can (or it failed some other way, which the real-kernel suites then report themselves).
# Exit 3, with one line on stdout saying why: this host's kernel cannot run UML. Known case: Debian's UML 6.1
# cannot set the floating-point registers of its processes through ptrace on a CPU with AMX (its XSAVE area
# outgrew UML's buffer; "userspace - ptrace set fp regs failed, errno = 14"), so even init dies at once.
set -uo pipefail
uml=$(command -v linux.uml || command -v linux || true)
[ -n "$uml" ] || exit 0
console=$(timeout 60 "$uml" root=/dev/root rootfstype=hostfs rootflags=/ rw mem=128M init=/bin/true con0=fd:0,fd:1 </dev/null 2>&1)
if grep -q "ptrace set fp regs failed" <<<"$console"; then
  flags=$(grep -m1 -o -w 'amx_tile' /proc/cpuinfo || true)
  echo "User-Mode Linux cannot run a process on this host: its ptrace of the FPU registers fails" \
    "(\"$(grep -m1 -o 'ptrace set fp regs failed[^)]*' <<<"$console")\"; CPU ${flags:+with AMX, }host kernel $(uname -r))"
  exit 3
fi
exit 0
