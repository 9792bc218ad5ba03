#!/usr/bin/env bash
# report_changes.sh DAY: compare DAY's stock count with the day before and list what to reorder.
set -euo pipefail
export LC_ALL=C

day=${1:?usage: report_changes.sh YYYY-MM-DD}
[[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "ERROR: '$day' is not a YYYY-MM-DD date" >&2; exit 2; }
dir=$DASHBOARD_DATA_DIR/inventory
today=$dir/stock_$day.csv
yesterday=$dir/stock_$(date -u -d "$day - 1 day" +%F).csv
[[ -f $today ]] || { echo "ERROR: no stock count for $day ($today); count_stock must run first" >&2; exit 1; }
[[ -f $yesterday ]] || { echo "no count for the day before $day: nothing to compare, first snapshot"; yesterday=/dev/null; }

awk -F, -v before_file="$yesterday" '
    FNR == 1 { next }
    FILENAME == before_file { before[$1] = $2; next }
    {
        delta = ($1 in before) ? sprintf("%+d", $2 - before[$1]) : "new"
        printf "  %-10s %5d on hand  (%s)%s\n", $1, $2, delta, ($2 < 60 ? "  <- below reorder point" : "")
    }' "$yesterday" "$today"
