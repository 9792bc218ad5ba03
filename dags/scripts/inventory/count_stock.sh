#!/usr/bin/env bash
# count_stock.sh DAY: the stock level of every SKU at the end of DAY, written to
# $DASHBOARD_DATA_DIR/inventory/stock_DAY.csv.
#
# Each day's count is the previous day's count plus that day's (synthetic, deterministic) goods in
# and out, so a run needs the run before it to have finished: the reason this DAG sets
# depends_on_past. Without a previous count (the very first run) it starts from the opening stock.
set -euo pipefail
export LC_ALL=C

day=${1:?usage: count_stock.sh YYYY-MM-DD}
[[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "ERROR: '$day' is not a YYYY-MM-DD date" >&2; exit 2; }
dir=$DASHBOARD_DATA_DIR/inventory
previous_day=$(date -u -d "$day - 1 day" +%F)
previous=$dir/stock_$previous_day.csv
mkdir -p "$dir"

if [[ -f $previous ]]; then
    echo "counting stock for $day, starting from the count of $previous_day"
else
    echo "counting stock for $day: no count for $previous_day, starting from the opening stock"
    previous=/dev/null
fi

tmp=$(mktemp "$dir/stock_$day.csv.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -F, -v seed="${day//-/}" '
    function rnd() { state = (16807 * state) % 2147483647; return state / 2147483647 }
    BEGIN {
        state = seed % 2147483646 + 1
        for (i = 1; i <= 10; i++) rnd()
        split("WIDGET-S WIDGET-M WIDGET-L GADGET-A GADGET-B GIZMO-1 GIZMO-2 SPROCKET BOLT-M6 BOLT-M8 NUT-M6 NUT-M8", skus, " ")
        for (i = 1; i <= 12; i++) stock[skus[i]] = 100 + 25 * i
    }
    NR > 1 { stock[$1] = $2 }
    END {
        print "sku,on_hand,received,shipped"
        for (i = 1; i <= 12; i++) {
            s = skus[i]
            shipped = int(rnd() * 40)
            received = (stock[s] - shipped < 60) ? 120 : 0
            if (shipped > stock[s]) shipped = stock[s]
            printf "%s,%d,%d,%d\n", s, stock[s] + received - shipped, received, shipped
        }
    }' "$previous" >"$tmp"
mv -f "$tmp" "$dir/stock_$day.csv"
trap - EXIT
awk -F, 'NR > 1 { on_hand += $2; in_ += $3; out += $4 } END { printf "%d SKUs, %d units on hand (%d received, %d shipped)\n", NR - 1, on_hand, in_, out }' "$dir/stock_$day.csv"
echo "wrote $dir/stock_$day.csv"
