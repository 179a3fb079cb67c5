# csp-scheduler as a service: `csp run` as a non-root user, data in a volume.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY scheduler ./scheduler
COPY jobs ./jobs
COPY templates ./templates
COPY config ./config
COPY package.json package-lock.json ./
RUN pip install --no-cache-dir . \
 && npm ci --omit=dev --no-audit --no-fund --silent

RUN useradd --system --create-home --home-dir /var/lib/csp csp \
 && mkdir -p /var/lib/csp/data && chown -R csp:csp /var/lib/csp
USER csp
ENV CSP_DATA_DIR=/var/lib/csp/data \
    CSP_CONFIG_DIR=/app/config \
    CSP_TEMPLATES_DIR=/app/templates
VOLUME ["/var/lib/csp/data"]
CMD ["sh", "-c", "csp db upgrade && exec csp run"]
