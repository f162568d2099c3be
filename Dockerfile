# aims-dq container image: one static binary (and its three stage names) and a
# CA bundle, nothing else.
#
# Users with a registry build everything here:
#   docker build -t aims-dq .
# Without a registry (or to reuse binaries built on the host):
#   RUSTFLAGS='-C target-feature=+crt-static' \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   podman build --target prebuilt -t aims-dq .
# (`scripts/build-image` does both steps.)

# ---- build: static glibc binaries --------------------------------------------
FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
ENV RUSTFLAGS="-C target-feature=+crt-static"
# One binary; dq-profile, dq-ingest and dq-monitor are links to it (called by
# a stage's name, it is that stage).
RUN cargo build --release --locked --target x86_64-unknown-linux-gnu --bin aims-dq \
 && mkdir -p /out/bin \
 && cp target/x86_64-unknown-linux-gnu/release/aims-dq /out/bin/ \
 && ln -s aims-dq /out/bin/dq-profile \
 && ln -s aims-dq /out/bin/dq-ingest \
 && ln -s aims-dq /out/bin/dq-monitor \
 && cp /etc/ssl/certs/ca-certificates.crt /out/ca-certificates.crt

# ---- what both final images share (a stage FROM scratch inherits it) --------
FROM scratch AS base
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="aims-dq" \
      org.opencontainers.image.description="Data-quality gate for bronze parquet data: profile, validate, quarantine, monitor" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    AIMS_DQ_LOG_FORMAT=json
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/aims-dq"]
CMD ["--help"]

# ---- runtime from binaries built on the host (dist/ holds them) --------------
FROM base AS prebuilt
COPY dist/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY dist/bin/ /usr/local/bin/

# ---- runtime from the build stage (the default target) ---------------------
FROM base AS runtime
COPY --from=build /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/bin/ /usr/local/bin/
