# Alpha Code: the web, asgi, worker and beat image.

# The practice runner's, the mock room's and the Markdown editor's browser code (frontend/), bundled by esbuild with the Pyodide runtime
# beside it (scripts/build-frontend.mjs); the image takes static/build from this stage and has
# no Node of its own.
FROM node:20-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-frontend.mjs scripts/
COPY frontend/ frontend/
RUN node scripts/build-frontend.mjs

FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (from pyproject.toml), so code changes do not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
COPY --from=frontend /build/static/build static/build

# The release every cache entry is filed under (alphacode/release.py): the build id when given
# (docker build --build-arg RELEASE=$(git rev-parse --short HEAD) .), otherwise a digest of the
# code worked out when each process starts.
ARG RELEASE=""
ENV RELEASE=${RELEASE}

# Hashed, compressed static files are built into the image; the values here exist only so the
# production settings load during the build and are never used at run time.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-a-secret EMAIL_URL=smtp://build.invalid:25 \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 app \
    && mkdir -p /var/lib/beat /var/lib/alphacode/media \
    && chown -R app:app /var/lib/beat /var/lib/alphacode

USER app

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; r = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}); sys.exit(0 if urllib.request.urlopen(r, timeout=4).status == 200 else 1)"

CMD ["gunicorn", "alphacode.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
