# A small static image that runs `latchkey serve` as a non-root user.
# Build: docker build -t latchkey .
# Run:   docker run -p 8080:8080 -v latchkey-data:/data latchkey
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/latchkey ./cmd/latchkey \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/latchkey /usr/local/bin/latchkey
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /data
ENV LATCHKEY_DATABASE_URL=/data/latchkey.db \
    LATCHKEY_LISTEN=:8080 \
    LATCHKEY_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/latchkey"]
CMD ["serve"]
