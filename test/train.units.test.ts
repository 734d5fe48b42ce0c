import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { createModel, modelConfig, parameterValues, saveModel, disposeModel } from '../src/model/index.js';
import { createTokenSet } from '../src/decode/tokens.js';
import { createRng } from '../src/util/random.js';
import { createCharTokenizer, defaultCharTokens } from '../src/train/tokenizer.js';
import { createBpeTokenizer, tokenizerFromTokens, trainBpe, WORD_MARK } from '../src/train/bpe.js';
import { bucketBatches, padBatch } from '../src/train/batching.js';
import { learningRate } from '../src/train/schedule.js';
import { clipByGlobalNorm, createAdamW } from '../src/train/optimizer.js';
import { averageCheckpoints } from '../src/train/checkpoint.js';
import { FeatureSource, loadUtterances } from '../src/train/dataset.js';
import { readExperimentConfig } from '../src/train/config.js';
import { runTraining } from '../src/train/train.js';
import { plotMetricsSvg } from '../src/train/plot.js';
import { buildOnce } from './helpers/build.js';
import { encodeWav } from '../src/audio/write.js';
import { synthUtterances, tinyConfig } from './train.fixtures.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
});

describe('tokenizer', () => {
  it('round-trips text and rejects what it cannot spell', () => {
    const tok = createCharTokenizer();
    const ids = tok.encode("  Don't STOP\tme ") as Int32Array;
    expect(Array.from(ids).every((i) => i > 0 && i < tok.tokens.length)).toBe(true);
    expect(tok.decode(ids)).toBe("don't stop me");
    expect(tok.encode('')).toBeNull();
    expect(tok.problem('   ')).toBe('empty transcript');
    expect(tok.encode('route 66')).toBeNull();
    expect(tok.problem('héllo')).toContain('"é"');
    // tokens.txt is read by the decoder as characters with "|" between words
    const ts = createTokenSet(defaultCharTokens());
    expect(ts.mode).toBe('char');
    expect(ts.tokens[ts.delimiter]).toBe('|');
  });
});

describe('BPE tokenizer', () => {
  it('learns frequent pieces, round-trips text, and reads back from its tokens', () => {
    const texts = ['seven oh three', 'seven seven', 'three oh', "don't seven", 'one three seven'];
    const tokens = trainBpe(texts, 45);
    expect(tokens).toEqual(trainBpe(texts, 45)); // deterministic
    expect(tokens.length).toBeLessThanOrEqual(45);
    expect(tokens).toContain(`${WORD_MARK}seven`); // the most frequent word becomes one piece
    const tok = createBpeTokenizer(tokens);
    const ids = tok.encode('Seven  oh three') as Int32Array;
    expect(Array.from(ids).map((i) => tokens[i])).toEqual([`${WORD_MARK}seven`, `${WORD_MARK}oh`, `${WORD_MARK}three`]);
    expect(tok.decode(ids)).toBe('seven oh three');
    // unseen words fall back to smaller pieces, down to letters
    expect(tok.decode(tok.encode("zebra don't") as Int32Array)).toBe("zebra don't");
    expect(tok.problem('route 66')).toContain('"6"');
    expect(tokenizerFromTokens(tokens).encode('three')).toEqual(tok.encode('three'));
    expect(tokenizerFromTokens(defaultCharTokens()).tokens).toEqual(defaultCharTokens());
    const ts = createTokenSet(tokens);
    expect(ts.mode).toBe('subword');
  });
});

