# DeskAdmin production image: multi-stage, non-root, static files collected at build time.
# Build: docker build -t deskadmin .   Run: see docker-compose.yml and README "Production deployment".

FROM python:3.13-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /venv
COPY requirements.txt .
RUN /venv/bin/pip install -r requirements.txt
COPY . .
# collectstatic needs settings that import cleanly: a throwaway key, SQLite in a scratch folder. The
# sandbox is on here so its own static files (apps/sandbox/static) are collected too: an image run with
# DESK_SANDBOX=true then finds them in the manifest.
RUN DESKADMIN_PROFILE=embedded DESK_SANDBOX=true DESKADMIN_DATA_DIR=/tmp/build SECRET_KEY=build-only \
    /venv/bin/python manage.py collectstatic --noinput -v 0

FROM python:3.13-slim AS runtime
ENV PATH="/venv/bin:$PATH" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DESKADMIN_PROFILE=production DESKADMIN_DATA_DIR=/data PORT=8000
RUN groupadd --system deskadmin && useradd --system --gid deskadmin --home /app deskadmin \
    && mkdir -p /data /metrics && chown deskadmin:deskadmin /data /metrics
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=deskadmin:deskadmin /app /app
USER deskadmin
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-m", "deskadmin.healthcheck"]
CMD ["sh", "-c", "gunicorn deskadmin.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --threads ${WEB_THREADS:-4} --worker-class gthread -c deskadmin/gunicorn_conf.py --forwarded-allow-ips='*'"]
