import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/backend/index.js';
import { disposeRecognizer, evaluateManifest, loadRecognizer, transcribeFile } from '../src/transcribe/index.js';
import { createCtcDecoder } from '../src/decode/index.js';
import { buildOnce } from './helpers/build.js';
import { speech, writeTinyModel, writeWavFile } from './helpers/transcribe-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');
const ENV = { ...process.env, ASR_BACKEND: 'cpu' };

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: ENV });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const TEXTS = ['four two seven', 'nine oh one', 'three', 'six six eight zero', 'five'];
let dir = '';
let model = '';
let manifest = '';

beforeAll(async () => {
  buildOnce();
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'asr-eval-'));
  model = join(dir, 'model');
  await writeTinyModel(model, 11);
  mkdirSync(join(dir, 'wav'));
  const lines: string[] = [];
  for (let i = 0; i < TEXTS.length; i++) {
    const s = await speech(TEXTS[i], i % 2 ? 'rms' : 'awb');
    writeWavFile(join(dir, 'wav', `u${i}.wav`), s);
    lines.push(JSON.stringify({ audio_filepath: `wav/u${i}.wav`, duration: s.length / 16000, text: TEXTS[i] }));
  }
  manifest = join(dir, 'test.jsonl');
  writeFileSync(manifest, lines.join('\n') + '\n');
}, 180_000);

