#!/usr/bin/env bash
# End-to-end throughput and memory of the release binary on generated data.
#
#   scripts/bench.sh                 # 5,000,000-row email and SMS files (generated once, ~10 s each)
#   ROWS=1000000 scripts/bench.sh    # quicker run on 1M-row files
#   REPEAT=5 scripts/bench.sh        # runs per measurement (default 3): best wall, worst peak RSS
#   CASES=0 scripts/bench.sh         # without the bounded-memory cases (blank lines, a 200 MB line,
#                                    # 3M rows of three problems each as JSON, 1 GB gzip bombs)
#   CASE_TIMEOUT=300 scripts/bench.sh  # seconds before a case is stopped (default 120)
#   SYNC=0 scripts/bench.sh          # without the sync planning case (a ledger of the email file's
#                                    # resolved state by --baseline, then a --dry-run of a second
#                                    # day with 1% of the keys flipped; the ledger's bytes per key;
#                                    # a first-sync --dry-run against no ledger; and a real first
#                                    # sync of FIRST_SYNC_ROWS keys (default 1M) to the simulator)
#
# Data goes to bench-data/ (git-ignored) and is reused when present. Every run is timed with
# `/usr/bin/time -v`; one line per measurement (best of REPEAT runs), then a table. Exit code 1
# from iysync (invalid rows present, which the data has on purpose) counts as success. Run it
# under `nice -n 10` on a shared machine.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=$ROOT/bench-data
BIN=$ROOT/target/release/iysync
ROWS=${ROWS:-5000000}
REPEAT=${REPEAT:-3}
CASES=${CASES:-1}
SYNC=${SYNC:-1}
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
NOW=2026-11-22T12:00:00+03:00

if [[ ! -x /usr/bin/time ]]; then
    echo "bench.sh: /usr/bin/time is missing; install it (apt-get install -y time)" >&2
    exit 2
fi
if ! [[ $ROWS =~ ^[1-9][0-9]*$ ]]; then
    echo "bench.sh: ROWS must be a positive integer, got '$ROWS'" >&2
    exit 2
fi
if ! [[ $REPEAT =~ ^[1-9][0-9]*$ ]]; then
    echo "bench.sh: REPEAT must be a positive integer, got '$REPEAT'" >&2
    exit 2
fi

# 5000000 -> 5m, 1000000 -> 1m, 250000 -> 250k, anything else as it is.
label() {
    local n=$1
    if ((n % 1000000 == 0)); then echo "$((n / 1000000))m"
    elif ((n % 1000 == 0)); then echo "$((n / 1000))k"
    else echo "$n"; fi
}

echo "== building (cargo build --release)"
cargo build --release --quiet
echo "   $("$BIN" --version 2>/dev/null || echo iysync), $(nproc) CPUs"

mkdir -p "$DATA"
gen() { # gen FILE ROWS CHANNEL DUP
    local file=$1 rows=$2 channel=$3 dup=$4
    if [[ -s $file ]]; then
        return
    fi
    echo "== generating $(basename "$file") ($rows rows, $channel, dup $dup, 2% invalid)"
    python3 "$ROOT/scripts/gen-data.py" --rows "$rows" --channel "$channel" \
        --dup-ratio "$dup" --invalid-ratio 0.02 --seed 1 "$file.tmp"
    mv "$file.tmp" "$file"
}
L=$(label "$ROWS")
EMAIL=$DATA/email-$L.csv
SMS=$DATA/sms-$L.csv
DUP30=$DATA/email-1m-dup30.csv
gen "$EMAIL" "$ROWS" email 0.1
gen "$SMS" "$ROWS" sms 0.1
gen "$DUP30" 1000000 email 0.3

# The bounded-memory cases: none has a valid row, so each one's budget is the fixed 50 MB.
BLANK=$DATA/blank-100m.csv     # 100,000,000 blank lines
INVALID=$DATA/invalid-3m.csv   # 3,000,000 rows of three problems each (9M problems)
LONG=$DATA/line-200mb.csv      # one 200 MB line
ZEROS=$DATA/zeros-1g.gz        # 1 GB of NUL bytes, gzipped (~1 MB)
XLINE=$DATA/x-1g.gz            # one 1 GB line of 'x', gzipped (~1 MB)
gen_case() { # gen_case FILE COMMAND…
    local file=$1
    shift
    [[ -s $file ]] && return
    echo "== generating $(basename "$file")"
    "$@" >"$file.tmp"
    mv "$file.tmp" "$file"
}
if ((CASES)); then
    gen_case "$BLANK" bash -c 'head -c 100000000 /dev/zero | tr "\0" "\n"'
    gen_case "$INVALID" python3 -c 'import sys
