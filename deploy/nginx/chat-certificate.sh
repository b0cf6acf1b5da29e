#!/bin/sh
# Before nginx starts (the proxy image runs /docker-entrypoint.d/*.sh): point
# $CHAT_TLS_DIR/fullchain.pem and privkey.pem at Let's Encrypt's certificate for
# $CHAT_SERVER_NAME once certbot has one, else at a self-signed placeholder made here. So
# the first `docker compose up` starts (and answers certbot's challenge on port 80) before
# any certificate exists; `docker compose restart proxy` after certbot switches over, and
# renewals are picked up by the reload every TLS_RELOAD_SECONDS (docs/operations.md).
set -eu
: "${CHAT_SERVER_NAME:?}"
tls="${CHAT_TLS_DIR:-/etc/nginx/tls}"
issued="${CHAT_LETSENCRYPT_DIR:-/etc/letsencrypt}/live/$CHAT_SERVER_NAME"
mkdir -p "$tls"
if [ -s "$issued/fullchain.pem" ] && [ -s "$issued/privkey.pem" ]; then
    source_dir="$issued"
    echo "chat-certificate: Let's Encrypt's certificate for $CHAT_SERVER_NAME"
else
    source_dir="$tls/self-signed"
    if [ ! -s "$source_dir/fullchain.pem" ] || [ ! -s "$source_dir/privkey.pem" ]; then
        mkdir -p "$source_dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 90 \
            -keyout "$source_dir/privkey.pem" -out "$source_dir/fullchain.pem" \
            -subj "/CN=$CHAT_SERVER_NAME" -addext "subjectAltName=DNS:$CHAT_SERVER_NAME" \
            2>/dev/null
        chmod 600 "$source_dir/privkey.pem"
    fi
    echo "chat-certificate: no certificate for $CHAT_SERVER_NAME yet, serving a self-signed one"
fi
ln -sf "$source_dir/fullchain.pem" "$tls/fullchain.pem"
ln -sf "$source_dir/privkey.pem" "$tls/privkey.pem"
if [ "${TLS_RELOAD_SECONDS:-0}" -gt 0 ]; then
    # Left running beside nginx: a renewed certificate is read on the next reload.
    (while sleep "$TLS_RELOAD_SECONDS"; do nginx -s reload; done) &
fi
