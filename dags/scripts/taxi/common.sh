# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the scripts that source this file
# Shared by ingest.sh, dbt_run.sh and dbt_test.sh (sourced, not run).
#
# Works out which month a run is about and where its files live:
#   MONTH        YYYY-MM, the calendar month that holds DATA_INTERVAL_START
#   MONTH_START  YYYY-MM-01, MONTH_END the first day of the next month (exclusive)
#   DAYS         the days of the month, one YYYY-MM-DD a line; DAY_COUNT how many
#   CITY, TRIPS_PER_DAY   from the DAG's params (PARAMS_CITY, PARAMS_TRIPS_PER_DAY)
#   TAXI_DIR     $DASHBOARD_DATA_DIR/taxi/<city>, with raw/ and models/ below it

export LC_ALL=C

die() {
    echo "ERROR: $*" >&2
    exit 1
}

: "${DASHBOARD_DATA_DIR:?DASHBOARD_DATA_DIR must name a writable directory for task output}"

CITY=${PARAMS_CITY:-nyc}
[[ $CITY =~ ^[a-z0-9_-]+$ ]] || die "params.city must be lower-case letters, digits, '_' or '-', not '$CITY'"
TRIPS_PER_DAY=${PARAMS_TRIPS_PER_DAY:-200}
if ! [[ $TRIPS_PER_DAY =~ ^[1-9][0-9]{0,5}$ ]] || ((TRIPS_PER_DAY > 100000)); then
    die "params.trips_per_day must be a whole number from 1 to 100000, not '$TRIPS_PER_DAY'"
fi

# The interval's dates as written (2024-01-01T00:00:00+00:00, ...Z or a bare date all work): the
# date part is the day in the DAG's time zone, which is what the partition is named after.
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

TAXI_DIR=$DASHBOARD_DATA_DIR/taxi/$CITY
RAW_FILE=$TAXI_DIR/raw/trips_$MONTH.csv
DAILY_FILE=$TAXI_DIR/models/daily_trips_$MONTH.csv
MONTHLY_FILE=$TAXI_DIR/models/monthly_revenue.csv

# Count the data rows of a CSV file (all lines but the header).
data_rows() {
    awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$1"
}

# Run a command with its output going to a temporary file next to TARGET, then rename that file
# into place: readers see the old file or the new one, never half of one, and a command that fails
# leaves the old file as it was.  Usage: write_atomically TARGET COMMAND [ARGS...]
write_atomically() {
    local target=$1 tmp
    shift
    mkdir -p "$(dirname "$target")"
    tmp=$(mktemp "$target.tmp.XXXXXX")
    # shellcheck disable=SC2064 # expand $tmp now, while it is in scope
    trap "rm -f '$tmp'" EXIT
    "$@" >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$target"
    trap - EXIT
}