describe('batching', () => {
  it('puts every utterance in exactly one batch within the frame budget, deterministically', () => {
    const rng = createRng(5);
    const lengths = Array.from({ length: 200 }, () => rng.int(50, 1500));
    const a = bucketBatches(lengths, 4000, createRng(1));
    const b = bucketBatches(lengths, 4000, createRng(1));
    expect(a).toEqual(b);
    expect(bucketBatches(lengths, 4000, createRng(2))).not.toEqual(a);
    expect(a.flat().sort((x, y) => x - y)).toEqual(lengths.map((_, i) => i));
    for (const batch of a) expect(batch.length * Math.max(...batch.map((i) => lengths[i]))).toBeLessThanOrEqual(4000);
    // bucketing keeps padding low: the padded total is well under twice the real frames
    const padded = a.reduce((s, batch) => s + batch.length * Math.max(...batch.map((i) => lengths[i])), 0);
    expect(padded / lengths.reduce((s, l) => s + l, 0)).toBeLessThan(1.3);
    const p = padBatch([{ numFrames: 2, dim: 2, data: Float32Array.of(1, 2, 3, 4) }, { numFrames: 1, dim: 2, data: Float32Array.of(5, 6) }], 3);
    expect(p.shape).toEqual([2, 3, 2]);
    expect(Array.from(p.data)).toEqual([1, 2, 3, 4, 0, 0, 5, 6, 0, 0, 0, 0]);
    expect(Array.from(p.lengths)).toEqual([2, 1]);
  });
});

describe('schedule and optimizer', () => {
  it('warms up linearly, then decays (Noam, cosine)', () => {
    const base = { peakLr: 1e-3, warmupSteps: 10, minLr: 1e-5, totalSteps: 110 };
    expect(learningRate({ ...base, kind: 'noam' }, 4)).toBeCloseTo(5e-4, 12);
    expect(learningRate({ ...base, kind: 'noam' }, 9)).toBeCloseTo(1e-3, 12);
    expect(learningRate({ ...base, kind: 'noam' }, 39)).toBeCloseTo(5e-4, 12);
    expect(learningRate({ ...base, kind: 'cosine' }, 59)).toBeCloseTo((1e-3 + 1e-5) / 2, 9);
    expect(learningRate({ ...base, kind: 'cosine' }, 109)).toBeCloseTo(1e-5, 12);
  });

  it('AdamW matches the formula; weight decay only on matrices; clipping by global norm', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = createAdamW([{ name: 'w', variable: w }, { name: 'b', variable: b }], { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
    const gw = tf.tensor2d([[0.3, -0.4]]);
    const gb = tf.tensor1d([2]);
    const grads = new Map<string, tf.Tensor>([['w', gw], ['b', gb]]);
    // norm = sqrt(0.09 + 0.16 + 4) = 2.0616; clip to 1
    const norm = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(Math.sqrt(4.25), 5);
    const s = 1 / (Math.sqrt(4.25) + 1e-6);
    const gwc = Array.from((grads.get('w') as tf.Tensor).dataSync());
    expect(gwc[0]).toBeCloseTo(0.3 * s, 6);
    opt.apply(grads, 0.01, 1);
    // first step: m/(1-b1) = g, v/(1-b2) = g^2, so the Adam update is lr * sign(g) (up to eps)
    const wv = Array.from(w.dataSync());
    expect(wv[0]).toBeCloseTo(1 - 0.01 - 0.01 * 0.1 * 1, 5);
    expect(wv[1]).toBeCloseTo(-2 + 0.01 - 0.01 * 0.1 * -2, 5);
    expect(b.dataSync()[0]).toBeCloseTo(0.5 - 0.01, 5); // no decay on the bias
    const state = opt.state();
    expect(state.get('m.w')?.data[0]).toBeCloseTo(0.1 * 0.3 * s, 6);
    tf.dispose([...grads.values(), w, b]);
    opt.dispose();
  });
});

describe('checkpoints', () => {
  it('averages model directories parameter by parameter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-avg-'));
    const cfg = modelConfig({ numLayers: 1, dModel: 16, numHeads: 2, ffnDim: 32, convKernel: 3, vocabSize: 29, subsampling: { channels: 4 } });
    const m1 = createModel(cfg, 1);
    const m2 = createModel(cfg, 2);
    await saveModel(join(dir, 'a'), m1, defaultCharTokens());
    await saveModel(join(dir, 'b'), m2, defaultCharTokens());
    const avg = averageCheckpoints([join(dir, 'a'), join(dir, 'b')]);
    const v1 = parameterValues(m1);
    const v2 = parameterValues(m2);
    const va = parameterValues(avg.model);
    for (const [name, a] of va) {
      const x = v1.get(name) as Float32Array;
      const y = v2.get(name) as Float32Array;
      for (let i = 0; i < a.length; i += 7) expect(a[i]).toBeCloseTo((x[i] + y[i]) / 2, 6);
    }
    expect(avg.tokens).toEqual(defaultCharTokens());
    [m1, m2, avg.model].forEach(disposeModel);
  });
});

