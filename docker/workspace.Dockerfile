# The Entryway workspace (pnpm, TypeScript run through tsx): the gateway, and the lab's mail sink.
#   gateway:   node --conditions=@entryway/source --import tsx apps/gateway/src/bin/gateway.ts   (the default command)
#   mail sink: node --conditions=@entryway/source --import tsx packages/testkit/src/bin/mail-sink.ts
# Build context: the repository root.
ARG NODE_VERSION=22.23.3
FROM node:${NODE_VERSION}-bookworm-slim
ARG PNPM_VERSION=10.34.8

RUN npm install -g --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
RUN pnpm install --frozen-lockfile --reporter=append-only

ENV NODE_ENV=production
USER node
EXPOSE 2583
CMD ["node", "--conditions=@entryway/source", "--import", "tsx", "apps/gateway/src/bin/gateway.ts"]
