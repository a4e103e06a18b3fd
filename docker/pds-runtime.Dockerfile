# The pinned reference PDS and PLC (packages/testkit/pds-runtime), the same lockfile the lab uses.
# One image, two commands: `node … pds.mjs` (a PDS) and `node … plc.mjs` (the PLC directory).
# Build context: the repository root.
ARG NODE_VERSION=22.23.3
FROM node:${NODE_VERSION}-bookworm-slim

# better-sqlite3 builds from source when its prebuilt binary cannot be downloaded
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY packages/testkit/pds-runtime/package.json packages/testkit/pds-runtime/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY packages/testkit/pds-runtime/*.mjs ./

ENV NODE_ENV=production
RUN mkdir -p /data/blobs && chown -R node:node /data
USER node
VOLUME /data
CMD ["node", "--import", "./loopback-forward.mjs", "pds.mjs"]
