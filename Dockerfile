# Worker, API and migrations share one image; docker-compose.yml picks the command.
# Stage 1 installs everything and builds dist/ (type-check, compiled entry points, prebundled workflows);
# stage 2 carries only production dependencies and the build output, and runs as the unprivileged `node` user.
# Debian (glibc), not Alpine: the Temporal SDK's native bridge has no musl build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# tini is PID 1: it forwards SIGTERM to node and reaps zombies, so the SDK's graceful shutdown runs on
# `docker stop` (https://github.com/krallin/tini).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Two glibc malloc arenas instead of up to eight per core for the native threads (the Temporal core's): about
# 40 MB less resident memory for a worker with every collection slot busy (bench/RESULTS.md section 9).
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/api/main.js"]
