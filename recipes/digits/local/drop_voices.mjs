// Writes a manifest without the rows spoken by any voice of another manifest (the validation set): a corpus
// rendered later with the same voice groups must not put the validation voices into training.
// Usage: node local/drop_voices.mjs in.jsonl valid.jsonl out.jsonl
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const [input, valid, out] = process.argv.slice(2);
const fail = (message) => {
  console.error(`drop_voices: ${message}`);
  process.exit(1);
};
if (!out) fail('usage: node local/drop_voices.mjs in.jsonl valid.jsonl out.jsonl');
const rows = (f) => {
  let text;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    fail(`cannot read ${f}`);
  }
  return text.split('\n').flatMap((l, i) => {
    if (l.trim() === '') return [];
    try {
      return [JSON.parse(l)];
    } catch {
      return fail(`${f}:${i + 1}: not a JSON manifest line`);
    }
  });
};
const held = new Set(rows(valid).map((r) => r.voice));
const all = rows(input);
const kept = all.filter((r) => !held.has(r.voice));
writeFileSync(`${out}.tmp`, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
renameSync(`${out}.tmp`, out);
console.log(`drop_voices: ${kept.length} of ${all.length} rows kept (${all.length - kept.length} by the ${held.size} voices of ${valid}) -> ${out}`);
