# A Node base made without an image registry, for machines that reach only Debian and npm (CI):
# the debootstrapped Debian bookworm (localhost/debian:bookworm) plus the Node and npm that
# scripts/compose-lab.sh installs from the npm registry. Laid out like the official
# node:<version>-bookworm-slim image (node in /usr/local/bin, user `node` uid 1000), so every
# Dockerfile in docker/ builds FROM either one.
# Build context: the folder scripts/compose-lab.sh fills (node, npm/, include/).
ARG DEBIAN_IMAGE=localhost/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY include /usr/local/include
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && groupadd --gid 1000 node \
  && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
  && node --version && npm --version
CMD ["node"]
