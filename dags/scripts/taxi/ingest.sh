#!/usr/bin/env bash
# ingest_taxi_month: generate one month of synthetic taxi trips and load them into the warehouse's
# raw_trips table, replacing whatever that month held for the city.
#
# The trips are pseudo-random but seeded from the city and the month alone, so every run for a
# month loads exactly the same rows. The load is the idempotent pattern backfills depend on: in ONE
# transaction, DELETE the month's rows, then COPY the new ones in. Re-running a month (a retry, a
# clear, a backfill) replaces it and never duplicates a row; a load that fails half-way rolls back
# and leaves the month as it was.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# One line per trip, without id: pickup_at,distance_mi,fare_usd,tip_usd,payment_type.
# Park-Miller random numbers (exact in awk's doubles, so mawk and gawk agree), seeded from
# city and month; hours weighted like a real city day, fares from distance plus traffic.
generate_trips() {
    printf '%s\n' "$DAYS" | awk -v seed_text="$CITY/$MONTH" -v per_day="$TRIPS_PER_DAY" '
        function rnd() { state = (16807 * state) % 2147483647; return state / 2147483647 }
        BEGIN {
            chars = "abcdefghijklmnopqrstuvwxyz0123456789_-/"
            state = 1
            for (i = 1; i <= length(seed_text); i++)
                state = (state * 31 + index(chars, substr(seed_text, i, 1))) % 2147483646
            state = state + 1
            for (i = 1; i <= 10; i++) rnd()
            # Relative demand per hour of day, 00 to 23.
            split("4 3 2 1 1 2 4 7 9 8 7 7 8 8 8 9 10 11 12 11 10 9 8 6", weight, " ")
            total = 0
            for (h = 1; h <= 24; h++) total += weight[h]
        }
        {
            day = $0
            for (t = 0; t < per_day; t++) {
                pick = rnd() * total; hour = 0
                for (h = 1; h <= 24; h++) { pick -= weight[h]; if (pick < 0) { hour = h - 1; break } }
                pickup = sprintf("%s %02d:%02d:%02d", day, hour, int(rnd() * 60), int(rnd() * 60))

                u = rnd()
                if (u < 0.03) {                        # airport run: long, flat fare
                    cents_mi = 1500 + int(rnd() * 600); fare = 7000
                } else {
                    cents_mi = 30 + int(-log(1 - rnd()) * 240)
                    if (cents_mi > 4000) cents_mi = 4000
                    fare = 300 + int(cents_mi * 2.5) + int(rnd() * 400)
                }

                u = rnd()
                if (u < 0.70) pay = "card"; else if (u < 0.93) pay = "cash"
                else if (u < 0.98) pay = "mobile"; else if (u < 0.99) pay = "no_charge"; else pay = "dispute"
                if (pay == "no_charge") fare = 0

                tip = 0
                if (pay == "card" || pay == "mobile") {
                    u = rnd()
                    pct = (u < 0.15) ? 0 : (u < 0.35) ? 10 : (u < 0.60) ? 15 : (u < 0.80) ? 18 : (u < 0.95) ? 20 : 25
                    tip = int(fare * pct / 100)
                }
                printf "%s,%.2f,%.2f,%.2f,%s\n", pickup, cents_mi / 100, fare / 100, tip / 100, pay
            }
        }'
}

# The month's trips as CSV in raw_trips' column order, in pickup order, numbered:
# trip_id,city,lpep_pickup_datetime,trip_distance,fare_amount,tip_amount,payment_type.
build_rows() {
    generate_trips | sort | awk -v prefix="$CITY-${MONTH/-/}-" -v city="$CITY" '{ printf "%s%06d,%s,%s\n", prefix, NR, city, $0 }'
}

# What psql runs: the tables if missing, then the month's delete and copy in one transaction. The
# rows follow the \copy line in the same stream, up to the "\." line.
load_script() {
    local rows=$1
    echo "BEGIN;"
    echo "$SCHEMA_SQL"
    cat <<'SQL'
SELECT count(*) AS previous FROM raw_trips
WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end' \gset
DELETE FROM raw_trips
WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end';
\copy raw_trips (trip_id, city, lpep_pickup_datetime, trip_distance, fare_amount, tip_amount, payment_type) FROM STDIN WITH (FORMAT csv)
SQL
    cat "$rows"
    echo '\.'
    cat <<'SQL'
SELECT count(*) AS loaded FROM raw_trips
WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end' \gset
COMMIT;
\echo ingest: deleted :previous rows of :city :month and loaded :loaded rows into raw_trips
SQL
}

echo "ingest: city=$CITY month=$MONTH [$MONTH_START, $MONTH_END): $DAY_COUNT days x $TRIPS_PER_DAY trips/day"
echo "ingest: warehouse $PGUSER@$PGHOST:$PGPORT/$PGDATABASE"
rows=$(mktemp "${TMPDIR:-/tmp}/taxi-trips.XXXXXX")
# shellcheck disable=SC2064 # expand $rows now, while it is in scope
trap "rm -f '$rows'" EXIT
build_rows >"$rows"
echo "ingest: generated $(wc -l <"$rows") trips, content hash $(sha256sum "$rows" | cut -c1-16) (the same on every run for this month)"
load_script "$rows" | warehouse
