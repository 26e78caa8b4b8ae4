#!/usr/bin/env bash
# The whole test suite: type-check, then every *.test.ts on the embedded PGlite, then again on the
# machine's PostgreSQL when one answers at 127.0.0.1:5432 (database `test`, user `postgres`).
set -euo pipefail
cd "$(dirname "$0")/.."
# One secret for every test process: signing keys and webhook secrets sealed by one are read by another.
export THREATSHARE_KEY_SECRET="${THREATSHARE_KEY_SECRET:-threatshare-test-only-key-secret}"

echo "== type-check"
npx tsc -p tsconfig.json
npx tsc -p web/tsconfig.json

mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
runner=(node --import tsx --test --test-concurrency=2 --test-timeout=300000)

echo "== tests on PGlite (${#files[@]} files)"
"${runner[@]}" "${files[@]}"

pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if node -e "const s=require('net').connect(5432,'127.0.0.1');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000)"; then
  echo "== tests on PostgreSQL ($pg_url)"
  if [ -z "${TEST_DATABASE_URL:-}" ]; then
    # The default test database is ours: start each run from an empty schema, so what earlier runs
    # left behind (a million benchmark rows, say) never slows or skews this one.
    node -e "const pg=require('pg');const c=new pg.Client('$pg_url');c.connect().then(()=>c.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public')).then(()=>c.end(),e=>{console.error(e.message);process.exit(1)})"
  fi
  TEST_DATABASE_URL="$pg_url" "${runner[@]}" "${files[@]}"
else
  echo "== PostgreSQL is not answering at 127.0.0.1:5432: skipped the PostgreSQL run"
fi