describe('config and manifests', () => {
  it('names the file and key of a bad config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-cfg-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ train: { lr: { peak: 1 } } }));
    expect(() => readExperimentConfig(f)).toThrow(`${f}: unknown key 'train.lr.peak'`);
    writeFileSync(f, JSON.stringify({ train: { accumulate: 0 } }));
    expect(() => readExperimentConfig(f)).toThrow('train.accumulate must be an integer >= 1');
    expect(readExperimentConfig(tinyConfig({ epochs: 3 })).train.epochs).toBe(3);
  });

  it('reports each bad manifest line with its number', () => {
    buildOnce();
    const manifest = synthUtterances(['one', 'two']);
    const good = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { audio_filepath: string; duration: number });
    const wav = join(dirname(manifest), good[0].audio_filepath);
    const f = join(mkdtempSync(join(tmpdir(), 'asr-man-')), 'm.jsonl');
    writeFileSync(f, [
      JSON.stringify({ audio_filepath: wav, duration: good[0].duration, text: 'one' }),
      '{"audio_filepath": ',
      JSON.stringify({ duration: 1, text: 'one' }),
      JSON.stringify({ audio_filepath: wav, duration: 1 }),
      JSON.stringify({ audio_filepath: 'missing.wav', duration: 1, text: 'one' }),
      JSON.stringify({ audio_filepath: wav, duration: 1, text: ' ' }),
      JSON.stringify({ audio_filepath: wav, duration: 1, text: 'uno €' }),
      JSON.stringify({ audio_filepath: wav, duration: 0.1, text: 'a long sentence for a tenth of a second' }),
    ].join('\n'));
    const tok = createCharTokenizer();
    const cfg = modelConfig({ vocabSize: 29 });
    const { utterances, skipped } = loadUtterances(f, tok, cfg, true);
    expect(utterances).toHaveLength(1);
    expect(skipped.map((s) => `${s.where.slice(f.length)} ${s.problem}`)).toEqual([
      ':2 not valid JSON',
      ':3 missing "audio_filepath"',
      ':4 missing "text"',
      ':5 audio file not found: missing.wav',
      ':6 text " ": empty transcript',
      ':7 text "uno €": character "€" is not in the vocabulary',
      expect.stringMatching(/^:8 0.1 s of audio gives \d output frames?, too few for the 39 tokens of its text$/),
    ]);
    expect(() => loadUtterances(f, tok, cfg, false)).toThrow(`${f}:2: not valid JSON`);
  });

  it('speed perturbation changes the length by the factor; features are normalised and cached', async () => {
    const manifest = synthUtterances(['seven']);
    const [u] = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    const src = new FeatureSource(80, true);
    const n1 = (await src.raw(u, 1)).numFrames;
    const fast = (await src.raw(u, 1.25)).numFrames;
    expect(Math.abs(fast - n1 / 1.25)).toBeLessThanOrEqual(2);
    const spent = src.featureSeconds;
    expect(await src.raw(u, 1)).toBe(await src.raw(u, 1)); // served from the cache
    expect(src.featureSeconds).toBe(spent);
    const m = await src.features(u, null, null);
    let mean = 0;
    for (let t = 0; t < m.numFrames; t++) mean += m.data[t * 80 + 10];
    expect(Math.abs(mean / m.numFrames)).toBeLessThan(1e-4);
  });

  it('VTLN perturbation warps the mel axis of training features only, and its factors are checked', async () => {
    const manifest = synthUtterances(['seven']);
    const [u] = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    const src = new FeatureSource(40, false);
    const plain = await src.raw(u, 1, 1);
    const warped = await src.raw(u, 1, 1.15);
    expect(warped.numFrames).toBe(plain.numFrames);
    // factor 1.15: each bin's band moves from F to F / 1.15, so spectral peaks land in higher bins
    const centroid = (m: { numFrames: number; dim: number; data: Float32Array }): number => {
      let num = 0;
      let den = 0;
      for (let t = 0; t < m.numFrames; t++) {
        for (let d = 0; d < m.dim; d++) {
          const e = Math.exp(m.data[t * m.dim + d]);
          num += d * e;
          den += e;
        }
      }
      return num / den;
    };
    expect(centroid(warped)).toBeGreaterThan(centroid(plain) + 0.5);
    const augment = { specAugment: null, speedFactors: [], vtlnWarps: [1.15] };
    const train = await src.features(u, augment, createRng(1));
    const valid = await src.features(u, augment, null);
    expect(Array.from(valid.data)).toEqual(Array.from((await src.features(u, null, null)).data));
    expect(Array.from(train.data)).not.toEqual(Array.from(valid.data));
    const f = join(mkdtempSync(join(tmpdir(), 'asr-vtln-')), 'c.json');
    writeFileSync(f, JSON.stringify({ train: { vtlnPerturb: [0.9, 2] } }));
    expect(() => readExperimentConfig(f)).toThrow('train.vtlnPerturb must be a list of warp factors in [0.7, 1.4]');
  });
});

