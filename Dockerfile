# The bot in a container: a dedicated non-root user, its data (database, encryption key,
# webhook secret) in the /data volume, a health check on GET /healthz.
#   docker build -t smm-panel-bot .
#   docker run -d --env-file .env -v smm-bot-data:/data -p 127.0.0.1:8080:8080 smm-panel-bot
# deploy/compose.yaml runs it in webhook mode behind a reverse proxy.
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin bot \
    && mkdir /data && chown bot:bot /data && chmod 700 /data

# Dependencies first (a layer that survives code changes), then the code. The install is
# editable so that the texts in /app/locales stay beside the package that reads them.
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python3 -m venv /opt/venv \
    && mkdir bot && touch bot/__init__.py \
    && /opt/venv/bin/pip install --no-cache-dir -e . \
    && rm -rf bot
COPY bot ./bot
COPY locales ./locales

ENV PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    WEBHOOK_LISTEN=0.0.0.0:8080 \
    HEALTH_LISTEN=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER bot

# 503 (or no answer) marks the container unhealthy: the database cannot be written, or the
# order tracker has stopped finishing its rounds.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["/opt/venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=8)"]

ENTRYPOINT ["/opt/venv/bin/python", "-m", "bot"]
