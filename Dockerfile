# Waymark API image. Migrations are their own step (`docker run … waymark migrate`), not run by
# every worker at start-up.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WAYMARK_HOST=0.0.0.0 \
    WAYMARK_DATA_DIR=/data

WORKDIR /app

# Dependencies first: this layer is reused until the lock file changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# The wheel carries alembic.ini and migrations/ (pyproject.toml's data files): the installed
# package migrates without the source tree.
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-deps . \
    && rm -rf /app/app /app/migrations /app/alembic.ini \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin waymark \
    && mkdir -p /data && chown waymark /data && chmod 700 /data

USER waymark
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

# `waymark serve` reads WAYMARK_PORT, WAYMARK_WORKERS and WAYMARK_FORWARDED_ALLOW_IPS (set the last
# to your reverse proxy's address: throttling counts per client address).
CMD ["waymark", "serve"]
