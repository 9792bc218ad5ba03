#!/usr/bin/env bash
# build_report: the month's revenue day by day, read from the daily_trips model that taxi_pipeline
# builds and tests, written to revenue/<city>_<first day of the month>.txt in the data folder.
# Written to a temporary file and moved into place, so a reader never sees half a report.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../taxi/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../taxi/common.sh"

out="$DASHBOARD_DATA_DIR/revenue/${CITY}_${MONTH_START}.txt"
mkdir -p "$(dirname "$out")"
{
    echo "Taxi revenue, $CITY, $MONTH"
    warehouse -A -F $'\t' <<'SQL'
SELECT day AS "day", trips, revenue_usd AS "revenue (USD)", avg_revenue_usd AS "per trip (USD)"
FROM daily_trips
WHERE city = :'city' AND day >= :'month_start' AND day < :'month_end'
ORDER BY day;
SQL
} >"$out.tmp"
days=$(($(wc -l <"$out.tmp") - 3)) # the title, the header and psql's "(N rows)" line
((days > 0)) || die "daily_trips holds no days of $CITY for $MONTH: taxi_pipeline has not built them"
mv -f "$out.tmp" "$out"
echo "build_report: $days days of $CITY $MONTH written to $out"
head -n 5 "$out"
