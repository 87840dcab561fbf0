# The mock gateway as a container (README: Without Python). Build it with `make image`:
# that builds the wheelhouse on the host first (the toolkit and every dependency, as wheels
# for the base's Python), so nothing is downloaded during the build: it builds offline, and
# the same twice. The build context is that wheelhouse (build/image), nothing else.
#
#   make image                              # pixazo-mock:<version>
#   docker run --rm -p 8080:8080 pixazo-mock:0.1.0
#   docker run --rm --network host -v sink-ca:/data pixazo-mock:0.1.0 sink --https --ca-dir /data
ARG BASE=python:3.12-slim

# Stage 1: the venv, installed with --no-index from the wheelhouse; pip and setuptools go
# after. Only /opt/mock leaves this stage: no wheel, installer or cache in the image.
FROM ${BASE} AS build
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/mock \
 && /opt/mock/bin/pip install --quiet --no-index --no-cache-dir --find-links /tmp/wheels pixazo-mock-toolkit \
 && /opt/mock/bin/pip uninstall --quiet --yes pip setuptools

FROM ${BASE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="pixazo-mock" \
      org.opencontainers.image.description="Offline stand-in for the Pixazo gateway (Bria RMBG 2.0, FIBO)" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /opt/mock /opt/mock
# A user of its own (uid 10001) that owns only /data, the volume for --state.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home mock \
 && mkdir -p /data && chown mock:mock /data

# The settings a container sets: any MOCK_GATEWAY_<OPTION> of `mock-gateway serve --help`
# (a flag after the image name wins). Listening on every address is the point of a
# container; the port is published by `-p`. The address file tells the healthcheck where
# the mock listens, whatever port a flag or variable gave it.
ENV PATH=/opt/mock/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MOCK_GATEWAY_HOST=0.0.0.0 \
    MOCK_GATEWAY_PORT=8080 \
    MOCK_GATEWAY_ADDRESS_FILE=/tmp/mock-gateway.url
USER mock
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD python3 -c "import urllib.request as u; u.urlopen(open('/tmp/mock-gateway.url').read().strip() + '/_mock/health', timeout=2)" || exit 1
# `mock-gateway` is PID 1 (serve re-executes itself once, keeping the PID): SIGTERM from
# `docker stop` reaches its handler, which drains and exits at once when nothing is in flight.
ENTRYPOINT ["mock-gateway"]
CMD ["serve"]
