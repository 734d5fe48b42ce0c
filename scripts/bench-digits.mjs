#!/usr/bin/env node
// Digit recognition against the peer (issue 7): the same audio through models/digits (asr eval, beam + LM) and
// through PocketSphinx (Debian's pocketsphinx_batch with its US English acoustic model, trained on real speech)
// restricted by a JSGF grammar, both scored by `asr wer` (sclite rules), in one run. Prints WER, sentence error
// rate and wall time per system.
//
// Grammar per set: --grammar single (one word: zero|oh|one..nine, the counterpart of our single-digit bigram;
// for FSDD) or --grammar string (one or more digit words; for connected digits). Our model decodes with the
// matching LM: --lm (default: recipes/digits/data/lm/single.arpa for single, the model's lm.arpa for string).
//
// Usage: npm run bench -- digits --manifest recipes/digits/data/fsdd/test.jsonl --grammar single
//          [--model models/digits] [--lm FILE] [--limit N] [--keep DIR] [--decode "--beam 16 --lm-weight 0.5 --word-bonus 1.0"]
//          [--words eleven|ten] [--cmvn utterance|speaker] [--adapt-bn]
// --words ten: the grammar's words are FSDD's label set, zero..nine without "oh" (a word FSDD's references never
// contain); give our decoder the matching LM (recipes/digits/data/lm/ten_digit.arpa). Default: eleven (with "oh").
// --cmvn speaker: our model normalises each utterance by its speaker's average statistics (the manifest's `speaker`
// field; asr eval --cmvn speaker) instead of the utterance's own. PocketSphinx's default live CMN already carries
// its running cepstral mean from one file of the batch to the next.
// --adapt-bn: our model also re-estimates its BatchNorm statistics on each speaker's utterances (asr eval --adapt-bn;
// unsupervised, like the CMN). PocketSphinx gets no counterpart here: its speaker adaptation (MLLR) needs transcripts.
// Needs: apt-get install pocketsphinx pocketsphinx-en-us sox (PocketSphinx is a peer here, never a dependency).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PS_HMM, pocketsphinxBatch, requireFiles, runner } from './lib/pocketsphinx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const manifest = arg('--manifest');
const grammar = arg('--grammar', 'single');
const model = resolve(arg('--model', join(root, 'models', 'digits')));
const limit = Number(arg('--limit', '0'));
// --keep DIR: the per-utterance hypotheses (hyp.tsv: audio path, reference, ours, PocketSphinx), for error analysis
const keep = arg('--keep', '');
const wordSet = arg('--words', 'eleven');
const cmvn = arg('--cmvn', 'utterance');
const adaptBn = process.argv.includes('--adapt-bn');
const decode = arg('--decode', '--beam 16 --lm-weight 0.5 --word-bonus 1.0').split(/\s+/).filter(Boolean);
if (!manifest || !['single', 'string'].includes(grammar) || !['eleven', 'ten'].includes(wordSet) || !['utterance', 'speaker'].includes(cmvn)) {
  console.error('usage: npm run bench -- digits --manifest M.jsonl --grammar single|string [--words eleven|ten] [--cmvn utterance|speaker] [--adapt-bn] [--model DIR] [--lm FILE] [--limit N]');
  process.exit(2);
}
const lm = resolve(arg('--lm', grammar === 'single' ? join(root, 'recipes', 'digits', 'data', 'lm', 'single.arpa') : join(model, 'lm.arpa')));
requireFiles('bench-digits', [['pocketsphinx_batch', '/usr/bin/pocketsphinx_batch'], ['sox', '/usr/bin/sox'], ['the en-us model', PS_HMM], ['the LM', lm]],
  'apt-get install pocketsphinx pocketsphinx-en-us sox; the LM comes from recipes/digits stage 4');
const run = runner('bench-digits');

