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
