import { describe, expect, it } from 'vitest';
import { createStreamFrontend } from '../src/stream/frontend.js';
import { defaultFeatureConfig } from '../src/features/config-file.js';

/** A test signal: silence, then a loud tone, at 16 kHz. */
function signal(seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * 16000));
  for (let i = 0; i < x.length; i++) x[i] = i < 8000 ? 1e-4 * Math.sin(i) : 0.3 * Math.sin((2 * Math.PI * 300 * i) / 16000);
  return x;
}

function feed(warmup: number, x: Float32Array, block: number): { counts: number[]; data: number[] } {
  const fe = createStreamFrontend(defaultFeatureConfig(40), 600, warmup);
  const counts: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < x.length; i += block) {
    const m = fe.accept(x.subarray(i, i + block), 16000);
    counts.push(m.numFrames);
    data.push(...m.data);
  }
  const end = fe.flush();
  counts.push(end.numFrames);
  data.push(...end.data);
  return { counts, data };
}

describe('streaming front end: CMVN warm-up', () => {
  it('holds frames until the warm-up is reached, then releases them all normalised with the statistics so far', () => {
    const x = signal(3);
    const w = feed(100, x, 1600); // 100 ms blocks: about 10 frames each
    const none = feed(0, x, 1600);
    // nothing comes out before 100 frames have been seen; then the held frames all at once
    expect(w.counts[0]).toBe(0);
    const first = w.counts.findIndex((c) => c > 0);
    expect(w.counts[first]).toBeGreaterThanOrEqual(100);
    // same number of frames in total as without warm-up
    expect(w.counts.reduce((a, b) => a + b, 0)).toBe(none.counts.reduce((a, b) => a + b, 0));
    // the first frame (silence) is normalised with speech in the statistics: far from how it looks alone
    expect(Math.abs(w.data[0] - none.data[0])).toBeGreaterThan(0.1);
    // after the warm-up the two agree (the same sliding window)
    const n = w.data.length;
    expect(w.data[n - 1]).toBeCloseTo(none.data[n - 1], 5);
  });

  it('a stream shorter than the warm-up still yields all its frames at the end', () => {
    const x = signal(0.5);
    const w = feed(100, x, 800);
    const none = feed(0, x, 800);
    expect(w.counts.slice(0, -1).every((c) => c === 0)).toBe(true);
    expect(w.counts[w.counts.length - 1]).toBe(none.counts.reduce((a, b) => a + b, 0));
    expect(w.data.every(Number.isFinite)).toBe(true);
  });
});

/** Deterministic white noise of `seconds` at amplitude `amp`, its loudness swinging at 4 Hz like syllables (16 kHz). */
function burst(seconds: number, amp: number, seed: number, syllables = true): Float32Array {
  let s = seed;
  return new Float32Array(Math.round(seconds * 16000)).map((_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const env = syllables ? 0.55 + 0.45 * Math.sin((2 * Math.PI * 4 * i) / 16000) : 1;
    return amp * env * (s / 2147483648 - 0.5);
  });
}

function run(config: ReturnType<typeof defaultFeatureConfig>, parts: Float32Array[], gateDb = 40): Float32Array {
  const fe = createStreamFrontend(config, 600, 100, gateDb);
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i += 320) out.push(...fe.accept(p.subarray(i, i + 320), 16000).data);
  out.push(...fe.flush().data);
  return Float32Array.from(out);
}

describe('streaming front end: speech-gated statistics and the prior', () => {
  it('a pause between utterances does not change how the next one is normalised', () => {
    const c = defaultFeatureConfig(40);
    const speech = burst(1.5, 0.5, 3);
    const quiet = burst(2, 1e-3, 5, false);
    const D = 40;
    // the second burst's last frames, with and without 2 s of near silence before it
    const tailDiff = (gateDb: number): number => {
      const short = run(c, [speech, speech], gateDb);
      const paused = run(c, [speech, quiet, speech], gateDb);
      const tail = 50 * D;
      const a = short.subarray(short.length - tail);
      const b = paused.subarray(paused.length - tail);
      let maxDiff = 0;
      for (let i = 0; i < tail; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      return maxDiff;
    };
    // a few frames at the edges of the pause still count
    expect(tailDiff(40)).toBeLessThan(0.15);
    // counting the whole pause (no gate) in the statistics shifts these frames by whole standard deviations
    expect(tailDiff(1000)).toBeGreaterThan(1);
  });

  it('with a prior, silence at the start of a stream is normalised by the prior, not by itself', () => {
    const D = 40;
    const quiet = burst(3, 1e-3, 5, false);
    const plain = defaultFeatureConfig(D);
    // a prior that says "speech sits around 15 with spread 2 in every band"
    const withPrior = { ...plain, streamingPrior: { mean: new Array<number>(D).fill(15), std: new Array<number>(D).fill(2), frames: 200 } };
    const a = run(plain, [quiet]);
    const b = run(withPrior, [quiet]);
    const mean = (x: Float32Array): number => x.reduce((s, v) => s + v, 0) / x.length;
    // alone, silence normalises to mean 0 (it looks like speech to the model); with the prior it sits far below
    expect(Math.abs(mean(a))).toBeLessThan(0.1);
    expect(mean(b)).toBeLessThan(-2);
  });
});
