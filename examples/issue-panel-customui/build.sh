#!/usr/bin/env bash
# Builds the panel's page: ui-src/index.js with the real @forge/bridge into static/panel/app.js.
set -euo pipefail
cd "$(dirname "$0")"
"${ESBUILD:-esbuild}" ui-src/index.js --bundle --format=iife --target=es2020 --minify --log-level=error \
  --outfile=static/panel/app.js
