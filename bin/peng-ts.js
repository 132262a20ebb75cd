#!/usr/bin/env node
// Entry point for `peng-ts` / `npx peng-ts`: runs the compiled sensor.
import '../dist/src/main.js';
