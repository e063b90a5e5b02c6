FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY policies ./policies
RUN pip install --no-cache-dir . && useradd --system --uid 10001 renown && mkdir -p /var/lib/renown \
    && chown renown /var/lib/renown
USER renown
ENV RENOWN_VAR_DIR=/var/lib/renown RENOWN_POLICIES_DIR=/app/policies RENOWN_HOST=0.0.0.0
EXPOSE 8000
CMD ["renown", "serve"]
