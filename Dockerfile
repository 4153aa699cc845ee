# The scansync gateway in a container, on Debian 12 (bookworm):
#   docker build -t scansync .
#   docker run -d -p 8080:8080 -v scansync-data:/var/lib/scansync scansync
#   docker run ... scansync --host 0.0.0.0 --port 8080 --cors-origin https://app.example
# (arguments replace CMD: keep --host 0.0.0.0 and the port the health check uses).
#
# Not built by the test suite (its machine reaches no container registry).
# It only chains what the suite proves: scripts/setup.sh's packages, the
# CMake build, scripts/build-web.sh, and the scansync .deb that install.deb
# installs and whose gateway it runs as the scansync user; what is new here
# is the container's own settings below.

# The web page: the client core compiled with Emscripten, and the pinned
# npm modules it vendors (as scripts/test.sh does with build-web.sh).
FROM debian:bookworm AS web
RUN apt-get update && apt-get install -y --no-install-recommends \
      cmake ninja-build emscripten binaryen nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cd interop && npm ci --no-audit --no-fund --loglevel=error
RUN scripts/build-web.sh /web

# The gateway, packaged as the suite packages it (cpack: build/scansync_*.deb).
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config dpkg-dev \
      libboost1.81-dev libssl-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
COPY --from=web /web build/web
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCANSYNC_TESTS=OFF \
    && cmake --build build --target scansync scansync_c scansync_network_monitor \
    && cpack --config build/CPackConfig.cmake -B build/packages

# The runtime: the .deb and the libraries its Depends name (OpenSSL, SQLite,
# libstdc++), nothing else. Its postinst makes the scansync user and
# /var/lib/scansync (scansync:scansync, 0750), which a new named volume copies.
FROM debian:bookworm-slim
COPY --from=build /src/build/packages/scansync_*.deb /tmp/
RUN apt-get update && apt-get install -y --no-install-recommends /tmp/scansync_*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/scansync_*.deb
USER scansync
VOLUME /var/lib/scansync
EXPOSE 8080
# The unit's ExecStart; CMD stands for its SCANSYNC_OPTIONS.
ENTRYPOINT ["/usr/bin/scansync", "gateway", "--data", "/var/lib/scansync", "--web-root", "/usr/share/scansync/web"]
CMD ["--host", "0.0.0.0", "--port", "8080"]
# No curl in the image: bash's /dev/tcp asks /healthz for its 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1.1 200 '"]
