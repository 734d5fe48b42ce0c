import { describe, expect, it } from 'vitest';
import { speechFrames, widenWordSpans } from '../src/transcribe/word-spans.js';

const RATE = 16000;

/** Quiet noise with loud noise bursts over [from, to) seconds. */
function signal(seconds: number, bursts: [number, number][]): Float32Array {
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) {
    const t = i / RATE;
    const loud = bursts.some(([a, b]) => t >= a && t < b);
    x[i] = rand() * (loud ? 0.5 : 0.001);
  }
  return x;
}

describe('widenWordSpans', () => {
  it('finds the speech frames of a segment', () => {
    const sp = speechFrames(signal(1, [[0.3, 0.6]]), RATE);
    expect(sp.length).toBe(100);
    expect(Array.from(sp.slice(30, 60)).every((v) => v === 1)).toBe(true);
    expect(sp.slice(0, 30).some((v) => v === 1)).toBe(false);
    expect(sp.slice(60).some((v) => v === 1)).toBe(false);
  });

  it('a word fired late in its speech starts at the onset and ends at the silence', () => {
    const x = signal(1.6, [[0.3, 0.8], [1.0, 1.4]]);
    const out = widenWordSpans([{ word: 'a', start: 0.7, end: 0.74 }, { word: 'b', start: 1.3, end: 1.34 }], x, RATE);
    expect(out[0].start).toBeCloseTo(0.3, 2);
    expect(out[0].end).toBeCloseTo(0.8, 2);
    // the midpoint between the firings (1.02) bounds b's start; the pause ends at 1.0
    expect(out[1].start).toBeGreaterThanOrEqual(1.0);
    expect(out[1].start).toBeLessThanOrEqual(1.03);
    expect(out[1].end).toBeCloseTo(1.4, 2);
    expect(out[0].word).toBe('a'); // other fields kept
  });

  it('in connected speech neighbours meet halfway between their firings and never overlap', () => {
    const x = signal(1.5, [[0.2, 1.2]]);
    const words = [{ start: 0.5, end: 0.54 }, { start: 1.0, end: 1.04 }];
    const out = widenWordSpans(words, x, RATE);
    expect(out[0].start).toBeCloseTo(0.2, 2);
    expect(out[0].end).toBeCloseTo(0.77, 2);
    expect(out[1].start).toBeCloseTo(0.77, 2);
    expect(out[1].end).toBeCloseTo(1.2, 2);
    expect(words[0].end).toBe(0.54); // the input is not changed
  });

  it('keeps times in the offset time base and inside the segment; spans never shrink', () => {
    const x = signal(1, [[0.1, 1]]);
    const out = widenWordSpans([{ start: 10.4, end: 10.5 }], x, RATE, 10);
    expect(out[0].start).toBeCloseTo(10.1, 5);
    expect(out[0].end).toBeCloseTo(11, 5);
    const silent = signal(1, []);
    expect(widenWordSpans([{ start: 0.4, end: 0.5 }], silent, RATE)).toEqual([{ start: 0.4, end: 0.5 }]);
    expect(widenWordSpans([], x, RATE)).toEqual([]);
  });
});
