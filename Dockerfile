# The mock gateway as a container (README: Without Python). Build it with `make image`:
# that builds the wheelhouse on the host first (the toolkit and every dependency, as wheels
# for the base's Python), so nothing is downloaded during the build: it builds offline, and
# the same twice. The build context is that wheelhouse (build/image), nothing else.
#
#   make image                              # pixazo-mock:<version>
#   docker run --rm -p 8080:8080 pixazo-mock:0.1.0
#   docker run --rm -p 8443:8443 -v /tmp/sink:/ca pixazo-mock:0.1.0 sink --https --host 0.0.0.0 --ca-dir /ca
ARG BASE=python:3.12-slim
FROM ${BASE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="pixazo-mock" \
      org.opencontainers.image.description="Offline stand-in for the Pixazo gateway (Bria RMBG 2.0, FIBO)" \
      org.opencontainers.image.version="${VERSION}"

COPY wheels /tmp/wheels
# One venv, installed with --no-index from the wheelhouse; pip itself and the wheels go
# after, so the image holds no installer, cache or compiler. The user owns only /data.
RUN python3 -m venv /opt/mock \
 && /opt/mock/bin/pip install --quiet --no-index --no-cache-dir --find-links /tmp/wheels pixazo-mock-toolkit \
 && /opt/mock/bin/pip uninstall --quiet --yes pip \
 && rm -rf /tmp/wheels \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home mock \
 && mkdir -p /data && chown mock:mock /data

# The settings a container sets: any MOCK_GATEWAY_<OPTION> of `mock-gateway serve --help`.
# Listening on every address is the point of a container; the port is published by `-p`.
ENV PATH=/opt/mock/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MOCK_GATEWAY_HOST=0.0.0.0 \
    MOCK_GATEWAY_PORT=8080
USER mock
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD python3 -c "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/_mock/health' % os.environ.get('MOCK_GATEWAY_PORT', '8080'), timeout=2)" || exit 1
# `mock-gateway` is PID 1 (serve re-executes itself once, keeping the PID): SIGTERM from
# `docker stop` reaches its handler, which drains and exits at once when nothing is in flight.
ENTRYPOINT ["mock-gateway"]
CMD ["serve"]
