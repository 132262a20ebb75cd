import { writeFileSync } from 'node:fs';
import { renderReference } from '../config/docs.js';
import { ALL_MODULES } from './registry.js';

/** `npm run docs`: docs/reference.md from every registered module's descriptor. */
writeFileSync(process.argv[2] ?? 'docs/reference.md', renderReference(ALL_MODULES));