const base = dirname(resolve(manifest));
let items = readFileSync(manifest, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
if (limit > 0) items = items.slice(0, limit);
const tmp = mkdtempSync(join(tmpdir(), 'bench-digits-'));
try {
  // the set as one manifest with absolute paths (both systems read the same files), and the references
  const ids = items.map((it, i) => `u${String(i).padStart(5, '0')}`);
  const abs = items.map((it) => (isAbsolute(it.audio_filepath) ? it.audio_filepath : join(base, it.audio_filepath)));
  writeFileSync(join(tmp, 'set.jsonl'), items.map((it, i) => JSON.stringify({ ...it, id: ids[i], audio_filepath: abs[i] })).join('\n') + '\n');
  writeFileSync(join(tmp, 'ref.txt'), items.map((it, i) => `${ids[i]} ${it.text}`).join('\n') + '\n');
  const score = (hyp) => JSON.parse(run(process.execPath, [join(root, 'bin', 'asr.js'), 'wer', join(tmp, 'ref.txt'), hyp, '--json']).stdout);
  const results = [];

  // ours
  let t0 = performance.now();
  run(process.execPath, [join(root, 'bin', 'asr.js'), 'eval', '--model', model, '--manifest', join(tmp, 'set.jsonl'), '--lm', lm, '--cmvn', cmvn, ...(adaptBn ? ['--adapt-bn'] : []), ...decode, '--output', join(tmp, 'ours.jsonl')]);
  const oursSec = (performance.now() - t0) / 1000;
  const ours = readFileSync(join(tmp, 'ours.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const oursById = new Map(ours.map((r) => [r.id, r.text]));
  writeFileSync(join(tmp, 'ours.txt'), ids.map((id) => `${id} ${oursById.get(id) ?? ''}`).join('\n') + '\n');
  results.push({ system: `asr-ts ${model.replace(root + '/', '')} (beam + ${lm.replace(root + '/', '')}${cmvn === 'speaker' ? ', speaker CMVN' : ''}${adaptBn ? ', speaker BatchNorm statistics' : ''})`, seconds: oursSec, ...score(join(tmp, 'ours.txt')) });

  // PocketSphinx: 16 kHz 16-bit WAV copies (its model's rate), a control file, the grammar
  t0 = performance.now();
  for (let i = 0; i < abs.length; i++) run('sox', ['-D', abs[i], '-r', '16000', '-c', '1', '-b', '16', join(tmp, `${ids[i]}.wav`)]); // -D: no dither, so reruns agree
  const words = [...(wordSet === 'ten' ? ['zero'] : ['zero', 'oh']), 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const rule = grammar === 'single' ? `( ${words.join(' | ')} )` : `( ${words.join(' | ')} )+`;
  writeFileSync(join(tmp, 'digits.gram'), `#JSGF V1.0;\ngrammar digits;\npublic <digits> = ${rule};\n`);
  const ps = pocketsphinxBatch(run, tmp, ids, ['-jsgf', join(tmp, 'digits.gram')]);
  const psSec = (performance.now() - t0) / 1000;
  writeFileSync(join(tmp, 'ps.txt'), ids.map((id) => `${id} ${ps.get(id) ?? ''}`).join('\n') + '\n');
  results.push({ system: `PocketSphinx en-us, JSGF ${grammar === 'single' ? 'one digit' : 'digit string'}${wordSet === 'ten' ? ' (ten words)' : ''}`, seconds: psSec, ...score(join(tmp, 'ps.txt')) });

  console.log(`${manifest}: ${items.length} utterances, grammar ${grammar}, ${words.length} words`);
  console.log('| system | %WER | errors (sub/del/ins) | %SER | wall s |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.system} | ${r.wer.toFixed(2)} | ${r.errors} (${r.sub}/${r.del}/${r.ins}) | ${(r.ser ?? NaN).toFixed(2)} | ${r.seconds.toFixed(1)} |`);
  }
  if (keep) {
    mkdirSync(keep, { recursive: true });
    const rows = ids.map((id, i) => [abs[i], items[i].text, oursById.get(id) ?? '', ps.get(id) ?? ''].join('\t'));
    writeFileSync(join(keep, 'hyp.tsv'), ['audio\tref\tours\tpocketsphinx', ...rows].join('\n') + '\n');
    console.log(`per-utterance hypotheses: ${join(keep, 'hyp.tsv')}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
