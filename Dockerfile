# sentinel: a slim image whose entry point is the daemon.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SENTINEL_CONFIG=/etc/sentinel/sentinel.yaml

# reports: WeasyPrint renders PDFs through Pango; charts and PDFs need a CJK font for Chinese text
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fontconfig fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*

RUN useradd --system --home-dir /var/lib/sentinel --create-home sentinel
WORKDIR /opt/sentinel
# pyproject.toml names README.md (readme) and LICENSE (license-files): the build needs all three
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir . && rm -rf /root/.cache
COPY config/sentinel.example.yaml /etc/sentinel/sentinel.yaml

USER sentinel
WORKDIR /var/lib/sentinel
VOLUME ["/var/lib/sentinel"]
EXPOSE 8470
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8470/healthz', timeout=4)" || exit 1
ENTRYPOINT ["sentinel"]
CMD ["run"]
