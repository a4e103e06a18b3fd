# The Entryway gateway as a production image: compiled JavaScript started by `node`, production
# dependencies only (pnpm deploy --prod), a non-root user, a HEALTHCHECK on /xrpc/_health.
# Targets:
#   gateway (the default, last)   node dist/bundle/gateway.mjs (esbuild bundle of dist/bin/gateway.js)
#   mail                          the lab's mail sink (packages/testkit), for docker-compose.yml
# Build context: the repository root.
#   docker build -f docker/gateway.Dockerfile -t entryway/gateway:<version> .
# NODE_IMAGE: any Debian-based Node 22 image laid out like the official one (CI passes the one
# scripts/compose-lab.sh builds without a registry).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# --- build: the whole workspace, compiled; then each runnable package deployed with its prod deps
FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION=10.34.8
WORKDIR /src
# docker/ca/*.crt: a TLS-intercepting proxy's CA for npm (scripts/compose-lab.sh); often empty
COPY docker/ca/ /tmp/ca/
ENV npm_config_update_notifier=false
RUN cat /tmp/ca/*.crt > /tmp/ca.pem 2>/dev/null || true; \
  if [ -s /tmp/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/ca.pem npm_config_cafile=/tmp/ca.pem; fi; \
  npm install -g --no-audit --no-fund --loglevel=error "pnpm@${PNPM_VERSION}"
# the store is filled from the lockfile alone: this layer stays cached until the lockfile changes
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN if [ -s /tmp/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/ca.pem npm_config_cafile=/tmp/ca.pem; fi; \
  pnpm fetch --reporter=append-only
COPY package.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY apps ./apps
COPY examples ./examples
RUN if [ -s /tmp/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/ca.pem npm_config_cafile=/tmp/ca.pem; fi; \
  pnpm install --offline --frozen-lockfile --reporter=append-only \
  && node node_modules/typescript/bin/tsc -b apps/gateway packages/testkit \
  && node apps/gateway/scripts/bundle.mjs \
  && pnpm --filter @entryway/gateway deploy --prod --legacy /out/gateway \
  && pnpm --filter @entryway/testkit deploy --prod --legacy /out/mail \
  && rm -rf /out/*/src /out/*/test /out/gateway/dist/bundle/*.map

# --- the lab's mail sink (SMTP 1025, web 8025); not for production
FROM ${NODE_IMAGE} AS mail
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /out/mail ./
USER node
EXPOSE 1025 8025
HEALTHCHECK --interval=5s --timeout=3s --retries=30 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MAIL_SINK_HTTP_PORT || 8025) + '/_health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin/mail-sink.js"]

# --- the gateway
FROM ${NODE_IMAGE} AS gateway
ENV NODE_ENV=production ENTRYWAY_HOST=0.0.0.0 ENTRYWAY_PORT=2583 ENTRYWAY_DATA_DIR=/data
WORKDIR /app
# owned by root, run as node: the code cannot be rewritten by the process serving it
COPY --from=build --chown=root:root /out/gateway ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 2583
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=30 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ENTRYWAY_PORT || 2583) + '/xrpc/_health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# the bundle (apps/gateway/scripts/bundle.mjs): one file to load, half the start-up CPU of dist/bin
CMD ["node", "dist/bundle/gateway.mjs"]
