FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=chat_project.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
# media/: the uploads volume is created from this folder, so it belongs to `chat` too.
RUN mkdir -p media && useradd --create-home chat && chown -R chat /app
USER chat
EXPOSE 8000
# uvicorn (uvloop + httptools), one worker per core: the faster server in docs/benchmarks.md.
# docker-compose.yml runs `migrate` once as its own service and the replicas without it.
# chat_project.serve sets its flags: the WebSocket message limit, and X-Forwarded-For
# believed only from TRUSTED_PROXIES, as the app does (uvicorn's own default would trust
# any loopback peer).
ENV WEB_CONCURRENCY=2
CMD ["sh", "-c", "python manage.py migrate --noinput && exec python -m chat_project.serve --host 0.0.0.0 --port 8000"]