w = sys.stdout.write
for i in range(3_000_000):
    w(f"bad{i};web;RED;31.02.2025 14:23:00\n")'
    gen_case "$LONG" bash -c 'head -c 200000000 /dev/zero | tr "\0" x; echo'
    gen_case "$ZEROS" bash -c 'head -c 1000000000 /dev/zero | gzip -1'
    gen_case "$XLINE" bash -c 'head -c 1000000000 /dev/zero | tr "\0" x | gzip -1'
fi

# Each convert run writes into a fresh directory, removed only when the script ends: on ext4,
# creating thousands of files right after deleting thousands makes inode allocation scan the
# recently deleted ones, which timed the file system rather than iysync (seconds of system time).
OUTS=$(mktemp -d "$DATA/out.XXXXXX")
TIMEFILE=$(mktemp)
ERRFILE=$(mktemp)
REPORT=$(mktemp)
trap 'rm -rf "$OUTS" "$TIMEFILE" "$ERRFILE" "$REPORT"' EXIT

RESULTS=()
SKIPPED=0
row_count() {
    case $1 in
    *.gz) gzip -dc <"$1" | wc -l | tr -d ' ' ;;
    *) wc -l <"$1" | tr -d ' ' ;;
    esac
}

# The memory target of a file: 50 MB plus 64 bytes per unique recipient key (valid rows −
# duplicates), from one untimed run with --report (the report is not written in timed runs).
declare -A BUDGETS
compute_budget() {
    local file=$1
    "$BIN" validate "$file" -q --no-progress --now "$NOW" --report "$REPORT" >/dev/null 2>&1 || true
    BUDGETS[$file]=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print("%.1f" % (50 + 64 * (s["valid"] - s["duplicates"]) / 1048576))' "$REPORT")
}

