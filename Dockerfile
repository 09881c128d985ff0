# syntax=docker/dockerfile:1
# The Slipway image: the runtime (`slipway serve`) and the controller (`slipway controller --watch`)
# are the same program with different arguments, so one image serves both Deployments.
#
#   docker build -t ghcr.io/<org>/slipway:<version> .
#   docker run --rm ghcr.io/<org>/slipway:<version> validate /repo
#
# The base is pinned by digest (tag kept for readers); bump both together, deliberately.
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# --- build: TypeScript compiled with the dev dependencies, which stay in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script would download CUDA binaries; the CPU ones ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
# .dockerignore lets through only the sources that tsconfig.json compiles (no tests, no benches).
COPY . .
RUN npx tsc -p tsconfig.json

# --- run: production dependencies only, compiled code, and the `slipway init` templates.
FROM ${NODE_IMAGE} AS run
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip
# git: the controller clones, branches and commits through simple-git.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/build ./build
# `slipway init` finds its templates two levels above build/cli/commands/, i.e. /app/cli/templates.
COPY --from=build /app/cli/templates ./cli/templates
# The node image's unprivileged user (uid 1000), numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# Absolute, so that a container with another workingDir still runs slipway.
ENTRYPOINT ["node", "/app/build/cli/main.js"]
CMD ["--help"]
