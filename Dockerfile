# syntax=docker/dockerfile:1
# The console image. Runs against the `postgres` service of docker-compose.yml: with DATABASE_URL set the
# console skips its embedded PostgreSQL, so the same build works on a bare appliance and in a container.
FROM node:20-bookworm-slim

ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /opt/otc

# Manifests and the Prisma schema first: `npm ci` runs `prisma generate` in postinstall, and this layer
# then stays cached until a dependency or the schema changes.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund

# Sources listed one by one rather than `COPY . .`: a developer's node_modules, .next, data/ (with its
# private keys and database) and tmp/ must never reach the image. Add new top-level source folders here.
COPY next.config.js postcss.config.js tsconfig.json server.ts ./
COPY app ./app
COPY components ./components
COPY lib ./lib
# Operator commands run inside the container, as root like on an appliance:
#   docker compose exec -u root console cyberx-management-user-reset-password -u admin
COPY cli ./cli
# Generate again: without a .dockerignore, `COPY lib` brings along whatever lib/db/generated the build
# machine had, and the client must match prisma/schema.prisma of this image.
RUN node scripts/prisma-generate.mjs && npm run build && node --import tsx scripts/install-commands.ts

# Not root: a bug in a request handler must not own the container. Docker lets any user bind 443
# inside a container (net.ipv4.ip_unprivileged_port_start=0). The directory is created here so that a
# fresh named volume inherits its owner; Next.js writes its cache under .next at run time.
RUN mkdir -p /var/lib/otc && chown node:node /var/lib/otc && chown -R node:node .next
USER node
ENV OTC_DATA_DIR=/var/lib/otc
VOLUME ["/var/lib/otc"]
EXPOSE 443 9443

# Plain node with the tsx loader: signals reach the console itself, which shuts down in order.
CMD ["node", "--import", "tsx", "server.ts"]
