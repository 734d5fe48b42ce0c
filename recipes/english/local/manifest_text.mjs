// Prints the "text" field of a NeMo manifest, one line per utterance (for scoring an LM on a test set's text;
// test text is only ever measured, never trained on).
import { readFileSync } from 'node:fs';
for (const l of readFileSync(process.argv[2], 'utf8').split('\n')) if (l.trim() !== '') console.log(JSON.parse(l).text);
