// Writes a manifest without the rows spoken by any voice of another manifest (the validation set): a corpus
// rendered later with the same voice groups must not put the validation voices into training.
// Usage: node local/drop_voices.mjs in.jsonl valid.jsonl out.jsonl
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const [input, valid, out] = process.argv.slice(2);
const rows = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const held = new Set(rows(valid).map((r) => r.voice));
const all = rows(input);
const kept = all.filter((r) => !held.has(r.voice));
writeFileSync(`${out}.tmp`, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
renameSync(`${out}.tmp`, out);
console.log(`drop_voices: ${kept.length} of ${all.length} rows kept (${all.length - kept.length} by the ${held.size} voices of ${valid}) -> ${out}`);
