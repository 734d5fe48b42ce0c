// Writes the "text" field of every line of a NeMo manifest, one per line (the LM's training text when the recipe
// is given none). Written to a temporary name, then renamed.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const [manifest, out] = process.argv.slice(2);
const lines = readFileSync(manifest, 'utf8').split('\n').filter((l) => l.trim() !== '');
const text = lines.map((l, i) => {
  const t = JSON.parse(l).text;
  if (typeof t !== 'string') throw new Error(`${manifest}:${i + 1}: no "text"`);
  return t.toLowerCase();
});
writeFileSync(`${out}.tmp`, `${text.join('\n')}\n`);
renameSync(`${out}.tmp`, out);
console.log(`lm text: ${text.length} lines from ${manifest} -> ${out}`);
