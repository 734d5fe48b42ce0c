// Splits the sentence corpus into training text and a small held-out text for the reserved-voice synthetic test set
// (a seeded random pick of N lines). Nothing here reads a real test set: LJ Speech and LibriSpeech text never enter
// training or the LM.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const [src, trainOut, testOut, nTest = '200', seed = '1'] = process.argv.slice(2);
const lines = readFileSync(src, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
// mulberry32: a small seeded generator, so the split is the same on every machine
let s = Number(seed) >>> 0;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const idx = lines.map((_, i) => i);
for (let i = idx.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [idx[i], idx[j]] = [idx[j], idx[i]];
}
const test = new Set(idx.slice(0, Number(nTest)));
const write = (path, list) => {
  writeFileSync(`${path}.tmp`, list.join('\n') + '\n');
  renameSync(`${path}.tmp`, path);
};
write(trainOut, lines.filter((_, i) => !test.has(i)));
write(testOut, lines.filter((_, i) => test.has(i)));
console.log(`split_text: ${lines.length - test.size} training lines -> ${trainOut}, ${test.size} held out -> ${testOut}`);
