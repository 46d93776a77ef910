#!/usr/bin/env bash
# publish-agent.sh ARCH [FLAVOUR] — builds mpsa-agent for OpenWrt (musl) on ARCH (x86_64 | aarch64, see
# packaging/openwrt/arches): NativeAOT, trimmed, size-tuned (the csproj's settings), zero warnings, linked against musl,
# stripped. FLAVOUR (packaging/build/flavour.sh): psk (default; no certificate code) or openssl (with certificates).
#
# Route, decided on every run and printed:
#   official-musl-rid      the official linux-musl-<arch> RID, when its NativeAOT packages restore here;
#   glibc-rid-musl-relink  otherwise: `dotnet publish -r linux-<arch>` with musl-link.sh as NativeAOT's linker, which
#                          links the ILCompiler output and the runtime archives dynamically against musl
#                          (interpreter /lib/ld-musl-<arch>.so.1) plus musl-shim.c.
# libsodium: the exact version NSec requires (checked against NSec's nuspec), taken from the NuGet `libsodium`
# package's runtimes/linux-musl-<arch>/native folder (musl build), never from the system.
#
# Output: out/agent/ARCH[-openssl]/{mpsa-agent, libsodium.so, mpsa-agent.dbg, build-info}; the ILCompiler's map of the
# binary (what bench/lib/size-breakdown.py reads) in out/build/ARCH[-openssl]/obj/mpsa-agent.map.xml.
# Log: out/build/ARCH[-openssl]/publish.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/packaging/build
arch=${1:-}
line=$(awk -v a="$arch" '$1 == a && $1 !~ /^#/' "$root/packaging/openwrt/arches")
if [ -z "$arch" ] || [ -z "$line" ]; then
  echo "usage: $0 ARCH   (ARCH: $(awk '$1 !~ /^#/ {printf "%s ", $1}' "$root/packaging/openwrt/arches"))" >&2
  exit 2
fi
read -r _ rid musl_rid _ elf_machine <<<"$line"
rid_arch=${rid#linux-}
# shellcheck source-path=SCRIPTDIR source=flavour.sh
. "$here/flavour.sh"
csproj=$root/agent/Mpsa.Agent/Mpsa.Agent.csproj
work=$root/out/build/$agent_dir
dest=$agent
say() { echo "publish-agent: $arch ($pkg_name): $*"; }

"$here/deps.sh" "$arch"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$work" "$dest"
mkdir -p "$work" "$dest"

# 1. Are the official musl NativeAOT packages served? One restore of a throwaway project with that RID.
probe=$work/musl-rid-probe
mkdir -p "$probe"
cat >"$probe/probe.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <PublishAot>true</PublishAot>
    <RuntimeIdentifier>$musl_rid</RuntimeIdentifier>
  </PropertyGroup>
</Project>
EOF
say "trying the official $musl_rid RID (restore of its NativeAOT packages)"
if dotnet restore "$probe/probe.csproj" -nologo >"$probe/restore.log" 2>&1; then
  route=official-musl-rid
  publish_rid=$musl_rid
  why="the $musl_rid NativeAOT packages restored"
else
  route=glibc-rid-musl-relink
  publish_rid=$rid
  why=$(grep -o 'error NU[0-9]*: [^[]*' "$probe/restore.log" | sort -u | tr '\n' ' ' | sed 's/ *$//')
  why="official $musl_rid packages not available here (${why:-restore failed, see $probe/restore.log})"
fi
say "route: $route ($why)"

# 2. Publish. The native link goes through musl-link.sh either way; NativeAOT's intermediate and native output go
# under out/build/ARCH so that a glibc publish of the same RID elsewhere in the tree is never mixed with this one.
# IlcDefaultStackSize: musl gives new threads 128 KiB of stack unless the executable asks for more (PT_GNU_STACK,
# -z stack-size); the official musl RIDs set 1.5 MiB, the glibc RID does not, so it is set here for both routes.
say "dotnet publish -r $publish_rid (log: ${work#"$root"/}/publish.log)"
set +e
dotnet publish "$csproj" -c Release -r "$publish_rid" -o "$work/publish" -nologo -nodeReuse:false -clp:Summary \
  -p:CppCompilerAndLinker="$here/musl-link.sh" -p:ObjCopyName=llvm-objcopy -p:MpsaCertificates="$certificates" \
  -p:NativeIntermediateOutputPath="$work/obj/" -p:NativeOutputPath="$work/bin/" -p:IlcDefaultStackSize=1572864 \
  -p:IlcGenerateMapFile=true \
  >"$work/publish.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
  tail -n 40 "$work/publish.log" >&2
  say "dotnet publish failed (exit $rc)" >&2
  exit 1
fi
warnings=$(grep -E ': warning [A-Z]+[0-9]+' "$work/publish.log" | sort -u || true)
if [ -n "$warnings" ]; then
  echo "$warnings" >&2
  say "the publish printed warnings; it must print none" >&2
  exit 1
fi

# 3. Check what was linked: a musl executable for the right machine, needing nothing but musl's libc.
bin=$work/publish/mpsa-agent
interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ' | sed 's/ *$//')
machine=$(readelf -h "$bin" | sed -n 's/.*Machine: *//p')
[ "$interp" = "/lib/ld-musl-$arch.so.1" ] || { say "interpreter is '$interp', not /lib/ld-musl-$arch.so.1" >&2; exit 1; }
[ "$needed" = "libc.so" ] || { say "NEEDED is '$needed', expected only musl's libc.so" >&2; exit 1; }
case "$machine" in *"$elf_machine"*) ;; *) say "ELF machine '$machine', expected $elf_machine" >&2; exit 1 ;; esac
stack=$(readelf -lW "$bin" | awk '$1 == "GNU_STACK" {print $6}')
[ "$((stack))" -eq 1572864 ] || { say "PT_GNU_STACK size is '$stack', expected 0x180000 (1.5 MiB thread stacks on musl)" >&2; exit 1; }

