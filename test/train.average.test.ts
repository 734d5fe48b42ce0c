import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { createModel, disposeModel, loadModel, modelConfig, parameterValues, saveModel } from '../src/model/index.js';
import { defaultCharTokens } from '../src/train/tokenizer.js';
import { buildOnce } from './helpers/build.js';
import { asr } from './train.fixtures.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
  buildOnce();
});

const CFG = modelConfig({ numLayers: 1, dModel: 16, numHeads: 2, ffnDim: 32, convKernel: 3, vocabSize: 29, subsampling: { channels: 4 } });
const FEATURES = '{"type":"fbank","options":{"numMelBins":80},"normalize":"utterance"}\n';

/** Saves a seeded tiny model with features.json; returns its parameter values. */
async function savedModel(dir: string, seed: number): Promise<Map<string, Float32Array>> {
  const m = createModel(CFG, seed);
  await saveModel(dir, m, defaultCharTokens());
  writeFileSync(join(dir, 'features.json'), FEATURES);
  const v = parameterValues(m);
  disposeModel(m);
  return v;
}

function expectMean(dir: string, inputs: Map<string, Float32Array>[]): void {
  const { model } = loadModel(dir);
  for (const [name, a] of parameterValues(model)) {
    for (let i = 0; i < a.length; i += 5) {
      const want = inputs.reduce((s, v) => s + (v.get(name) as Float32Array)[i], 0) / inputs.length;
      expect(a[i]).toBeCloseTo(want, 6);
    }
  }
  disposeModel(model);
}

describe('asr average', () => {
  it('averages model directories, copying features.json, the LM and decode.json of the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-average-'));
    const a = await savedModel(join(dir, 'a'), 1);
    const b = await savedModel(join(dir, 'b'), 2);
    const c = await savedModel(join(dir, 'c'), 3);
    writeFileSync(join(dir, 'a', 'lm.arpa'), '\\data\\\nngram 1=1\n\n\\1-grams:\n-1 <unk>\n\n\\end\\\n');
    const decodeJson = '{"beamWidth": 8, "lmWeight": 0.7, "wordBonus": 1.5}\n';
    writeFileSync(join(dir, 'a', 'decode.json'), decodeJson);
    const r = asr(['average', join(dir, 'a'), join(dir, 'b'), join(dir, 'c'), '--out', join(dir, 'soup')]);
    expect(r.stderr).toContain(`asr average: 3 models -> ${join(dir, 'soup')}`);
    expect(r.code).toBe(0);
    expectMean(join(dir, 'soup'), [a, b, c]);
    expect(readFileSync(join(dir, 'soup', 'features.json'), 'utf8')).toBe(FEATURES);
    expect(existsSync(join(dir, 'soup', 'lm.arpa'))).toBe(true);
    expect(readFileSync(join(dir, 'soup', 'decode.json'), 'utf8')).toBe(decodeJson);
    // no temporary directory left beside it
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'c', 'soup']);
  });

  it('accepts an exported model (with a streaming prior) beside its fine-tunes, but not other feature options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-average-prior-'));
    const a = await savedModel(join(dir, 'a'), 1);
    const b = await savedModel(join(dir, 'b'), 2);
    const withPrior = JSON.stringify({ ...JSON.parse(FEATURES), streamingPrior: { mean: [1], std: [2], frames: 3 } }) + '\n';
    writeFileSync(join(dir, 'a', 'features.json'), withPrior);
    const r = asr(['average', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'soup')]);
    expect(r.code).toBe(0);
    expectMean(join(dir, 'soup'), [a, b]);
    expect(readFileSync(join(dir, 'soup', 'features.json'), 'utf8')).toBe(withPrior);
    writeFileSync(join(dir, 'b', 'features.json'), FEATURES.replace('80', '40'));
    const bad = asr(['average', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'soup2')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(`asr: error: ${join(dir, 'b', 'features.json')}: differs from ${join(dir, 'a', 'features.json')}: these models cannot be averaged`);
  });

  it('--last N averages the newest N step checkpoints of an experiment directory', async () => {
    const exp = mkdtempSync(join(tmpdir(), 'asr-average-exp-'));
    mkdirSync(join(exp, 'checkpoints'));
    const v = [];
    for (const step of [100, 200, 300]) v.push(await savedModel(join(exp, 'checkpoints', `step-${String(step).padStart(8, '0')}`), step));
    const out = join(exp, 'avg2');
    const r = asr(['average', exp, '--last', '2', '--out', out]);
    expect(r.code).toBe(0);
    expectMean(out, [v[1], v[2]]);
    const many = asr(['average', exp, '--last', '5', '--out', join(exp, 'avg5')]);
    expect(many.code).not.toBe(0);
    expect(many.stderr.trim()).toBe(`asr: error: ${exp}: holds 3 step checkpoints, fewer than the 5 asked for`);
  });

  it('refuses models that differ, an existing output, and says so in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-average-bad-'));
    await savedModel(join(dir, 'a'), 1);
    await savedModel(join(dir, 'b'), 2);
    writeFileSync(join(dir, 'b', 'tokens.txt'), defaultCharTokens().reverse().join('\n') + '\n');
    const r = asr(['average', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'out')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`asr: error: ${join(dir, 'b', 'tokens.txt')}: differs from ${join(dir, 'a', 'tokens.txt')}: these models cannot be averaged`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const e = asr(['average', join(dir, 'a'), '--out', join(dir, 'b')]);
    expect(e.code).not.toBe(0);
    expect(e.stderr.trim()).toBe(`asr: error: ${join(dir, 'b')}: already exists: the average goes to a new directory`);
  });
});
