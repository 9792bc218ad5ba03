#!/usr/bin/env bash
# load_records.sh ENDPOINT: "load" what call_api.sh fetched for this run: count and sum the records.
set -euo pipefail
export LC_ALL=C

endpoint=${1:?usage: load_records.sh ENDPOINT}
run=$(printf '%s' "${RUN_ID:-manual}" | tr -c 'A-Za-z0-9_.-' '_')
file=$DASHBOARD_DATA_DIR/flaky_api_sync/$run/$endpoint.csv

[[ -f $file ]] || { echo "ERROR: nothing fetched for $endpoint in this run ($file is missing)" >&2; exit 1; }
awk -F, -v name="$endpoint" '
    NR > 1 { n++; cents += int($3 * 100 + 0.5); if ($2 == "refunded") refunded++ }
    END { printf "loaded %d %s records (%d refunded), %.2f USD in total\n", n, name, refunded, cents / 100 }' "$file"
