# The Entryway workspace (pnpm, built to JavaScript with tsc): the gateway, and the lab's mail sink.
#   gateway:   node apps/gateway/dist/bin/gateway.js   (the default command)
#   mail sink: node packages/testkit/dist/bin/mail-sink.js
# Build context: the repository root.
ARG NODE_VERSION=22.23.3
FROM node:${NODE_VERSION}-bookworm-slim
ARG PNPM_VERSION=10.34.8

RUN npm install -g --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY apps ./apps
RUN pnpm install --frozen-lockfile --reporter=append-only && node node_modules/typescript/bin/tsc -b tsconfig.json

ENV NODE_ENV=production
USER node
EXPOSE 2583
CMD ["node", "apps/gateway/dist/bin/gateway.js"]
