#!/usr/bin/env bash
# dbt_run: rebuild the month's models from raw_trips in the warehouse, the way a dbt run would:
#   daily_trips      one row per day of the month: trips, distance, fares, tips, revenue, averages
#   monthly_revenue  the month's row, summed from its daily_trips rows
# Each model's rows for the city and month are deleted and inserted again in ONE transaction, so
# re-running a month replaces its rows, a month can never appear twice, and readers see the old
# models or the new ones, never half of either.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "dbt_run: city=$CITY month=$MONTH [$MONTH_START, $MONTH_END)"
raw_rows=$(raw_month_rows)
((raw_rows > 0)) || die "raw_trips holds no trips of $CITY for $MONTH; run ingest_taxi_month first"
echo "dbt_run: $raw_rows raw trips"
warehouse <<SQL
BEGIN;
$SCHEMA_SQL
DELETE FROM daily_trips WHERE city = :'city' AND day >= :'month_start' AND day < :'month_end';
INSERT INTO daily_trips (city, day, trips, distance_mi, fare_usd, tip_usd, revenue_usd, avg_distance_mi, avg_revenue_usd)
SELECT city, lpep_pickup_datetime::date, count(*), sum(trip_distance), sum(fare_amount), sum(tip_amount),
       sum(fare_amount + tip_amount), round(avg(trip_distance), 2), round(avg(fare_amount + tip_amount), 2)
FROM raw_trips
WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end'
GROUP BY 1, 2;

DELETE FROM monthly_revenue WHERE city = :'city' AND month = :'month';
INSERT INTO monthly_revenue (city, month, days, trips, distance_mi, fare_usd, tip_usd, revenue_usd, avg_distance_mi)
SELECT city, :'month', count(*), sum(trips), sum(distance_mi), sum(fare_usd), sum(tip_usd), sum(revenue_usd),
       round(sum(distance_mi) / sum(trips), 2)
FROM daily_trips
WHERE city = :'city' AND day >= :'month_start' AND day < :'month_end'
GROUP BY 1;
COMMIT;

SELECT format('dbt_run: model daily_trips: %s days', count(*))
FROM daily_trips WHERE city = :'city' AND day >= :'month_start' AND day < :'month_end' \g (format=unaligned tuples_only=on)
SELECT format('dbt_run: model monthly_revenue: %s %s: %s days, %s trips, revenue %s USD, avg distance %s mi',
              city, month, days, trips, revenue_usd, avg_distance_mi)
FROM monthly_revenue WHERE city = :'city' AND month = :'month' \g (format=unaligned tuples_only=on)
SQL