describe('asr eval', () => {
  it('prints WER and CER in compute-wer format, equal to asr wer on its per-utterance results', () => {
    const out = join(dir, 'results.jsonl');
    const r = asr(['eval', '--model', model, '--manifest', manifest, '--output', out, '--beam', '4']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^%WER \d+\.\d\d \[ \d+ \/ 12, \d+ ins, \d+ del, \d+ sub \]$/);
    expect(lines[1]).toMatch(/^%SER \d+\.\d\d \[ \d+ \/ 5 \]$/);
    expect(lines[2]).toBe('Scored 5 sentences, 0 not present in hyp.');
    expect(lines[3]).toMatch(/^%CER \d+\.\d\d \[ \d+ \/ \d+, /);
    const results = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; ref: string; text: string; errors: number; words: number });
    expect(results.map((u) => u.id)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(results.map((u) => u.ref)).toEqual(TEXTS);
    // the per-utterance counts add up to the total
    const errors = results.reduce((n, u) => n + u.errors, 0);
    expect(lines[0]).toContain(`[ ${errors} / 12,`);
    // scoring the written hypotheses with asr wer gives the same lines
    const w = asr(['wer', manifest, out]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout.trim().split('\n')).toEqual(lines.slice(0, 3));
    const c = asr(['wer', '--cer', manifest, out]);
    expect(c.stdout.split('\n')[0]).toBe(lines[3]);
  });

  it('--by FIELD adds a table of WER per value of that manifest field, adding up to the total', () => {
    const m = join(dir, 'with-voice.jsonl');
    const lines = readFileSync(manifest, 'utf8').trim().split('\n').map((l, i) => JSON.stringify({ ...(JSON.parse(l) as object), ...(i < 4 ? { voice: i % 2 ? 'rms' : 'awb' } : {}) }));
    writeFileSync(m, lines.join('\n') + '\n');
    const out = join(dir, 'by-results.jsonl');
    const r = asr(['eval', '--model', model, '--manifest', m, '--beam', '4', '--by', 'voice', '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const table = r.stdout.trim().split('\n').slice(5);
    expect(table[0].split(/\s+/)).toEqual(['voice', 'utts', 'words', 'errors', 'ins', 'del', 'sub', '%WER', '%SER']);
    const rows = table.slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((c) => c[0])).toEqual(['awb', 'rms', '(none)']);
    expect(rows.map((c) => Number(c[1]))).toEqual([2, 2, 1]);
    // the same counts as the per-utterance results of each group
    const results = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { errors: number; words: number });
    const groupOf = [0, 1, 0, 1, 2];
    for (let g = 0; g < 3; g++) {
      const us = results.filter((_, i) => groupOf[i] === g);
      expect(Number(rows[g][2])).toBe(us.reduce((n, u) => n + u.words, 0));
      expect(Number(rows[g][3])).toBe(us.reduce((n, u) => n + u.errors, 0));
    }
    const none = asr(['eval', '--model', model, '--manifest', manifest, '--greedy', '--by', 'accent']);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain(`asr eval: warning: ${manifest}: no line has a "accent" field`);
  });

  it('--confusions prints the same word tables as asr wer --confusions on the written results', () => {
    const out = join(dir, 'confusion-results.jsonl');
    const r = asr(['eval', '--model', model, '--manifest', manifest, '--greedy', '--confusions', '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = r.stdout.slice(r.stdout.indexOf('CONFUSION PAIRS'));
    expect(report).toMatch(/^CONFUSION PAIRS +Total +\(\d+\)/);
    const w = asr(['wer', manifest, out, '--confusions']);
    expect(w.code, w.stderr).toBe(0);
    expect(report.trim()).toBe(w.stdout.slice(w.stdout.indexOf('CONFUSION PAIRS')).trim());
  });

  it('a missing audio file is scored as empty, named on stderr, and fails the run', () => {
    const m = join(dir, 'with-missing.jsonl');
    writeFileSync(m, readFileSync(manifest, 'utf8') + JSON.stringify({ audio_filepath: 'wav/gone.wav', duration: 1, text: 'two two' }) + '\n');
    const r = asr(['eval', '--model', model, '--manifest', m, '--greedy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gone.wav');
    expect(r.stdout).toMatch(/\/ 14, .*\] \[PARTIAL\]/);
  });

  it('batched recognition gives each utterance what it gets alone', async () => {
    const r = loadRecognizer(model, { decode: { beamWidth: 4 } });
    const batched = await evaluateManifest(r, manifest);
    const single = await evaluateManifest(r, manifest, { maxBatchFrames: 1 });
    const alone = [];
    const aloneTimes = [];
    const times = (ws: { word: string; start: number; end: number }[]): string[] => ws.map((w) => `${w.word} ${w.start.toFixed(2)}-${w.end.toFixed(2)}`);
    for (let i = 0; i < TEXTS.length; i++) {
      const t = await transcribeFile(r, join(dir, 'wav', `u${i}.wav`));
      alone.push(t.text);
      aloneTimes.push(times(t.words));
    }
    disposeRecognizer(r);
    expect(batched.utterances.map((u) => u.hyp)).toEqual(alone);
    // word times as asr transcribe gives them (widened over the speech), batched or not
    expect(batched.utterances.map((u) => times(u.words))).toEqual(aloneTimes);
    expect(single.utterances.map((u) => u.hyp)).toEqual(alone);
    expect(alone.some((t) => t !== '')).toBe(true);
    expect(batched.wer).toEqual(single.wer);
  });

  it('--cmvn speaker: a manifest without speakers keeps per-utterance CMVN and says so; with speakers it counts them', () => {
    const plain = asr(['eval', '--model', model, '--manifest', manifest, '--greedy']);
    const r = asr(['eval', '--model', model, '--manifest', manifest, '--greedy', '--cmvn', 'speaker']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stderr).toMatch(/test\.jsonl: no line has a "speaker" field, so every utterance kept its own CMVN/);
    expect(r.stderr).toMatch(/speaker CMVN \(0 speakers\)/);
    const m = join(dir, 'with-speakers.jsonl');
    const rows = readFileSync(manifest, 'utf8').trim().split('\n').map((l, i) => JSON.stringify({ ...(JSON.parse(l) as object), speaker: i % 2 ? 'rms' : 'awb' }));
    writeFileSync(m, rows.join('\n') + '\n');
    const s = asr(['eval', '--model', model, '--manifest', m, '--greedy', '--cmvn', 'speaker']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/speaker CMVN \(2 speakers\)/);
    expect(s.stderr).not.toMatch(/no line has/);
    // --vtln chooses one warp per speaker from the list given, and stacks with speaker CMVN
    const v = asr(['eval', '--model', model, '--manifest', m, '--greedy', '--cmvn', 'speaker', '--vtln', '0.9,1.1']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/asr eval: --vtln: speaker awb: warp (0\.9|1\.1) \(mean log spike posterior 0\.9: (-?\d+\.\d{4}|-), 1\.1: (-?\d+\.\d{4}|-)\)\n/);
    expect(v.stderr).toMatch(/asr eval: --vtln: speaker rms: warp (0\.9|1\.1) \(/);
    expect(v.stderr).toMatch(/speaker CMVN \(2 speakers\)/);
    // the decoder's word confidences instead, on request
    const w = asr(['eval', '--model', model, '--manifest', m, '--greedy', '--vtln', '0.9,1.1', '--vtln-criterion', 'words']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/asr eval: --vtln: speaker awb: warp (0\.9|1\.1) \(mean log word confidence 0\.9: /);
    const wb = asr(['eval', '--model', model, '--manifest', m, '--greedy', '--vtln', 'auto', '--vtln-criterion', 'best']);
    expect(wb.code).not.toBe(0);
    expect(wb.stderr.trim()).toBe('asr: error: --vtln-criterion: expected frames or words, got "best"');
    const nv = asr(['eval', '--model', model, '--manifest', manifest, '--greedy', '--vtln', 'auto']);
    expect(nv.code, nv.stderr).toBe(0);
    expect(nv.stderr).toMatch(/test\.jsonl: no line has a "speaker" field, so no VTLN warp was chosen/);
  });

  it('several decoders over one forward pass: each gets what a recognizer with its options gets alone', async () => {
    const points = [{ beamWidth: 4 }, { beamWidth: 4, blankPenalty: -6 }, { beamWidth: 1, blankPenalty: 1 }];
    const r = loadRecognizer(model, { decode: { beamWidth: 4 } });
    const grid = await evaluateManifest(r, manifest, { decoders: points.map((p) => createCtcDecoder(r.tokenSet, { ...p, frameDuration: r.frameDuration })) });
    disposeRecognizer(r);
    expect(grid.decoders).toHaveLength(3);
    const alone = [];
    for (const p of points) {
      const rp = loadRecognizer(model, { decode: p });
      alone.push(await evaluateManifest(rp, manifest));
      disposeRecognizer(rp);
    }
    for (let k = 0; k < points.length; k++) {
      expect(grid.decoders?.[k].utterances.map((u) => u.hyp)).toEqual(alone[k].utterances.map((u) => u.hyp));
      expect(grid.decoders?.[k].wer).toEqual(alone[k].wer);
    }
    // the top-level fields are the first decoder's; the penalty changed what was decoded
    expect(grid.wer).toEqual(alone[0].wer);
    expect(alone[1].utterances.map((u) => u.hyp)).not.toEqual(alone[0].utterances.map((u) => u.hyp));
  });

  it('lists of decode values: one row per combination, the best marked, the summary and --output the best row\'s', () => {
    const out = join(dir, 'grid-results.jsonl');
    const r = asr(['eval', '--model', model, '--manifest', manifest, '--beam', '1,4', '--blank-penalty', '0,-6', '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['beam', 'lm-weight', 'word-bonus', 'blank-penalty', 'oov-penalty', '%WER', '%CER']);
    const rows = lines.slice(1, 5).map((l) => l.trim().split(/\s+/));
    expect(rows.map((c) => `${c[0]} ${c[3]} ${c[4]}`)).toEqual(['1 0 -10', '1 -6 -10', '4 0 -10', '4 -6 -10']);
    const best = rows.findIndex((c) => c[7] === '<-');
    expect(best).toBeGreaterThanOrEqual(0);
    expect(Math.min(...rows.map((c) => Number(c[5])))).toBe(Number(rows[best][5]));
    expect(lines[5]).toBe(`best: --beam ${rows[best][0]} --lm-weight 0.5 --word-bonus 1 --blank-penalty ${rows[best][3]} --oov-penalty -10`);
    expect(lines[6]).toMatch(new RegExp(`^%WER ${rows[best][5].replace('.', '\\.')} \\[`));
    // the same as evaluating that point alone
    const one = asr(['eval', '--model', model, '--manifest', manifest, '--beam', rows[best][0], '--blank-penalty', rows[best][3]]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual(lines.slice(6));
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5);
    const bad = asr(['eval', '--model', model, '--manifest', manifest, '--lm-weight', '0.3,x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe("asr: error: --lm-weight: expected a number, got 'x'");
    const oov = asr(['eval', '--model', model, '--manifest', manifest, '--beam', '4', '--oov-penalty', '-5,-20']);
    expect(oov.code, oov.stderr).toBe(0);
    expect(oov.stdout.trim().split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/)[4])).toEqual(['-5', '-20']);
    const greedy = asr(['eval', '--model', model, '--manifest', manifest, '--greedy', '--beam', '1,4']);
    expect(greedy.code).not.toBe(0);
    expect(greedy.stderr).toMatch(/need beam search, not --greedy/);
  });

  it("a model's decode.json: asr decode --save-defaults writes it, transcribe and eval use it, flags override it", () => {
    const m2 = join(dir, 'model-defaults');
    cpSync(model, m2, { recursive: true });
    const save = asr(['decode', '--save-defaults', m2, '--beam', '4', '--blank-penalty', '-6']);
    expect(save.code, save.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(m2, 'decode.json'), 'utf8'))).toEqual({ beamWidth: 4, blankPenalty: -6 });
    const viaFile = asr(['eval', '--model', m2, '--manifest', manifest]);
    const viaFlags = asr(['eval', '--model', model, '--manifest', manifest, '--beam', '4', '--blank-penalty', '-6']);
    const plain = asr(['eval', '--model', model, '--manifest', manifest, '--beam', '4']);
    expect(viaFile.code, viaFile.stderr).toBe(0);
    expect(viaFile.stdout).toBe(viaFlags.stdout);
    expect(viaFile.stdout).not.toBe(plain.stdout);
    // a flag on the command line wins over the file
    expect(asr(['eval', '--model', m2, '--manifest', manifest, '--blank-penalty', '0']).stdout).toBe(plain.stdout);
    const wav = join(dir, 'wav', 'u0.wav');
    expect(asr(['transcribe', wav, '--model', m2]).stdout).toBe(asr(['transcribe', wav, '--model', model, '--beam', '4', '--blank-penalty', '-6']).stdout);
    // a sweep's rows show the model's settings for the flags not swept
    const g = asr(['eval', '--model', m2, '--manifest', manifest, '--word-bonus', '0,1']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout.split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/).slice(0, 4).join(' '))).toEqual(['4 0.5 0 -6', '4 0.5 1 -6']);
    // nothing given, a folder that is not a model, a bad file: one-line errors
    expect(asr(['decode', '--save-defaults', m2]).stderr.trim()).toMatch(/^asr: error: decode --save-defaults: give at least one of --beam/);
    expect(asr(['decode', '--save-defaults', dir, '--beam', '8']).stderr.trim()).toBe(`asr: error: ${dir}: not a model directory (no config.json)`);
    writeFileSync(join(m2, 'decode.json'), '{"beamWidth": 4, "lmWieght": 0.3}\n');
    const bad = asr(['eval', '--model', m2, '--manifest', manifest]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(`asr: error: ${join(m2, 'decode.json')}: unknown setting "lmWieght" (known: beamWidth, lmWeight, wordBonus, blankPenalty, oovPenalty)`);
    writeFileSync(join(m2, 'decode.json'), '{"beamWidth": 0.5}\n');
    expect(asr(['transcribe', wav, '--model', m2]).stderr.trim()).toBe(`asr: error: ${join(m2, 'decode.json')}: "beamWidth" must be a whole number of at least 1`);
  });

  it('needs --manifest', () => {
    const r = asr(['eval', '--model', model]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--manifest/);
  });
});
