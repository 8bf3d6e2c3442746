# polls: one process, SQLite in the /data volume. Set POLLS_DATABASE_URL and POLLS_BROKER_URL
# to PostgreSQL and Redis to run several workers (POLLS_WORKERS) and several of these behind a
# proxy: deploy/compose.yaml does. The base is pinned to a Python patch release and a Debian
# release; the Python packages to deploy/constraints.txt, the versions the tests passed with.
FROM python:3.12.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLLS_HOST=0.0.0.0 \
    POLLS_PORT=8000 \
    POLLS_DATABASE_URL=sqlite:////data/polls.db \
    POLLS_DEMO_FILE=

# DejaVu Sans draws every Latin letter (ë, é, €) in the PNG word clouds and the reports;
# Pango and HarfBuzz lay out the PDF reports (WeasyPrint).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 polls \
    && useradd --system --uid 10001 --gid polls --home-dir /app polls

WORKDIR /app
COPY pyproject.toml README.md ./
COPY deploy/constraints.txt ./deploy/
COPY polls ./polls
COPY templates ./templates
COPY static ./static
COPY examples ./examples
# The project itself is installed, with its dependencies at the tested versions.
# hadolint ignore=DL3013
RUN pip install -c deploy/constraints.txt . \
    && mkdir -p /data \
    && chown 10001:10001 /data

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"]
CMD ["polls", "serve"]
