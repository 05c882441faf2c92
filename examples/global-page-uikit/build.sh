#!/usr/bin/env bash
# Builds the page's code: ui-src/index.jsx with the real @forge/react and @forge/bridge
# into static/main/app.js (the frame's index.html loads it; kiln's shim comes first).
set -euo pipefail
cd "$(dirname "$0")"
"${ESBUILD:-esbuild}" ui-src/index.jsx --bundle --format=iife --target=es2020 --minify --log-level=error \
  --jsx=automatic --define:process.env.NODE_ENV='"production"' --outfile=static/main/app.js
