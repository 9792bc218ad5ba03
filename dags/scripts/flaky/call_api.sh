#!/usr/bin/env bash
# call_api.sh ENDPOINT: a stand-in for a call to a partner's HTTP API (no network is used).
# It fails on a task's first try, as a real API that is briefly overloaded would, and succeeds on
# the retry: watch the task go up_for_retry, then success, with both tries' logs kept.
# On success it writes the "response" to $DASHBOARD_DATA_DIR/flaky_api_sync/<run>/<endpoint>.csv.
set -euo pipefail
export LC_ALL=C

endpoint=${1:?usage: call_api.sh ENDPOINT}
[[ $endpoint =~ ^[a-z0-9_-]+$ ]] || { echo "ERROR: endpoint must be lower-case letters, digits, _ or -" >&2; exit 2; }
try=${TRY_NUMBER:-1}
run=$(printf '%s' "${RUN_ID:-manual}" | tr -c 'A-Za-z0-9_.-' '_')
out_dir=$DASHBOARD_DATA_DIR/flaky_api_sync/$run

echo "GET https://partner-api.example.com/v2/$endpoint (try $try, simulated)"
sleep 0.5
if ((try == 1)); then
    echo "API returned 503 Service Unavailable (Retry-After: 10); failing this try so the retry picks it up" >&2
    exit 1
fi

mkdir -p "$out_dir"
tmp=$(mktemp "$out_dir/$endpoint.csv.tmp.XXXXXX")
{
    echo "id,status,amount_usd"
    for i in $(seq 1 25); do
        printf '%s-%04d,%s,%d.%02d\n' "$endpoint" "$i" "$( ((i % 7 == 0)) && echo refunded || echo paid)" $((i * 37 % 500)) $((i * 13 % 100))
    done
} >"$tmp"
mv -f "$tmp" "$out_dir/$endpoint.csv"
echo "API returned 200 OK: 25 records -> $out_dir/$endpoint.csv"
