#!/usr/bin/env bash
# Renders the HTML report of fixtures/messy.csv, in English and in Turkish, in headless Chromium to
# a PNG (phone and desktop widths) and fails when a page is empty (the PNG is all one colour). Needs /usr/bin/chromium
# (Debian: apt-get install chromium) and python3 (no extra packages).
#   scripts/check-html.sh [OUT_DIR]     (default: a temporary directory, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    echo "check-html: $chromium not found; install it (apt-get install chromium) or set CHROMIUM" >&2
    exit 2
fi
cargo build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${1:-$work}
mkdir -p "$out"
for lang in en tr; do
status=0
target/debug/iysync validate fixtures/messy.csv --now 2026-11-22T12:00:00+03:00 --redact -q \
    --lang "$lang" --html "$out/messy-$lang.html" || status=$?
if [ "$status" -ne 1 ]; then
    echo "check-html: validate --lang $lang exited $status (expected 1 for the messy file)" >&2
    exit 1
fi
for size in 390,844 1280,900; do
    png="$out/messy-$lang-${size/,/x}.png"
    "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$(mktemp -d -p "$work")" --window-size="$size" \
        --screenshot="$png" "file://$(realpath "$out/messy-$lang.html")" >/dev/null 2>&1 || true
    python3 - "$png" <<'PY'
import struct, sys, zlib
path = sys.argv[1]
try:
    data = open(path, "rb").read()
except OSError:
    sys.exit(f"check-html: no screenshot {path}")
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"check-html: {path} is not a PNG")
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4, 0: 1, 4: 2}.get(ctype, 4)
stride = width * bpp + 1
# Distinct scanline bodies (filter byte dropped): a blank page has one kind of line.
lines = {raw[y * stride + 1:(y + 1) * stride] for y in range(height)}
distinct = len(lines)
if distinct < 10:
    sys.exit(f"check-html: {path} ({width}x{height}) looks empty: {distinct} distinct lines")
print(f"check-html: {path} {width}x{height}, {distinct} distinct lines: ok")
PY
done
done
