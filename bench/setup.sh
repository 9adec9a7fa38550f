#!/bin/sh
# Benchmark set-up: socat (the pty<->TCP yardstick) and the C select-loop responder.
# Idempotent; run as root (apt-get). Usage: sh bench/setup.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v socat >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y socat
fi
mkdir -p "$here/build"
cc -O2 -Wall -Wextra -o "$here/build/c_responder" "$here/c_responder.c"
if ! command -v py-spy >/dev/null 2>&1; then
    python3 -m pip install --quiet py-spy || echo "py-spy not installed (profiling only)" >&2
fi
echo "socat: $(command -v socat)"
echo "c_responder: $here/build/c_responder"
