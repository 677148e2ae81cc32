#!/usr/bin/env bash
# End-to-end benchmark: generates the S, M and L instances with fixed seeds, runs `heatpath plan`
# on each (read, model, options, solve, evaluate, write) and prints wall time, peak memory, the
# solver's stage times and the gap to the bound.
#
#   bash benches/e2e.sh                 # S, M and L with the default solver
#   INSTANCES="S M" bash benches/e2e.sh # a subset
#   COMPARE=lp,greedy FEATURES=highs bash benches/e2e.sh   # also HiGHS LP and greedy on each
#
# S = the shipped sample (5,000 dwellings); M = 80,000 dwellings of one corporation (the largest
# corporations); L = 2,310,000 dwellings of 279 corporations (the whole corporation sector).
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCES=${INSTANCES:-"S M L"}
DIR=${E2E_DIR:-target/e2e}
FEATURES=${FEATURES:-}
COMPARE=${COMPARE:-}
mkdir -p "$DIR"

if [ -n "$FEATURES" ]; then
    cargo build --release --quiet --features "$FEATURES"
else
    cargo build --release --quiet
fi
BIN=target/release/heatpath
if [ ! -x /usr/bin/time ]; then
    echo "benches/e2e.sh needs GNU time (/usr/bin/time): apt-get install -y time" >&2
    exit 1
fi

instance() {
    local name=$1
    case $name in
        S) echo "datasets/sample/scenario.toml" ;;
        M)
            [ -f "$DIR/M.csv" ] || $BIN generate --dwellings 80000 --corporations 1 --seed 80 --out "$DIR/M.csv" -q
            printf 'stock = "M.csv"\n' > "$DIR/M.toml"
            echo "$DIR/M.toml" ;;
        L)
            [ -f "$DIR/L.csv" ] || $BIN generate --dwellings 2310000 --corporations 279 --seed 2024 --out "$DIR/L.csv" -q
            printf 'stock = "L.csv"\n' > "$DIR/L.toml"
            echo "$DIR/L.toml" ;;
    esac
}

field() { # a number from summary.json: field FILE KEY
    sed -n "s/^  \"$2\": \\([-0-9.eE+]*\\|null\\),\\{0,1\\}$/\\1/p" "$1" | head -1
}

printf '%-3s %10s %8s %10s %10s %9s %9s %9s %10s  %s\n' inst dwellings wall_s peak_MB solver read_s options_s solve_s gap stages
for name in $INSTANCES; do
    scenario=$(instance "$name")
    out="$DIR/out-$name"
    args=(plan "$scenario" --out "$out" -q)
    [ -n "$COMPARE" ] && args+=(--compare "$COMPARE")
    /usr/bin/time -v "$BIN" "${args[@]}" 2> "$DIR/time-$name.log"
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time-$name.log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    peak_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time-$name.log")
    summary="$out/summary.json"
    solver=$(sed -n 's/^  "solver": "\(.*\)",$/\1/p' "$summary")
    dwellings=$(field "$summary" dwellings)
    gap=$(field "$summary" gap)
    read_s=$(sed -n '/"timings_s"/,/}/s/^    "read": \([0-9.eE+-]*\).*/\1/p' "$summary")
    options_s=$(sed -n '/"timings_s"/,/}/s/^    "options": \([0-9.eE+-]*\).*/\1/p' "$summary")
    solve_s=$(sed -n '/"timings_s"/,/}/s/^    "solve": \([0-9.eE+-]*\).*/\1/p' "$summary")
    stages=$(sed -n '/"timings_s"/,/}/p' "$summary" | tr -d ' \n"{}' | sed 's/timings_s://')
    printf '%-3s %10s %8.2f %10.0f %10s %9.2f %9.2f %9.2f %10s  %s\n' \
        "$name" "$dwellings" "$wall" "$((peak_kb / 1024))" "$solver" "$read_s" "$options_s" "$solve_s" "$gap" "$stages"
    if [ -n "$COMPARE" ]; then
        sed -n '/"comparison"/,/^  \]/p' "$summary" | grep -E '"(solver|objective_eur|lower_bound_eur|gap|solve_s)"' | paste - - - - - | sed 's/ \+/ /g'
    fi
done
