# The app under gunicorn; MongoDB comes from docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/backoffice
# WeasyPrint (the briefing and letters as PDF) draws with pango and the DejaVu fonts.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY backoffice ./backoffice
COPY schemas ./schemas
RUN pip install --no-cache-dir . tzdata
COPY app.py gunicorn.conf.py ./
COPY seeds ./seeds
COPY translations ./translations
RUN pybabel compile -d translations || true
RUN useradd --system backoffice
USER backoffice
EXPOSE 8000
# Records stored under older search rules get their terms rebuilt once (nothing to do otherwise); a
# database not answering yet leaves that to the next start, and the app starts all the same (503 until it answers).
CMD ["sh", "-c", "flask --app app search reindex --if-stale || echo 'search terms not checked: the database did not answer'; exec gunicorn --config gunicorn.conf.py app:app"]
