# The app under gunicorn; MongoDB comes from docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/backoffice
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
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:app"]
