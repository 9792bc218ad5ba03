# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the scripts that source this file
# Shared by ingest.sh, dbt_run.sh and dbt_test.sh (sourced, not run).
#
# Works out which month a run is about and how to reach the warehouse:
#   MONTH        YYYY-MM, the calendar month that holds DATA_INTERVAL_START
#   MONTH_START  YYYY-MM-01, MONTH_END the first day of the next month (exclusive)
#   DAYS         the days of the month, one YYYY-MM-DD a line; DAY_COUNT how many
#   CITY, TRIPS_PER_DAY   from the DAG's params (PARAMS_CITY, PARAMS_TRIPS_PER_DAY)
#   warehouse    runs psql on the warehouse, stopping at the first error
#
# The warehouse is a PostgreSQL database, reached through psql's own PGHOST, PGPORT, PGDATABASE,
# PGUSER and PGPASSWORD, which the DAG fills from the 'warehouse' connection. psql reads the
# password from the environment, so it never appears on a command line or in the log.

export LC_ALL=C

die() {
    echo "ERROR: $*" >&2
    exit 1
}

command -v psql >/dev/null || die "psql (the PostgreSQL client) is not installed on this machine"
for variable in PGHOST PGPORT PGDATABASE PGUSER; do
    [[ -n ${!variable:-} ]] || die "$variable is empty: the 'warehouse' connection has no ${variable#PG} (see the DAG's env)"
done

CITY=${PARAMS_CITY:-nyc}
[[ $CITY =~ ^[a-z0-9_-]+$ ]] || die "params.city must be lower-case letters, digits, '_' or '-', not '$CITY'"
TRIPS_PER_DAY=${PARAMS_TRIPS_PER_DAY:-200}
if ! [[ $TRIPS_PER_DAY =~ ^[1-9][0-9]{0,5}$ ]] || ((TRIPS_PER_DAY > 100000)); then
    die "params.trips_per_day must be a whole number from 1 to 100000, not '$TRIPS_PER_DAY'"
fi

# The interval's dates as written (2024-01-01T00:00:00+00:00, ...Z or a bare date all work): the
# date part is the day in the DAG's time zone, which is what the month is named after.
interval_start=${DATA_INTERVAL_START:-${DS:-}}
interval_end=${DATA_INTERVAL_END:-}
[[ -n $interval_start ]] ||
    die "this task needs a data interval (DATA_INTERVAL_START is not set); trigger the run with a logical date"
[[ ${interval_start:0:10} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] ||
    die "cannot read a date from DATA_INTERVAL_START='$interval_start'"

MONTH=${interval_start:0:7}
MONTH_START=$MONTH-01
MONTH_END=$(date -u -d "$MONTH_START + 1 month" +%F)
if [[ ${interval_start:0:10} != "$MONTH_START" || ${interval_end:0:10} != "$MONTH_END" ]]; then
    echo "note: the data interval [$interval_start, $interval_end) is not one calendar month;" \
        "processing the whole month $MONTH, which holds its start"
fi

DAY_COUNT=$((($(date -u -d "$MONTH_END" +%s) - $(date -u -d "$MONTH_START" +%s)) / 86400))
DAYS=$(seq 0 $((DAY_COUNT - 1)) | sed "s/.*/$MONTH_START + & day/" | date -u -f - +%F)

# psql on the warehouse: no ~/.psqlrc (-X), no chatter (-q), the first error ends it with a
# non-zero exit (ON_ERROR_STOP), and the run's values as psql variables, which the SQL quotes
# itself (:'city'), so no value is ever pasted into SQL text.
warehouse() {
    psql -X -q -v ON_ERROR_STOP=1 -v city="$CITY" -v month="$MONTH" \
        -v month_start="$MONTH_START" -v month_end="$MONTH_END" -v day_count="$DAY_COUNT" \
        -v trips_per_day="$TRIPS_PER_DAY" "$@"
}

# The tables, made when missing. Runs inside the caller's transaction, after a lock that every
# step takes first, so two runs never race to create the same table.
# Then raw_month_rows: how many trips raw_trips holds for the city and month.
#   raw_trips        the trips as loaded, one row each; (city, month of the pickup) is a partition
#   daily_trips      the model: one row per city and day
#   monthly_revenue  the model: one row per city and month
SCHEMA_SQL="
SELECT pg_advisory_xact_lock(hashtext('taxi_pipeline')) AS schema_lock \gset
CREATE TABLE IF NOT EXISTS raw_trips (
    trip_id              text          NOT NULL,
    city                 text          NOT NULL,
    lpep_pickup_datetime timestamp,
    trip_distance        numeric(8, 2) NOT NULL,
    fare_amount          numeric(9, 2) NOT NULL,
    tip_amount           numeric(9, 2) NOT NULL,
    payment_type         text          NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_raw_trips_city_pickup ON raw_trips (city, lpep_pickup_datetime);
CREATE TABLE IF NOT EXISTS daily_trips (
    city            text           NOT NULL,
    day             date           NOT NULL,
    trips           integer        NOT NULL,
    distance_mi     numeric(12, 2) NOT NULL,
    fare_usd        numeric(12, 2) NOT NULL,
    tip_usd         numeric(12, 2) NOT NULL,
    revenue_usd     numeric(12, 2) NOT NULL,
    avg_distance_mi numeric(8, 2)  NOT NULL,
    avg_revenue_usd numeric(9, 2)  NOT NULL,
    PRIMARY KEY (city, day)
);
CREATE TABLE IF NOT EXISTS monthly_revenue (
    city            text           NOT NULL,
    month           text           NOT NULL,
    days            integer        NOT NULL,
    trips           integer        NOT NULL,
    distance_mi     numeric(14, 2) NOT NULL,
    fare_usd        numeric(14, 2) NOT NULL,
    tip_usd         numeric(14, 2) NOT NULL,
    revenue_usd     numeric(14, 2) NOT NULL,
    avg_distance_mi numeric(8, 2)  NOT NULL,
    PRIMARY KEY (city, month)
);
"

raw_month_rows() {
    warehouse -At <<SQL
BEGIN;
$SCHEMA_SQL
COMMIT;
SELECT count(*) FROM raw_trips
WHERE city = :'city' AND lpep_pickup_datetime >= :'month_start' AND lpep_pickup_datetime < :'month_end';
SQL
}
