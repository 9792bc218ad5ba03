#!/usr/bin/env bash
# dbt_test: check the month's raw trips and models in the warehouse, the way dbt tests would. Every
# check is one row of the query below (what it checks, the value expected, the value found); every
# failed one is printed, and the task fails (exit 1) if there is at least one.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "dbt_test: city=$CITY month=$MONTH ($DAY_COUNT days, $TRIPS_PER_DAY trips/day expected)"
raw_rows=$(raw_month_rows)
((raw_rows > 0)) || die "raw_trips holds no trips of $CITY for $MONTH; run ingest_taxi_month and dbt_run first"

# The month's raw rows are those whose pickup falls in it; "mine" are those its ingest loaded
# (the trip ids it numbers), wherever their pickup time ended up.
checks=$(warehouse -At -F '|' <<'SQL'
WITH raw AS (
    SELECT * FROM raw_trips
    WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end'
), mine AS (
    SELECT * FROM raw_trips WHERE city = :'city' AND starts_with(trip_id, :'city' || '-' || replace(:'month', '-', '') || '-')
), daily AS (
    SELECT * FROM daily_trips WHERE city = :'city' AND day >= :'month_start' AND day < :'month_end'
), monthly AS (
    SELECT * FROM monthly_revenue WHERE city = :'city' AND month = :'month'
)
SELECT 'raw rows = ' || :day_count || ' days x ' || :trips_per_day || ' trips', :day_count * :trips_per_day, (SELECT count(*) FROM raw)
UNION ALL SELECT 'raw rows without a pickup time', 0, (SELECT count(*) FROM mine WHERE lpep_pickup_datetime IS NULL)
UNION ALL SELECT 'raw trip ids unique (ids loaded more than once)', 0,
    (SELECT count(*) FROM (SELECT trip_id FROM mine GROUP BY trip_id HAVING count(*) > 1) AS twice)
UNION ALL SELECT 'negative fares or tips', 0, (SELECT count(*) FROM raw WHERE fare_amount < 0 OR tip_amount < 0)
UNION ALL SELECT 'negative or zero distances', 0, (SELECT count(*) FROM raw WHERE trip_distance <= 0)
UNION ALL SELECT 'pickups outside [' || :'month_start' || ', ' || :'month_end' || ')', 0,
    (SELECT count(*) FROM mine WHERE lpep_pickup_datetime < :'month_start' OR lpep_pickup_datetime >= :'month_end')
UNION ALL SELECT 'unknown payment types', 0,
    (SELECT count(*) FROM raw WHERE payment_type NOT IN ('card', 'cash', 'mobile', 'no_charge', 'dispute'))
UNION ALL SELECT 'days with trips', :day_count, (SELECT count(DISTINCT lpep_pickup_datetime::date) FROM raw)
UNION ALL SELECT 'daily_trips rows (one per day of ' || :'month' || ')', :day_count, (SELECT count(*) FROM daily)
UNION ALL SELECT 'daily_trips trips add up to the raw rows', (SELECT count(*) FROM raw), (SELECT coalesce(sum(trips), 0) FROM daily)
UNION ALL SELECT 'days whose trips differ from ' || :trips_per_day, 0, (SELECT count(*) FROM daily WHERE trips <> :trips_per_day)
UNION ALL SELECT 'daily revenue = fares + tips (days where not)', 0, (SELECT count(*) FROM daily WHERE revenue_usd <> fare_usd + tip_usd)
UNION ALL SELECT 'monthly_revenue rows for ' || :'month', 1, (SELECT count(*) FROM monthly)
UNION ALL SELECT 'monthly_revenue trips for ' || :'month', (SELECT count(*) FROM raw), (SELECT sum(trips) FROM monthly)
UNION ALL SELECT 'monthly_revenue revenue = fares + tips of the raw rows',
    (SELECT sum(fare_amount + tip_amount) FROM raw), (SELECT sum(revenue_usd) FROM monthly)
UNION ALL SELECT 'monthly_revenue revenue = sum of daily revenue', (SELECT sum(revenue_usd) FROM daily), (SELECT sum(revenue_usd) FROM monthly);
SQL
)

failures=0
while IFS='|' read -r description expected found; do
    if [[ $expected == "$found" ]]; then
        echo "  PASS  $description ($found)"
    else
        echo "  FAIL  $description: expected ${expected:-nothing}, found ${found:-nothing}"
        failures=$((failures + 1))
    fi
done <<<"$checks"

if ((failures > 0)); then
    echo "dbt_test: $failures check(s) failed for $MONTH" >&2
    exit 1
fi
echo "dbt_test: all checks passed for $MONTH"
