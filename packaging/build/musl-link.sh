#!/usr/bin/env bash
# NativeAOT "C++ compiler and linker" (CppCompilerAndLinker) for the OpenWrt builds: links the ILCompiler output
# dynamically against musl (interpreter /lib/ld-musl-<arch>.so.1, the loader OpenWrt has) instead of glibc.
#
# It takes the command line NativeAOT would give clang and runs the target's GNU cross gcc with a musl specs file
# (the same recipe as Debian's musl-gcc, but with musl's libc.so first in the search path, so the result is a
# dynamic musl executable that can dlopen libsodium.so; a static musl executable cannot dlopen at all).
# The target comes from --target=<arch>-linux-<abi> (present when cross-compiling); without it, the host (x86_64).
# When the runtime archives come from a glibc RID (runtimes/linux-x64 or linux-arm64, the fallback route), musl-shim.c
# is linked in: those archives call __sched_cpualloc/__sched_cpufree, which musl does not have.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=$(uname -m)
args=()
for a in "$@"; do
  case "$a" in
    --target=*) t=${a#--target=}; arch=${t%%-*} ;;
    -fuse-ld=*) ;;   # the cross gcc's own ld (bfd)
    *) args+=("$a") ;;
  esac
done
case "$arch" in
  x86_64|aarch64) ;;
  *) echo "musl-link: unsupported target architecture '$arch'" >&2; exit 2 ;;
esac
triple=$arch-linux-musl
gcc=$arch-linux-gnu-gcc
loader=/lib/ld-musl-$arch.so.1
for f in "$loader" "/lib/$triple/libc.so" "/usr/lib/$triple/Scrt1.o" "/usr/lib/$triple/crti.o"; do
  [ -e "$f" ] || { echo "musl-link: $f missing (Debian packages musl:<arch>, musl-dev:<arch>)" >&2; exit 2; }
done
command -v "$gcc" >/dev/null || { echo "musl-link: $gcc not found" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/musl.specs" <<SPECS
*link_libgcc:
-L/lib/$triple -L/usr/lib/$triple -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: /usr/lib/$triple/Scrt1.o} /usr/lib/$triple/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s /usr/lib/$triple/crtn.o

*link:
-dynamic-linker $loader -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

SPECS
extra=()
case "${args[*]}" in
  */runtimes/linux-x64/native/*|*/runtimes/linux-arm64/native/*) shim=1 ;;
  *) shim=0 ;;
esac
if [ "$shim" = 1 ]; then
  "$gcc" -c -O2 -fPIC -nostdinc -ffreestanding -o "$tmp/musl-shim.o" "$here/musl-shim.c"
  extra+=("$tmp/musl-shim.o")
fi
# Segments aligned to 4 KiB pages, the page size of every OpenWrt target but loongarch64 (OpenWrt links its own
# packages the same way since 25.12). binutils' aarch64 default of 64 KiB pads the file before the RELRO end to a 64 KiB
# boundary: 0-64 kB more binary, changing from build to build with the code's size.
extra+=(-Wl,-z,max-page-size=4096)
# MSBuild's Exec hands the command line to /bin/sh, so the arguments arrive unquoted.
"$gcc" -specs "$tmp/musl.specs" "${args[@]}" "${extra[@]}"
