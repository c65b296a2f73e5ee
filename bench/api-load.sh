#!/usr/bin/env bash
# API load benchmark: GET /api/v1/companies/muster/partners?limit=50 under
# 64 connections with wrk, against a release build of kontor on SQLite with
# the demo data plus 1,000 partners. Prints wrk's report (requests/s, p99).
#
#   bench/api-load.sh [DURATION]     (needs: wrk, curl, python3; builds --release)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
bin=${KONTOR_BIN:-target/release/kontor}
[ -x "$bin" ] || cargo build --release -p kontor
data=$(mktemp -d)
port=18089
"$bin" serve --demo --listen 127.0.0.1:$port --data-dir "$data" --workers 1 >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
jar="$data/cookies"
csrf=$(curl -fs -c "$jar" -H 'content-type: application/json' \
  -d '{"username":"buchhaltung","password":"kontor-demo"}' "http://127.0.0.1:$port/api/v1/auth/login" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["csrf_token"])')
for i in $(seq 1 1000); do
  echo "{\"name\":\"Lieferant $i GmbH\",\"kind\":\"supplier\",\"city\":\"Köln\",\"iban\":\"DE89370400440532013000\"}"
done | while read -r body; do
  curl -fs -o /dev/null -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' -d "$body" \
    "http://127.0.0.1:$port/api/v1/companies/muster/partners"
done
session=$(awk '$6=="kontor_session"{print $7}' "$jar")
wrk -t2 -c64 -d"$duration" --latency -H "Cookie: kontor_session=$session" \
  "http://127.0.0.1:$port/api/v1/companies/muster/partners?limit=50"