# run NAME JOBS FILE ARGS… : times one invocation and records a result line. `@OUT` at the start
# of an argument becomes a fresh empty directory.
run() {
    local name=$1 jobs=$2 file=$3
    # The command as shown in the results: convert runs say where their output went.
    local LABEL=$name
    case " ${*:4} " in
    *" --out @OUT "*) LABEL="$name → dir" ;;
    *" --out - "*) LABEL="$name → stdout" ;;
    *" --format "*)
        local rest=" ${*:4} "
        rest=${rest#* --format }
        LABEL="$name ${rest%% *}"
        ;;
    esac
    shift 3
    local jobs_args=()
    [[ $jobs == default ]] || jobs_args=(--jobs "$jobs")
    local rows
    rows=$(row_count "$file")
    local best_wall="" peak_rss=0 rc=0 i out args a wall rss
    for ((i = 1; i <= REPEAT; i++)); do
        out=$(mktemp -d "$OUTS/run.XXXXXX")
        args=()
        for a in "$@"; do
            a=${a/#@OUT/$out}
            args+=("$a")
        done
        rc=0
        # `timeout` waits for iysync, so the peak RSS reported is iysync's.
        /usr/bin/time -v -o "$TIMEFILE" timeout "$CASE_TIMEOUT" "$BIN" "$name" "$file" "${args[@]}" \
            "${jobs_args[@]}" -q --no-progress --now "$NOW" >/dev/null 2>"$ERRFILE" || rc=$?
        if ((rc == 2)) && grep -q 'not available' "$ERRFILE"; then
            echo "skipped ($name not available: $(tail -n 1 "$ERRFILE"))"
            SKIPPED=1
            return 0
        fi
        if ((rc == 124)); then
            printf '%-15s %-19s jobs=%-7s STOPPED after %ss (CASE_TIMEOUT)\n' "$LABEL" "$(basename "$file")" \
                "$jobs" "$CASE_TIMEOUT"
            RESULTS+=("$LABEL|$(basename "$file")|$jobs|$rows|>$CASE_TIMEOUT|-|-|${BUDGETS[$file]}|timeout")
            return 0
        fi
        if ((rc > 1)); then
            # /usr/bin/time reports a failing command as "Command exited with non-zero status N".
            printf '%-8s %-22s jobs=%-7s FAILED (exit %d): %s\n' "$LABEL" "$(basename "$file")" "$jobs" \
                "$rc" "$(tail -n 1 "$ERRFILE")"
            RESULTS+=("$LABEL|$(basename "$file")|$jobs|$rows|-|-|-|-|exit $rc")
            return 0
        fi
        wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {
            n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
            printf "%.2f", s }' "$TIMEFILE")
        rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$TIMEFILE")
        # The best wall time of the repeats (the least disturbed run), the worst peak RSS.
        if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
        fi
        if awk -v a="$rss" -v b="$peak_rss" 'BEGIN { exit !(a > b) }'; then
            peak_rss=$rss
        fi
    done
    wall=$best_wall
    rss=$peak_rss
    local rate
    rate=$(awk -v r="$rows" -v w="$wall" 'BEGIN { if (w > 0) printf "%.0f", r / w; else print "-" }')
    local budget=${BUDGETS[$file]}
    printf '%-15s %-19s jobs=%-7s rows=%-8s wall=%6ss  %9s rows/s  peak RSS %7s MB (budget %s MB)  (exit %d)\n' \
        "$LABEL" "$(basename "$file")" "$jobs" "$rows" "$wall" "$rate" "$rss" "$budget" "$rc"
    RESULTS+=("$LABEL|$(basename "$file")|$jobs|$rows|$wall|$rate|$rss|$budget|exit $rc")
}

echo "== memory budgets (one untimed run per file)"
for f in "$EMAIL" "$SMS" "$DUP30"; do
    compute_budget "$f"
done

echo "== validate"
for f in "$EMAIL" "$SMS"; do
    run validate 1 "$f"
    run validate default "$f"
done

echo "== convert --to insider"
if "$BIN" convert --help >/dev/null 2>&1; then
    # Bodies written to a directory (what a nightly job does; includes the file system's cost of
    # writing ~75 bytes a user), then to stdout into /dev/null (iysync's own throughput).
    for f in "$EMAIL" "$SMS" "$DUP30"; do
        run convert 1 "$f" --to insider --out @OUT
        ((SKIPPED)) && break
        run convert default "$f" --to insider --out @OUT
    done
    for f in "$EMAIL" "$SMS"; do
        ((SKIPPED)) && break
        run convert 1 "$f" --to insider --out - --rejects @OUT/rejects.csv
        run convert default "$f" --to insider --out - --rejects @OUT/rejects.csv
    done
else
    echo "skipped (convert not available)"
fi

# Sync planning (SPEC §11: >= 1M rows/s on 2 cores, <= 150 bytes a key on disk): a ledger of the
# email file's resolved state recorded by `sync --baseline` (no token needed), then `sync --dry-run`
# of a second day's file: the same rows, with every valid row of 1% of the keys (crc32 of the key)
# rewritten to the other word of the key's latest one, at 02.01.2026 12:00:00 (later than any
# generated time). The ledger lives in $OUTS (removed when the script ends); the second day's file
# is kept in bench-data/ like the others.
if ((SYNC)) && "$BIN" sync --help >/dev/null 2>&1; then
    echo "== sync planning (ledger by --baseline, then --dry-run of a day with 1% of the keys flipped)"
    DAY2=$DATA/email-$L-day2.csv
    gen_case "$DAY2" python3 -c '
import sys, zlib
path = sys.argv[1]
def rows():
    with open(path, "rb") as f:
        for line in f:
            yield line.rstrip(b"\n")
def chosen(key):
    return zlib.crc32(key) % 100 == 0
def parse(line):
    # (key, permission, sortable local time) of a valid-looking row, else None.
    f = line.split(b";")
    if len(f) < 4 or f[2] not in (b"ONAY", b"RET"):
        return None
    key = f[0].strip().lower()
    t = f[3]
    if len(t) != 19 or t[:5].endswith(b".02") and t[:2] in (b"30", b"31"):
        return None
    return key, f[2], t[6:10] + t[3:5] + t[:2] + t[11:]
# Pass one: the latest word of each chosen key (RET wins a tie), about 1% of the keys.
latest = {}
for line in rows():
    p = parse(line)
    if p is None or not chosen(p[0]):
        continue
    key, perm, t = p
    old = latest.get(key)
    if old is None or t > old[0] or (t == old[0] and perm == b"RET"):
        latest[key] = (t, perm)
# Pass two: the rows, those of the chosen keys flipped and later.
out = sys.stdout.buffer
for line in rows():
    p = parse(line)
    if p is not None and p[0] in latest:
        f = line.split(b";")
        f[2] = b"ONAY" if latest[p[0]][1] == b"RET" else b"RET"
        f[3] = b"02.01.2026 12:00:00"
        line = b";".join(f)
    out.write(line + b"\n")
print(f"{len(latest)} keys flipped", file=sys.stderr)
' "$EMAIL"
    LEDGER=$OUTS/ledger.sqlite3
    rc=0
    /usr/bin/time -v -o "$TIMEFILE" "$BIN" sync "$EMAIL" --baseline --state "$LEDGER" --partner bench \
        --rejects "$OUTS/baseline-rejects.csv" --force -q --no-progress --now "$NOW" \
        >/dev/null 2>"$ERRFILE" || rc=$?
    if ((rc > 1)); then
        echo "sync --baseline FAILED (exit $rc): $(tail -n 1 "$ERRFILE")"
    else
        printf 'sync --baseline  %-19s wall=%ss  peak RSS %s MB (budget %s MB)  (exit %d)\n' "$(basename "$EMAIL")" \
            "$(awk -F': ' '/Elapsed \(wall clock\) time/ { n = split($2, p, ":"); s = 0
                for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$TIMEFILE")" \
            "$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$TIMEFILE")" \
            "${BUDGETS[$EMAIL]}" "$rc"
        # The ledger's size on disk after a checkpoint (the WAL folded into the main file).
        python3 -c 'import os, sqlite3, sys
