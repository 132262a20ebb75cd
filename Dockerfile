# peng-ts sensor image (docker-compose.yml builds it as the `sensor` service).
# Build stage: compilers and libpcap headers for the native capture addon and
# the `cap` package; runtime stage: node, libpcap, the compiled sensor.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap-dev g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
# npm ci runs the install script (node-gyp: src/capture/native) and prepare (tsc).
RUN npm ci --no-fund --no-audit \
 && npm run build \
 && test -f src/capture/native/build/Release/peng_pcap.node \
 && npm prune --omit=dev --no-fund --no-audit

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/src/capture/native/build/Release/peng_pcap.node ./src/capture/native/build/Release/peng_pcap.node
# The web view's script and styles (--web, --report), read at run time with uPlot from node_modules.
COPY --from=build /app/src/sink/web/assets ./src/sink/web/assets
# --model default (the session classifier's shipped model; training stays outside the image).
COPY models/classifier-default.json ./models/classifier-default.json
# Live capture needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode):
# docker-compose.yml adds both; see docs/influx.md.
ENTRYPOINT ["node", "bin/peng-ts.js"]
CMD ["--help"]
