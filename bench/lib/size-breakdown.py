#!/usr/bin/env python3
"""size-breakdown.py MAP.xml [BINARY] [--label L] [--namespaces N] [--before MAP.xml BINARY]
— what a NativeAOT binary spends its bytes on (with --before: beside an earlier build, assembly by assembly).

Reads the ILCompiler's map file (publish with IlcGenerateMapFile=true; packaging/build/publish-agent.sh keeps it as
out/build/<arch>[-openssl]/obj/mpsa-agent.map.xml) and sums the size of every node (method code, type data, GC info,
statics, frozen objects) by the assembly its mangled name starts with, then by namespace. Compiler-made tables
(metadata, hashtables, dispatch cells) are "runtime tables"; the rest of the stripped BINARY is the native runtime
(GC, threads, the OpenSSL and System.Native shims) and the ELF headers. Prints Markdown tables.
"""
import collections
import os
import re
import sys


def assemblies(rsp):
    """Assembly names from the ILCompiler's response file beside the map (-r: references and the input)."""
    names = set()
    for line in open(rsp):
        line = line.strip()
        if line.endswith(".dll"):
            names.add(os.path.basename(line.split(":", 1)[-1])[:-4])
    return names


def mangled(assembly):
    return re.sub(r"^System_Private_", "S_P_", assembly.replace(".", "_").replace("-", "_"))


def node_owner(name, prefixes):
    n = re.sub(r"^_ZTV\d+", "", name.replace("&lt;", "<").replace("&gt;", ">"))
    n = re.sub(r"^(<Boxed>|Boxed_|__GenericDict_|__unbox_|__Array<)", "", n)
    for prefix, assembly in prefixes:
        if n.startswith(prefix + "_") or n.startswith(prefix + "<"):
            rest = n[len(prefix) + 1:]
            parts = re.split(r"[_<]", rest)
            namespace = ".".join(p for p in parts[:3] if p and p[0].isupper())
            return assembly, namespace
    return None, None


def breakdown(mapfile):
    rsp = re.sub(r"\.map\.xml$", ".ilc.rsp", mapfile)
    names = assemblies(rsp) if os.path.exists(rsp) else set()
    prefixes = sorted(((mangled(a), a) for a in names), key=lambda p: -len(p[0]))
    by_assembly = collections.Counter()
    by_namespace = collections.Counter()
    total = 0
    for m in re.finditer(r'<(\w+) Name="([^"]*)" Length="(\d+)"', open(mapfile).read()):
        size = int(m.group(3))
        total += size
        assembly, namespace = node_owner(m.group(2), prefixes)
        if assembly is None:
            by_assembly[TABLES] += size
            continue
        by_assembly[assembly] += size
        by_namespace[f"{assembly}: {namespace or '(global)'}"] += size
    return by_assembly, by_namespace, total


TABLES = "(runtime tables: metadata, hashtables, dispatch, frozen objects)"
NATIVE = "native runtime, shims and ELF (the rest of the stripped binary)"


def option(args, name, count):
    if name not in args:
        return None
    i = args.index(name)
    values = args[i + 1:i + 1 + count]
    del args[i:i + 1 + count]
    return values


def main():
    args = sys.argv[1:]
    label = (option(args, "--label", 1) or [""])[0]
    top = int((option(args, "--namespaces", 1) or ["25"])[0])
    before = option(args, "--before", 2)
    mapfile = args[0]
    binary = args[1] if len(args) > 1 else None
    by_assembly, by_namespace, total = breakdown(mapfile)
    whole = os.path.getsize(binary) if binary else total
    if binary:
        by_assembly[NATIVE] = whole - total
    title = f" ({label})" if label else ""
    if before:
        old_assembly, old_namespace, old_total = breakdown(before[0])
        old_whole = os.path.getsize(before[1])
        old_assembly[NATIVE] = old_whole - old_total
        print(f"| assembly{title} | before | after | change |")
        print("|---|---:|---:|---:|")
        for a in sorted(set(by_assembly) | set(old_assembly), key=lambda a: -max(by_assembly[a], old_assembly[a])):
            print(f"| {a} | {old_assembly[a]:,} | {by_assembly[a]:,} | {by_assembly[a] - old_assembly[a]:+,} |")
        print(f"| **the binary** | **{old_whole:,}** | **{whole:,}** | **{whole - old_whole:+,}** |")
        print()
        print(f"| namespace{title}, the {top} largest after | before | after |")
        print("|---|---:|---:|")
        for ns, size in by_namespace.most_common(top):
            print(f"| {ns} | {old_namespace[ns]:,} | {size:,} |")
        return
    print(f"| assembly{title} | bytes | share |")
    print("|---|---:|---:|")
    for a, size in by_assembly.most_common():
        print(f"| {a} | {size:,} | {100 * size / whole:.1f} % |")
    if binary:
        print(f"| **the binary** | **{whole:,}** | 100 % |")
    print()
    print(f"| namespace{title}, the {top} largest | bytes |")
    print("|---|---:|")
    for ns, size in by_namespace.most_common(top):
        print(f"| {ns} | {size:,} |")


main()
