# Crier: one image, two roles (CRIER_ROLE=api | worker | all).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The empty stand-in for @scarf/scarf (install-time telemetry; see "overrides" in package.json) is installed from here.
COPY scripts/stubs ./scripts/stubs
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 CRIER_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
# node_modules/@scarf/scarf links here.
COPY --from=build /app/scripts/stubs ./scripts/stubs
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form): in-flight jobs finish or are released, exit 0 within 10 s.
CMD ["node", "dist/main.js"]
