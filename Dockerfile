# Tradefleet production image: one image for every process (web, worker, beat, flower, migrate).
# The default command runs the ASGI web server (HTTP + WebSocket) on port 8000; docker-compose.yml
# overrides the command for the other processes. See docs/operations.md.
# The web app (frontend/) is built in a Node stage; only its static files reach the image.
FROM node:20-slim AS web
WORKDIR /web
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# The processes run as this unprivileged user; the code stays owned by root and read-only to it.
RUN groupadd --system --gid 10001 tradefleet \
 && useradd --system --uid 10001 --gid tradefleet --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tradefleet

WORKDIR /app

# PostgreSQL client for backups (pg_dump, pg_restore, psql, createdb, dropdb: ops/backups). It must
# be at least the server's major version (postgres:16 in docker-compose.yml): from the PGDG repo.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt $(. /etc/os-release && echo "$VERSION_CODENAME")-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && apt-get purge -y --auto-remove curl \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them. Every wheel in the pinned
# requirements.txt is binary for CPython 3.11 on Linux: no compiler is needed.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The built web app, served by Django at / and by whitenoise under /static/app/ (config/spa.py).
COPY --from=web /web/dist ./frontend/dist

# collectstatic imports the settings. The values below exist only for this RUN line: they make the
# settings take the production branch (whitenoise's compressed manifest storage) and keep embedded
# mode from generating a SECRET_KEY or an encryption key into the image. None of them is a real
# secret and none is used at run time, where the environment must provide the real ones.
RUN SECRET_KEY=build-only-not-secret \
    REDIS_URL=redis://build-only:6379/0 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    ENCRYPTION_KEYS=build-only:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/build.sqlite3 \
 && python -m compileall -q -j 0 . \
 && mkdir -p var/ml-artifacts var/backups var/exports var/logs \
 && chown -R tradefleet:tradefleet var

USER tradefleet

EXPOSE 8000

# The image's default process is `web`: gunicorn (WSGI, sync workers) for HTTP, with its settings
# in config/gunicorn.py (PORT, WEB_CONCURRENCY, GUNICORN_TIMEOUT). The `ws` service runs uvicorn
# from the same image for WebSockets (docker-compose.yml); deploy/nginx.conf routes between them.
#   --no-proxy-headers (ws)  uvicorn never rewrites the client address from X-Forwarded-For;
#                            Django reads it, trusting only TRUSTED_PROXY_COUNT hops
#   UVICORN_LOG_LEVEL (ws)   default warning: at info it logs every WebSocket handshake with its
#                            URL, and the URL carries the access token
CMD ["gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"]
