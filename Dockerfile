# mock-oms in a container: the wheel built from this source, installed on python:3.12-slim,
# run as a non-root user. See the README's "Docker" section for building and running it.
#
# Needs BuildKit (Docker's default builder since Docker 23), podman or buildah: the runtime
# stage installs the dependencies' wheels through RUN --mount, so they stay out of the image.
#
# Layers, from the least to the most often rebuilt:
#   deps     wheels of the dependencies, made from pyproject.toml alone: rebuilt only when
#            pyproject.toml changes, not on every source edit; with the [kit] extra's, so
#            that the image runs `mock-oms contract` too
#   build    the mock-oms wheel, from the source that .dockerignore (an allowlist) lets in
#   runtime  Python, a user, the dependencies (one cached layer), then mock-oms (a small one)

FROM python:3.12-slim AS deps
WORKDIR /build
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); print(*p['project']['dependencies'], *p['project']['optional-dependencies']['kit'], sep='\n')" > requirements.txt \
 && python -m pip wheel --no-cache-dir --disable-pip-version-check --wheel-dir /wheels -r requirements.txt \
 && cp requirements.txt /wheels/requirements.txt

FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN python -m pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /dist .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# /scenarios is where to mount your own scenarios (serve them with MOCK_OMS_SCENARIOS=/scenarios)
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/mock-oms \
        --shell /usr/sbin/nologin mock-oms \
 && mkdir /scenarios
# The wheels are bind-mounted, not copied, so they stay out of the image. The requirement list
# is copied first because buildah and podman do not notice that a mounted stage has changed:
# its content is what makes them rebuild this layer when the dependencies change.
COPY --from=deps /wheels/requirements.txt /opt/mock-oms/requirements.txt
RUN --mount=type=bind,from=deps,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels -r /opt/mock-oms/requirements.txt
# The project's wheel (tens of kB) is copied for the same reason: a new wheel, a new layer.
# /opt/mock-oms/scenarios is the bundled library at a fixed path, to serve it beside your own
# (MOCK_OMS_SCENARIOS=/opt/mock-oms/scenarios:/scenarios).
COPY --from=build /dist/ /tmp/dist/
RUN python -m pip install --no-index --no-deps /tmp/dist/*.whl \
 && rm -r /tmp/dist \
 && python -m pip check \
 && ln -s "$(python -c 'from mock_oms.resources import scenarios_dir; print(scenarios_dir())')" \
        /opt/mock-oms/scenarios \
 && mock-oms validate /opt/mock-oms/scenarios

USER 10001:10001
WORKDIR /home/mock-oms
# MOCK_OMS_HOST as well as --host: `docker run IMAGE serve --clock manual` still accepts
# connections from outside the container
ENV MOCK_OMS_HOST=0.0.0.0
EXPOSE 8089
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCK_OMS_PORT', '8089') + '/_mock/health', timeout=2)"]
ENTRYPOINT ["mock-oms"]
CMD ["serve", "--host", "0.0.0.0"]
