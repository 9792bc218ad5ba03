#!/usr/bin/env bash
# dbt_run: build the models for one month from its raw partition, the way a dbt run would:
#   models/daily_trips_YYYY-MM.csv  one row per day: trips, distance, fares, tips, revenue, averages
#   models/monthly_revenue.csv      one row per month, rebuilt from every daily_trips file
# Both are written to a temporary file and renamed into place. The monthly table is derived from
# the daily partitions rather than appended to, so re-running a month replaces its row and a month
# can never appear twice.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[[ -f $RAW_FILE ]] || die "no raw partition for $MONTH at $RAW_FILE; run ingest_taxi_month first"

# Money is summed in cents and distance in hundredths of a mile, so totals are exact.
build_daily() {
    awk -F, '
        NR == 1 { next }
        {
            day = substr($2, 1, 10)
            if (!(day in trips)) days[++n] = day
            trips[day]++
            dist[day] += int($3 * 100 + 0.5)
            fare[day] += int($4 * 100 + 0.5)
            tip[day] += int($5 * 100 + 0.5)
        }
        END {
            print "day,trips,distance_mi,fare_usd,tip_usd,revenue_usd,avg_distance_mi,avg_revenue_usd"
            for (i = 1; i <= n; i++) {
                d = days[i]
                printf "%s,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", d, trips[d], dist[d] / 100, fare[d] / 100,
                    tip[d] / 100, (fare[d] + tip[d]) / 100, dist[d] / trips[d] / 100, (fare[d] + tip[d]) / trips[d] / 100
            }
        }' "$RAW_FILE" | { IFS= read -r header; echo "$header"; sort; }
}

build_monthly() {
    echo "month,days,trips,distance_mi,fare_usd,tip_usd,revenue_usd,avg_distance_mi"
    awk -F, '
        FNR == 1 { next }
        {
            month = substr($1, 1, 7)
            if (!(month in trips)) months[++n] = month
            days[month]++
            trips[month] += $2
            dist[month] += int($3 * 100 + 0.5)
            fare[month] += int($4 * 100 + 0.5)
            tip[month] += int($5 * 100 + 0.5)
        }
        END {
            for (i = 1; i <= n; i++) {
                m = months[i]
                printf "%s,%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f\n", m, days[m], trips[m], dist[m] / 100, fare[m] / 100,
                    tip[m] / 100, (fare[m] + tip[m]) / 100, dist[m] / trips[m] / 100
            }
        }' "$TAXI_DIR"/models/daily_trips_*.csv | sort
}

echo "dbt_run: city=$CITY month=$MONTH from $RAW_FILE ($(data_rows "$RAW_FILE") rows)"
write_atomically "$DAILY_FILE" build_daily
echo "dbt_run: model daily_trips: $(data_rows "$DAILY_FILE") days -> $DAILY_FILE"
write_atomically "$MONTHLY_FILE" build_monthly
echo "dbt_run: model monthly_revenue: $(data_rows "$MONTHLY_FILE") months -> $MONTHLY_FILE"
grep "^$MONTH," "$MONTHLY_FILE" | awk -F, '{ printf "dbt_run: %s: %d trips, revenue %s USD, avg distance %s mi\n", $1, $3, $7, $8 }'