describe('training loop', () => {
  it('train.features.cmvnShrinkFrames: the prior is the training set\'s average statistics, used in training and written to features.json', async () => {
    const manifest = synthUtterances(['one two', 'three']);
    const exp = join(mkdtempSync(join(tmpdir(), 'asr-shrink-')), 'exp');
    const logs: string[] = [];
    await runTraining({
      configFile: tinyConfig({ epochs: 1, maxSteps: 1, features: { cmvnShrinkFrames: 30 }, levelAugment: { voicedCutProb: 0.3 } }),
      trainManifest: manifest, validManifest: manifest, outDir: exp, resume: false, skipBad: false, backend: 'wasm', log: (l) => logs.push(l),
    });
    expect(logs.some((l) => /CMVN shrunk toward the training set's average statistics, weight 30 frames/.test(l))).toBe(true);
    // the run says which level augmentation it draws, cuts included
    expect(logs.some((l) => /level augmentation: 50 % .*edges cut to the voiced core \(10-20 dB\) with p 0.3 each/.test(l))).toBe(true);
    const written = JSON.parse(readFileSync(join(exp, 'final', 'features.json'), 'utf8')) as { cmvnShrink: { mean: number[]; std: number[]; frames: number } };
    expect(written.cmvnShrink.frames).toBe(30);
    // the average of the two utterances' own means, computed here from the raw features
    const utts = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    const src = new FeatureSource(80, false);
    let mean7 = 0;
    for (const u of utts) {
      const m = await src.raw(u);
      let a = 0;
      for (let t = 0; t < m.numFrames; t++) a += m.data[t * 80 + 7];
      mean7 += a / m.numFrames / utts.length;
    }
    expect(written.cmvnShrink.mean[7]).toBeCloseTo(mean7, 3);
    // features shrunk toward it no longer have mean 0 in every column, unlike plain per-utterance CMVN
    const shrunk = await new FeatureSource(80, false, { lowFreq: 20, highFreq: 0, cmvnShrink: written.cmvnShrink }).features(utts[1], null, null);
    const colMean = (d: number): number => {
      let a = 0;
      for (let t = 0; t < shrunk.numFrames; t++) a += shrunk.data[t * 80 + d];
      return a / shrunk.numFrames;
    };
    expect(Math.max(...Array.from({ length: 80 }, (_, d) => Math.abs(colMean(d))))).toBeGreaterThan(0.01);
    const f = join(mkdtempSync(join(tmpdir(), 'asr-shrink-cfg-')), 'c.json');
    writeFileSync(f, JSON.stringify({ train: { features: { cmvnShrinkFrames: -1 } } }));
    expect(() => readExperimentConfig(f)).toThrow(/train.features.cmvnShrinkFrames must be a number of frames >= 0/);
  });

  it('leaks no tensors across steps, and frees everything at the end', async () => {
    buildOnce();
    const manifest = synthUtterances(['one two', 'three']);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const exp = join(mkdtempSync(join(tmpdir(), 'asr-leak-')), 'exp');
    const r = await runTraining({
      configFile: tinyConfig({ epochs: 6, maxItemsPerBatch: 1, accumulate: 2, intermediateCtc: { layer: 1, weight: 0.3 }, specAugment: {}, checkpointEverySteps: 2 }),
      trainManifest: manifest,
      validManifest: manifest,
      outDir: exp,
      resume: false,
      skipBad: false,
      backend: 'wasm',
      log: () => {},
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(r.state.step).toBe(6);
    expect(counts).toHaveLength(6);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // and the plot renders what the run logged
    const svg = plotMetricsSvg(readFileSync(join(exp, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    expect((svg.match(/<circle /g) ?? []).length).toBeGreaterThan(6);
  });

  it('skips a batch with a non-finite loss with a warning, and aborts after several in a row', async () => {
    const manifest = synthUtterances(['one two', 'three']);
    const logs: string[] = [];
    // a learning rate of 1e30 sends the weights to infinity after the first step; every later loss is NaN
    const cfg = tinyConfig({ epochs: 10, maxItemsPerBatch: 1, maxBadBatches: 4, lr: { kind: 'constant', peakLr: 1e30, warmupSteps: 0 } });
    const out = join(mkdtempSync(join(tmpdir(), 'asr-nan-')), 'exp');
    const run = runTraining({ configFile: cfg, trainManifest: manifest, validManifest: manifest, outDir: out, resume: false, skipBad: false, backend: 'wasm', log: (l) => logs.push(l) });
    await expect(run).rejects.toThrow('training diverged: 4 batches in a row had a non-finite loss');
    const warnings = logs.filter((l) => l.startsWith('warning: non-finite loss'));
    expect(warnings.map((w) => /\((\d) in a row\)/.exec(w)?.[1])).toEqual(['1', '2', '3', '4']);
  });

  it('names the manifest line of audio that cannot be read during training', async () => {
    const manifest = synthUtterances(['one two']);
    const dir = dirname(manifest);
    const x = new Float32Array(16000).map((_, i) => 0.1 * Math.sin(i / 5));
    const bytes = encodeWav(x, 16000, { encoding: 'float32' });
    // the WAV writer refuses NaN: patch a sample of the data chunk afterwards
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setFloat32(Buffer.from(bytes).indexOf('data') + 8 + 400, Number.NaN, true);
    writeFileSync(join(dir, 'nan.wav'), bytes);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, readFileSync(manifest, 'utf8') + JSON.stringify({ audio_filepath: 'nan.wav', duration: 1, text: 'one' }) + '\n');
    const out = join(mkdtempSync(join(tmpdir(), 'asr-nanwav-')), 'exp');
    const run = runTraining({ configFile: tinyConfig({ epochs: 1 }), trainManifest: bad, validManifest: manifest, outDir: out, resume: false, skipBad: false, backend: 'wasm', log: () => {} });
    await expect(run).rejects.toThrow(new RegExp(`^${bad}:2: .*nan.wav: non-finite sample`));
  });
});
