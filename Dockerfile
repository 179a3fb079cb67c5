# csp-scheduler as a container: `csp run` as a non-root user. The partnership's configuration
# comes from a mounted folder (/etc/csp-scheduler/config), settings from an env file
# (`--env-file .env`), and the data (SQLite database, outbox, packs) lives in a volume.
# compose.yaml runs it with PostgreSQL. Dependencies come from requirements.lock, by hash.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY scheduler ./scheduler
COPY jobs ./jobs
COPY templates ./templates
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
# GOV.UK Frontend for `csp web`, at the version package-lock.json pins.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --silent
# The Lancaster example, to try the image with CSP_CONFIG_DIR=/app/example-config; a real
# partnership mounts its own folder at /etc/csp-scheduler/config.
COPY config ./example-config

RUN useradd --system --create-home --home-dir /var/lib/csp csp \
 && mkdir -p /var/lib/csp/data /etc/csp-scheduler/config && chown -R csp:csp /var/lib/csp
USER csp
ENV CSP_DATA_DIR=/var/lib/csp/data \
    CSP_CONFIG_DIR=/etc/csp-scheduler/config \
    CSP_TEMPLATES_DIR=/app/templates \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/csp/data"]
# Unhealthy when the last tick is over 5 minutes old or the database does not answer.
HEALTHCHECK --interval=1m --timeout=30s --start-period=5m --retries=3 CMD ["csp", "health"]
# The daemon finishes the message in hand within 9 s of SIGTERM (30 s if the SMTP server
# stops answering): run with `--stop-timeout 45` (compose.yaml sets stop_grace_period).
CMD ["sh", "-c", "csp db upgrade && exec csp run"]
