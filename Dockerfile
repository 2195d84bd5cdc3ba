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

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin waymark \
    && mkdir -p /data && chown waymark /data

USER waymark
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

CMD ["uvicorn", "app.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers", "--timeout-graceful-shutdown", "30", "--no-access-log", \
     "--log-config", "/app/app/core/logging.json"]