# 4. libsodium: the version restored for NSec, which must be the one NSec's nuspec pins; the musl build of it.
assets=$root/agent/Mpsa.Agent/obj/project.assets.json
packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
sodium_ver=$(grep -o '"libsodium/[0-9.]*"' "$assets" | head -n 1 | tr -d '"' | cut -d/ -f2)
nsec_ver=$(grep -o '"NSec.Cryptography/[0-9.]*"' "$assets" | head -n 1 | tr -d '"' | cut -d/ -f2)
nsec_wants=$(grep -o '<dependency id="libsodium" version="[^"]*"' "$packages/nsec.cryptography/$nsec_ver/nsec.cryptography.nuspec" | head -n 1 | sed 's/.*version="\[\([0-9.]*\),.*/\1/')
[ -n "$sodium_ver" ] && [ "$sodium_ver" = "$nsec_wants" ] || { say "libsodium restored '$sodium_ver', NSec $nsec_ver wants '$nsec_wants'" >&2; exit 1; }
sodium=$packages/libsodium/$sodium_ver/runtimes/linux-musl-$rid_arch/native/libsodium.so
[ -f "$sodium" ] || { say "$sodium missing" >&2; exit 1; }
sodium_needed=$(readelf -d "$sodium" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ' | sed 's/ *$//')
[ "$sodium_needed" = "libc.so" ] || { say "$sodium needs '$sodium_needed', not musl's libc.so only" >&2; exit 1; }

# 5. Strip (the publish keeps a debug link; the package carries neither symbols nor the link).
llvm-strip --strip-all -o "$dest/mpsa-agent" "$bin"
llvm-strip --strip-all -o "$dest/libsodium.so" "$sodium"
chmod 0755 "$dest/mpsa-agent" "$dest/libsodium.so"
[ -f "$work/publish/mpsa-agent.dbg" ] && cp "$work/publish/mpsa-agent.dbg" "$dest/"

version=$(dotnet msbuild "$csproj" -nologo -getProperty:Version -p:Configuration=Release)
cat >"$dest/build-info" <<EOF
version=$version
arch=$arch
flavour=$flavour
package=$pkg_name
certificates=$certificates
rid=$publish_rid
route=$route
route_reason=$why
linker=$arch-linux-gnu-gcc with musl specs (packaging/build/musl-link.sh)$([ "$route" = glibc-rid-musl-relink ] && echo " + musl-shim.c")
interpreter=$interp
needed=$needed
thread_stack=$stack
libsodium=$sodium_ver linux-musl-$rid_arch (NSec $nsec_ver requires $nsec_wants)
EOF
say "built ${dest#"$root"/}: mpsa-agent $(stat -c %s "$dest/mpsa-agent") bytes, libsodium.so $(stat -c %s "$dest/libsodium.so") bytes (stripped)"
say "route used: $route"
