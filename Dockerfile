# The opending container image: `opending serve` on 0.0.0.0:8080 as an unprivileged user, its
# data (the SQLite database) in the volume /var/lib/opending. It runs read-only with every
# capability dropped, and stops cleanly on SIGTERM (the database is closed, no WAL left behind).
#
# One file, two ways to the binary (the runtime part is the same stage for both):
#   docker build -t opending .                      compiles inside a Rust builder image
#   docker build --target prebuilt -t opending .    copies target/image/opending, built outside
#                                                   (what scripts/image does, with podman)
# See docs/container.md.

ARG RUST_IMAGE=docker.io/library/rust:1-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

# -- build: the `dist` profile (LTO, stripped) inside a Rust image of the same Debian release
FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY . .
RUN cargo build --locked --profile dist -p opending \
 && install -D -m 0755 target/dist/opending /out/opending

# -- runtime: everything but the binary
FROM ${RUNTIME_IMAGE} AS runtime
# A fixed unprivileged uid/gid with no login; the data directory is theirs and private.
RUN groupadd --gid 10001 opending \
 && useradd --no-log-init --uid 10001 --gid opending --home-dir /var/lib/opending \
      --no-create-home --shell /usr/sbin/nologin opending \
 && install -d -m 0700 -o opending -g opending /var/lib/opending
USER 10001:10001
WORKDIR /var/lib/opending
VOLUME ["/var/lib/opending"]
# The same settings as flags would give; OPENDING_* variables and flags override them.
# A container listens on every interface of its own network namespace, so the emulator's
# loopback-only rule would refuse it: allowed here, and the control API (no authentication,
# emulator mode only) is exposed where the port is published — publish it on 127.0.0.1.
ENV OPENDING_LISTEN=0.0.0.0:8080 \
    OPENDING_DATA_DIR=/var/lib/opending \
    OPENDING_EMULATOR__ALLOW_REMOTE=true
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/opending"]
CMD ["serve"]

# -- prebuilt: a binary built outside, for glibc >= 2.34 (Debian bookworm has 2.36)
FROM runtime AS prebuilt
COPY target/image/opending /usr/local/bin/opending

# -- compiled (the default target): the binary of the build stage
FROM runtime AS compiled
COPY --from=build /out/opending /usr/local/bin/opending
