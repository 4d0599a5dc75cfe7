# The broker: `npm ci` (which also generates the Prisma client, compiles the
# broker to dist/ and builds the web app), then `npm start`. Configuration
# comes from the environment.
FROM node:20-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
ENV HOST=0.0.0.0 PORT=8080 BREAKGLASS_DATA_DIR=/data
EXPOSE 8080
CMD ["npm", "start"]
