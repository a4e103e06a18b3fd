# The pinned reference PDS and PLC (packages/testkit/pds-runtime): the same lockfile the lab uses.
# Targets:
#   pds (the default, last)   node --import ./loopback-forward.mjs pds.mjs   (entryway mode via PDS_*)
#   plc                       node plc.mjs                                   (PLC_PORT, PLC_DB_POSTGRES_URL)
# Build context: the repository root.
#   docker build -f docker/pds-runtime.Dockerfile --target pds -t entryway/pds:<version> .
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# --- deps: npm ci; better-sqlite3 compiles here when its prebuilt binary cannot be downloaded
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY docker/ca/ /tmp/ca/
COPY packages/testkit/pds-runtime/package.json packages/testkit/pds-runtime/package-lock.json ./
# node-gyp builds against the headers in the image (/usr/local/include/node), not a download
RUN cat /tmp/ca/*.crt > /tmp/ca.pem 2>/dev/null || true; \
  if [ -s /tmp/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/ca.pem npm_config_cafile=/tmp/ca.pem; fi; \
  npm_config_nodedir=/usr/local npm ci --omit=dev --no-audit --no-fund --loglevel=error \
  && npm cache clean --force

# --- the PLC directory
FROM ${NODE_IMAGE} AS plc
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY packages/testkit/pds-runtime/package.json packages/testkit/pds-runtime/plc.mjs ./
USER node
EXPOSE 2582
HEALTHCHECK --interval=5s --timeout=3s --retries=30 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PLC_PORT || 2582) + '/_health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "plc.mjs"]

# --- a reference PDS
FROM ${NODE_IMAGE} AS pds
ENV NODE_ENV=production PDS_DATA_DIRECTORY=/data PDS_BLOBSTORE_DISK_LOCATION=/data/blobs
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY packages/testkit/pds-runtime/package.json packages/testkit/pds-runtime/*.mjs ./
RUN mkdir -p /data/blobs && chown -R node:node /data
USER node
VOLUME /data
EXPOSE 2583
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=30 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PDS_PORT || 2583) + '/xrpc/_health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "./loopback-forward.mjs", "pds.mjs"]
