# One image for web (gunicorn), worker (celery worker) and beat (celery beat); see docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    CASETRACKER_VAR_DIR=/app/var

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (whitenoise serves them); the values below exist only so
# the production settings load during the build (a throwaway random key: no secret is baked in).
# /app/secrets is where docker-compose.yml mounts the volume holding the generated secret key.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    SITE_URL=http://build.invalid DEFAULT_FROM_EMAIL=build@build.invalid MAILIN_DOMAIN=build.invalid \
    python manage.py collectstatic --noinput -v 0 \
 && useradd --system --uid 1000 --home-dir /app app \
 && mkdir -p /app/var /app/secrets \
 && chown -R app:app /app/var /app/secrets \
 && chmod 700 /app/secrets

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
