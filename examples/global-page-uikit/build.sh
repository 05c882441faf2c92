#!/usr/bin/env bash
# Builds the `about` resource's page: ui-src/about.js with the real @forge/bridge into
# static/about/app.js (the UI Kit page's own entry, src/frontend/index.jsx, is bundled by
# `kiln deploy`).
set -euo pipefail
cd "$(dirname "$0")"
"${ESBUILD:-esbuild}" ui-src/about.js --bundle --format=iife --target=es2020 --minify --log-level=error \
  --outfile=static/about/app.js
