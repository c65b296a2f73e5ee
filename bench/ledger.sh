#!/usr/bin/env bash
# Ledger benchmark, side by side with hledger on the same generated journal:
# kontor import (SQLite), kontor trial balance, hledger bal; wall time and
# peak memory of each, then whether both trial balances agree to the cent.
# Needs python3, hledger, GNU time and a release build:
#   cargo build --release -p kontor && bench/ledger.sh 1000000
set -euo pipefail
n=${1:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
kontor="$root/target/release/kontor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$root/../shared/tools/gen_journal.py" --seed 42 --n "$n" --out "$work/j" --formats jsonl,hledger >/dev/null 2>&1
export KONTOR_DATA_DIR="$work/data" KONTOR_LOG=warn
"$kontor" admin company add --code bench --name "Bench GmbH" >/dev/null 2>&1
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out" 2>/dev/null
  read -r secs kib <"$work/t"
  printf '| %s | %s s | %d MiB |\n' "$label" "$secs" $((kib / 1024))
}
echo "| step ($n transactions) | wall time | peak memory |"
echo "|---|---|---|"
measure "kontor ledger import (SQLite)" "$kontor" ledger import --company bench --format jsonl "$work/j/journal.jsonl"
measure "kontor ledger balance" "$kontor" ledger balance --company bench --format csv
cp "$work/out" "$work/kontor-balance.csv"
measure "kontor ledger report kontoblatt (1200 Bank)" "$kontor" ledger report kontoblatt --company bench --account 1200 --from 1900-01-01 --to 2200-12-31
measure "hledger bal" hledger -f "$work/j/journal.hledger" bal -O csv --flat --no-total
cp "$work/out" "$work/hledger-bal.csv"
measure "hledger reg Assets:1200" hledger -f "$work/j/journal.hledger" reg Assets:1200
echo
echo "database size: $(du -m "$work/data/kontor.db" | cut -f1) MiB"
# Same balance per account, to the cent (hledger names accounts, kontor
# numbers them: accounts.csv of the generator maps one to the other).
python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
names = {r[3]: r[0] for r in csv.reader(open(f"{work}/j/accounts.csv"), delimiter=";") if len(r) > 3}
ours = {}
for r in list(csv.reader(open(f"{work}/kontor-balance.csv"), delimiter=";"))[1:]:
    if int(r[3]) != 0:
        ours[r[0]] = int(r[3])
theirs = {}
for r in list(csv.reader(open(f"{work}/hledger-bal.csv")))[1:]:
    amount = r[1].removesuffix(" EUR")
    whole, _, frac = amount.partition(".")
    cents = int(whole.lstrip("-") or "0") * 100 + int((frac + "00")[:2])
    theirs[names[r[0]]] = -cents if whole.startswith("-") else cents
if ours != theirs:
    differ = sorted(set(ours.items()) ^ set(theirs.items()))[:10]
    sys.exit(f"trial balances differ (first differences: {differ})")
print(f"trial balance equal to hledger bal to the cent: {len(ours)} accounts")
PY
