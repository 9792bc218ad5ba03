#!/usr/bin/env bash
# dbt_test: check the month's raw partition and models, the way dbt tests would. Every failed check
# is printed; the task fails (exit 1) if there is at least one.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

failures=0
pass() { echo "  PASS  $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION EXPECTED ACTUAL
    if [[ $2 == "$3" ]]; then pass "$1 ($3)"; else fail "$1: expected $2, found $3"; fi
}

echo "dbt_test: city=$CITY month=$MONTH ($DAY_COUNT days, $TRIPS_PER_DAY trips/day expected)"
for file in "$RAW_FILE" "$DAILY_FILE" "$MONTHLY_FILE"; do
    [[ -f $file ]] || die "missing $file; run ingest_taxi_month and dbt_run first"
done

# Raw partition.
check "raw rows = $DAY_COUNT days x $TRIPS_PER_DAY trips" $((DAY_COUNT * TRIPS_PER_DAY)) "$(data_rows "$RAW_FILE")"
check "raw rows with 6 fields" 0 "$(awk -F, 'NR > 1 && NF != 6' "$RAW_FILE" | wc -l)"
check "raw trip ids unique" 0 "$(awk -F, 'NR > 1 { print $1 }' "$RAW_FILE" | sort | uniq -d | wc -l)"
check "negative fares or tips" 0 "$(awk -F, 'NR > 1 && ($4 < 0 || $5 < 0)' "$RAW_FILE" | wc -l)"
check "negative or zero distances" 0 "$(awk -F, 'NR > 1 && $3 <= 0' "$RAW_FILE" | wc -l)"
check "pickups outside [$MONTH_START, $MONTH_END)" 0 \
    "$(awk -F, -v from="$MONTH_START" -v to="$MONTH_END" 'NR > 1 && (substr($2, 1, 10) < from || substr($2, 1, 10) >= to)' "$RAW_FILE" | wc -l)"
check "unknown payment types" 0 \
    "$(awk -F, 'NR > 1 && $6 !~ /^(card|cash|mobile|no_charge|dispute)$/' "$RAW_FILE" | wc -l)"
check "days with trips" "$DAY_COUNT" "$(awk -F, 'NR > 1 { print substr($2, 1, 10) }' "$RAW_FILE" | sort -u | wc -l)"

# daily_trips: exactly the days of the month, each once, adding up to the raw partition.
model_days=$(awk -F, 'NR > 1 { print $1 }' "$DAILY_FILE")
if [[ $model_days == "$DAYS" ]]; then
    pass "daily_trips has each day of $MONTH once, in order ($DAY_COUNT days)"
else
    fail "daily_trips days differ from the days of $MONTH:" \
        "missing [$(comm -23 <(echo "$DAYS") <(echo "$model_days" | sort -u) | tr '\n' ' ')]" \
        "duplicated [$(echo "$model_days" | sort | uniq -d | tr '\n' ' ')]" \
        "extra [$(comm -13 <(echo "$DAYS") <(echo "$model_days" | sort -u) | tr '\n' ' ')]"
fi
check "daily_trips trips add up to the raw rows" "$(data_rows "$RAW_FILE")" "$(awk -F, 'NR > 1 { n += $2 } END { print n + 0 }' "$DAILY_FILE")"
check "days whose trips differ from $TRIPS_PER_DAY" 0 "$(awk -F, -v n="$TRIPS_PER_DAY" 'NR > 1 && $2 != n' "$DAILY_FILE" | wc -l)"
check "daily revenue = fares + tips" 0 \
    "$(awk -F, 'NR > 1 && int($6 * 100 + 0.5) != int($4 * 100 + 0.5) + int($5 * 100 + 0.5)' "$DAILY_FILE" | wc -l)"

# monthly_revenue: the month exactly once, agreeing with its daily partition; no month twice.
check "monthly_revenue rows for $MONTH" 1 "$(grep -c "^$MONTH," "$MONTHLY_FILE" || true)"
check "months listed twice in monthly_revenue" 0 "$(awk -F, 'NR > 1 { print $1 }' "$MONTHLY_FILE" | sort | uniq -d | wc -l)"
check "monthly_revenue trips for $MONTH" "$(data_rows "$RAW_FILE")" "$(awk -F, -v m="$MONTH" '$1 == m { print $3; exit }' "$MONTHLY_FILE")"
check "monthly_revenue revenue for $MONTH = sum of daily revenue" \
    "$(awk -F, 'NR > 1 { c += int($6 * 100 + 0.5) } END { printf "%.2f", c / 100 }' "$DAILY_FILE")" \
    "$(awk -F, -v m="$MONTH" '$1 == m { print $7; exit }' "$MONTHLY_FILE")"

if ((failures > 0)); then
    echo "dbt_test: $failures check(s) failed for $MONTH" >&2
    exit 1
fi
echo "dbt_test: all checks passed for $MONTH"
