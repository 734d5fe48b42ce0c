// Writes FSDD manifests with absolute audio paths: the official test split (repetitions 0-4) and all 3,000
// recordings. Evaluation only: FSDD is real speech and never enters training.
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { resolve, dirname, basename } from 'node:path';
const [src, outDir] = process.argv.slice(2);
const root = dirname(resolve(src));
const rows = readFileSync(src, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
mkdirSync(outDir, { recursive: true });
const write = (name, list) => {
  const tmp = `${outDir}/.${name}.tmp`;
  writeFileSync(tmp, list.map((r) => JSON.stringify({ ...r, audio_filepath: resolve(root, r.audio_filepath) })).join('\n') + '\n');
  renameSync(tmp, `${outDir}/${name}`);
};
const index = (r) => Number(basename(r.audio_filepath, '.wav').split('_').pop());
write('test.jsonl', rows.filter((r) => index(r) < 5));
write('all.jsonl', rows);
console.log(`fsdd: ${rows.filter((r) => index(r) < 5).length} test, ${rows.length} all -> ${outDir}`);