p = sys.argv[1]
c = sqlite3.connect(p)
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
keys = c.execute("SELECT count(*) FROM consents").fetchone()[0]
c.close()
size = os.path.getsize(p) + (os.path.getsize(p + "-wal") if os.path.exists(p + "-wal") else 0)
print("ledger: %d keys, %d bytes after a checkpoint: %.1f bytes per key (target <= 150)"
      % (keys, size, size / max(keys, 1)))' "$LEDGER"
        compute_budget "$DAY2"
        run sync default "$DAY2" --dry-run --state "$LEDGER" --partner bench --rejects @OUT/rejects.csv
    fi
    # A first sync (every key new, so every key a change of the plan, spooled to TMPDIR): the
    # dry run of the email file against no ledger (a scratch one of its own; the real first
    # sync against the simulator is measured at the end).
    echo "== sync first-sync dry run (no ledger: every key new)"
    run sync default "$EMAIL" --dry-run --state "$OUTS/first/ledger.sqlite3" --partner bench \
        --rejects @OUT/rejects.csv
else
    ((SYNC)) && echo "skipped (sync not available)"
fi

if ((CASES)); then
    echo "== bounded-memory cases (budget: the fixed 50 MB; no valid rows)"
    for f in "$BLANK" "$INVALID" "$LONG" "$ZEROS" "$XLINE"; do
        BUDGETS[$f]=50.0
    done
    for jobs in 1 default; do
        run validate "$jobs" "$BLANK"
        run validate "$jobs" "$INVALID" --format json
        run validate "$jobs" "$INVALID" --format jsonl
        run validate "$jobs" "$INVALID"
        run validate "$jobs" "$LONG"
        run validate "$jobs" "$ZEROS"
        run validate "$jobs" "$XLINE"
    done
fi

echo
echo "== summary ($(nproc) CPUs; default jobs = iysync's own default)"
{
    echo "command|file|jobs|rows|wall s|rows/s|peak RSS MB|RSS budget MB|status"
    printf '%s\n' "${RESULTS[@]}"
} | column -t -s '|'

echo
echo "== upload rate against the simulator (50 ms latency, cap 25,000/min, --concurrency 32)"
cargo test --release --quiet --test upload_rate -- --ignored --nocapture 2>&1 | grep -E "upload rate|panicked|FAILED" || true

if ((SYNC)); then
    # A real first sync against the simulator (no latency): FIRST_SYNC_ROWS keys, every one
    # upserted and the RETs unsubscribed, the ledger recording every request; peak RSS of iysync.
    # The simulator keeps every user in the test process: about 3.5 KB a key (15 GB at 4.4M).
    echo
    echo "== first sync against the simulator (${FIRST_SYNC_ROWS:-1000000} keys, 30% RET)"
    IYSYNC_FIRST_SYNC_ROWS=${FIRST_SYNC_ROWS:-1000000} cargo test --release --quiet --test sync \
        first_sync_memory -- --ignored --nocapture 2>&1 | grep -E "first sync:|panicked|FAILED" || true
fi
