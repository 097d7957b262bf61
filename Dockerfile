# Event Horizon: build with the dev dependencies, run with the production ones only, as a non-root user.
# docker build -t event-horizon . && docker run -p 5555:5555 -e EH_AMQP_URL=amqp://guest:guest@rabbit:5672 event-horizon
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY client ./client
COPY scripts/build-info.mjs scripts/vendor-legacy-client.mjs ./scripts/
# The commit shown by eh_build_info: docker build --build-arg COMMIT=$(git rev-parse HEAD) .
ARG COMMIT=unknown
RUN EH_BUILD_COMMIT=$COMMIT npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/client/dist/browser ./client/dist/browser
COPY package.json ./
COPY public ./public
COPY config ./config
COPY fixtures ./fixtures
USER node
EXPOSE 5555
# /healthz over https when built-in TLS is on (EH_TLS_CERT); the certificate names the public host, not 127.0.0.1.
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "const tls=!!process.env.EH_TLS_CERT;require(tls?'https':'http').get({host:'127.0.0.1',port:process.env.EH_PORT||5555,path:'/healthz',rejectUnauthorized:false,timeout:2500},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, so the graceful drain runs on `docker stop`
# (give it longer than EH_SHUTDOWN_TIMEOUT_MS: docker stop -t 15).
CMD ["node", "--max-semi-space-size=64", "dist/main.js"]
