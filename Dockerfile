# Roster service image. Build: docker build -t roster .
# Runs the TypeScript sources with tsx (a runtime dependency), as `npm start` does.
FROM node:20-slim

WORKDIR /app

# Dependencies first, so source edits do not reinstall them. tsx is needed at run
# time, so this is a plain `npm ci`.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The admin console (npm ci's prepare skipped it above: web/ was not copied yet).
COPY web ./web
RUN npm run build:console

# The data directory (import uploads, and the embedded PostgreSQL when no
# DATABASE_URL is given) belongs to the unprivileged `node` user.
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    ROSTER_DATA_DIR=/data \
    PORT=3000 \
    HOST=0.0.0.0
USER node
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form, without npm in between: node receives SIGTERM from `docker stop`
# directly, so Roster's graceful shutdown runs.
CMD ["node", "--import", "tsx", "src/cli/main.ts", "serve"]
