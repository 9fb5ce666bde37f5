#!/usr/bin/env node
// The CLI as one bundled module (see scripts/bundle-cli.mjs); `npm run build` produces it.
import "../dist/cli/main.bundle.mjs"
