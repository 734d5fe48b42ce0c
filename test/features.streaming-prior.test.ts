import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fbank, parseFeatureConfig, streamingPriorFromManifest, type FeatureConfig } from '../src/features/index.js';
import { loadAudio } from '../src/audio/index.js';
import { buildOnce } from './helpers/build.js';

const ROOT = join(import.meta.dirname, '..');
const FSDD = join(ROOT, '..', 'shared', 'data', 'fsdd');
const HAVE_FSDD = existsSync(FSDD);
const FILES = ['wav/0_george_0.wav', 'wav/1_jackson_0.wav', 'wav/7_theo_3.wav'];

function manifest(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prior-'));
  const m = join(dir, 'm.jsonl');
  writeFileSync(m, FILES.map((f) => JSON.stringify({ audio_filepath: join(FSDD, f), duration: 1, text: 'x' })).join('\n') + '\n');
  return m;
}

describe('streaming CMVN prior', () => {
  const config: FeatureConfig = { type: 'fbank', options: { numMelBins: 23 }, normalize: 'utterance' };

  // these two read real recordings from ../shared: skipped in a checkout without it, as the other shared-data tests are
  it.skipIf(!HAVE_FSDD)('is the average of the utterances\' own means and standard deviations', async () => {
    const prior = await streamingPriorFromManifest(manifest(), config, { frames: 150 });
    expect(prior.frames).toBe(150);
    expect(prior.mean.length).toBe(23);
    // band 5, computed here independently
    const d = 5;
    let mu = 0;
    let sd = 0;
    for (const f of FILES) {
      const m = fbank((await loadAudio(join(FSDD, f))).samples, { numMelBins: 23, dither: 0 });
      const col = Array.from({ length: m.numFrames }, (_, t) => m.data[t * 23 + d]);
      const u = col.reduce((a, b) => a + b, 0) / col.length;
      mu += u / FILES.length;
      sd += Math.sqrt(col.reduce((a, b) => a + (b - u) ** 2, 0) / col.length) / FILES.length;
    }
    expect(prior.mean[d]).toBeCloseTo(mu, 3);
    expect(prior.std[d]).toBeCloseTo(sd, 3);
  });

  it('features.json with a prior parses; a malformed one fails naming the file', () => {
    const ok = parseFeatureConfig({ ...config, streamingPrior: { mean: [1, 2], std: [1, 1], frames: 100 } }, 'm/features.json');
    expect(ok.streamingPrior?.frames).toBe(100);
    expect(() => parseFeatureConfig({ ...config, streamingPrior: { mean: [1, 2], std: [1] } }, 'm/features.json')).toThrow(/m\/features.json.*equal-length/);
    expect(() => parseFeatureConfig({ ...config, streamingPrior: { mean: [1], std: [0] } }, 'm/features.json')).toThrow(/positive/);
  });

  it.skipIf(!HAVE_FSDD)('asr cmvn --streaming-prior writes it into a model directory\'s features.json', () => {
    buildOnce();
    const dir = mkdtempSync(join(tmpdir(), 'prior-model-'));
    copyFileSync(join(ROOT, 'models', 'digits', 'config.json'), join(dir, 'config.json'));
    writeFileSync(join(dir, 'features.json'), JSON.stringify({ type: 'fbank', options: { numMelBins: 40, lowFreq: 20, highFreq: 3800 }, normalize: 'utterance' }));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'cmvn', '--streaming-prior', dir, '--manifest', manifest()], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8')) as { streamingPrior: { mean: number[] }; options: { highFreq: number } };
    expect(written.streamingPrior.mean.length).toBe(40);
    expect(written.options.highFreq).toBe(3800);
    // global CMVN needs no prior: refused with one line
    writeFileSync(join(dir, 'features.json'), JSON.stringify({ type: 'fbank', options: { numMelBins: 40 }, normalize: { mean: new Array(40).fill(0), std: new Array(40).fill(1) } }));
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'cmvn', '--streaming-prior', dir, '--manifest', manifest()], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/only for "utterance" CMVN/);
  });
});
