#!/usr/bin/env bash
# test-aarch64.sh — the aarch64 (aarch64_generic) package under qemu-user: its musl binary and its libsodium, in a
# root holding no glibc (the aarch64 musl loader, the package's files and the static user-mode emulator
# qemu-aarch64-static, which runs it): version, self-check (crypto known answer + whole in-memory IKE exchange on the
# default suite, without libssl), check-config of the shipped example, and the packaged libsodium is the one used.
# Same checks as test-noglibc.sh, for aarch64; `test-aarch64.sh apk` checks the .apk. Needs root (chroot). Ends with
# "N passed, N failed".
exec "$(dirname "$0")/test-noglibc.sh" aarch64 "${1:-ipk}"
