# syntax=docker/dockerfile:1.7
#
# Static image of one of the two SvelteKit SPAs, served by unprivileged nginx on port 8080
# behind the TLS proxy. Build from the repository root:
#   docker build -f docker/ui.Dockerfile --build-arg APP=admin-ui    -t tsunagu-admin-ui .
#   docker build -f docker/ui.Dockerfile --build-arg APP=resident-ui -t tsunagu-resident-ui .
#
# admin-ui is served at the root of the admin hosts; resident-ui under /t/ (its build mirrors
# URLs: /t/_app/... are files, every other /t/... path gets index.html).

ARG NODE_IMAGE=node:22-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:stable-alpine

FROM ${NODE_IMAGE} AS build
ARG APP
ARG NPM_VERSION=11.19.1
RUN case "${APP}" in admin-ui|resident-ui) ;; *) echo "--build-arg APP=admin-ui|resident-ui is required" >&2; exit 1 ;; esac
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
RUN npm install -g "npm@${NPM_VERSION}"
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY admin-ui/package.json admin-ui/
COPY resident-ui/package.json resident-ui/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev
COPY tsconfig.base.json ./
# The UIs may import shared contracts from server/src/contracts.
COPY server ./server
COPY ${APP} ./${APP}
RUN npm run build -w "@tsunagu/${APP}" && test -f "${APP}/build/index.html"
COPY docker/ui-nginx.conf /tmp/ui-nginx.conf
# The staff consoles may never be framed; resident pages only by their own origin.
RUN mkdir -p /out \
    && cp -r "${APP}/build" /out/html \
    && if [ "${APP}" = admin-ui ]; then frame=DENY; else frame=SAMEORIGIN; fi \
    && sed "s/__FRAME_OPTIONS__/${frame}/g" /tmp/ui-nginx.conf > /out/default.conf

FROM ${NGINX_IMAGE} AS runtime
COPY --from=build /out/default.conf /etc/nginx/conf.d/default.conf
COPY --from=build /out/html /usr/share/nginx/html
EXPOSE 8080
