# syntax=docker/dockerfile:1.7
#
# Production image of the API and of the worker: one image, two commands.
#   API:     node --import tsx server/src/main.ts      (default CMD)
#   worker:  node --import tsx server/src/worker.ts
#   init:    npx tsx scripts/db-setup.ts               (roles, database, migrations)
# Build from the repository root:  docker build -f docker/server.Dockerfile -t tsunagu-server .
#
# The server runs its TypeScript through tsx (TypeORM's legacy decorators need the settings of
# server/tsconfig.json, hence TSX_TSCONFIG_PATH), so the runtime keeps the dev dependencies that
# tsx and the operator scripts need. Sources and dependencies are owned by root and read-only for
# the process, which runs as the unprivileged `node` user.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The lockfile is written by npm 11; use the same major so `allowScripts` is honoured.
ARG NPM_VERSION=11.19.1
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
RUN npm install -g "npm@${NPM_VERSION}" && npm --version
WORKDIR /app

# ---- dependencies (cached until a manifest or the lockfile changes) ----
FROM base AS deps
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY admin-ui/package.json admin-ui/
COPY resident-ui/package.json resident-ui/
COPY emulators/line/package.json emulators/line/
COPY emulators/mail/package.json emulators/mail/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev --workspace @tsunagu/server --include-workspace-root

# ---- runtime ----
FROM base AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    TSX_TSCONFIG_PATH=/app/server/tsconfig.json
COPY --from=deps /app /app
COPY tsconfig.base.json ./
COPY server ./server
COPY migrations ./migrations
COPY scripts ./scripts
COPY tenants ./tenants
# The storage volume is created from this directory, so it belongs to the runtime user.
RUN mkdir -p /var/lib/tsunagu/storage && chown node:node /var/lib/tsunagu/storage
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "server/src/main.ts"]
