# Booking service image: built TypeScript, production dependencies only, non-root.
# The generated code (src/gen) is committed, so no protoc/buf is needed here.
# Build: `docker build -t booking .`, or `podman build --format docker -t booking .`
# (podman's default OCI format has no HEALTHCHECK: it drops it with a warning).

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency install scripts are needed (none are approved in development either).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=50051
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# Files are root-owned and read-only for the service user.
USER node
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
# Node as PID 1 handles SIGTERM itself: the server drains and exits.
CMD ["node", "dist/main.js"]
