#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs scripts/bench-<name>.mjs against the built library (dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => /^bench-.+\.mjs$/.test(f))
  .map((f) => f.slice(6, -4));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [args]`);
  process.exit(name ? 1 : 0);
}
if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const r = spawnSync(process.execPath, [join(here, `bench-${name}.mjs`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
