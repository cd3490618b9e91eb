#!/usr/bin/env bash
# One part of the Python suite, isolated from the part running beside it (`make test` runs the
# parts and the web app's tests at once, on every core): its own test database (the
# DATABASE_URL's name with "_<part>"), its own three Redis databases (REDIS_URL's index plus
# OFFSET) and its own state folder. Usage: tests/run_part.sh PART OFFSET PYTHON pytest-args...
set -euo pipefail
part="$1" offset="$2" python="$3"
shift 3
if [ -n "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="${DATABASE_URL%%\?*}_${part}$( [[ "$DATABASE_URL" == *\?* ]] && echo "?${DATABASE_URL#*\?}" )"
fi
if [ -n "${REDIS_URL:-}" ]; then
  REDIS_URL="$("$python" -c 'import sys; from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1]); db = int(u.path.strip("/") or 0) + int(sys.argv[2])
if db + 2 > 15:
    sys.exit(f"REDIS_URL database {db - int(sys.argv[2])}: the test parts need it and the 8 after it (at most 7)")
print(urlunsplit((u.scheme, u.netloc, f"/{db}", u.query, u.fragment)))' "$REDIS_URL" "$offset")"
  export REDIS_URL
fi
export TRADEFLEET_VAR_DIR="var/test-${part}"
exec "$python" -m pytest "$@"
