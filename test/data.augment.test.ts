import { describe, expect, it } from 'vitest';
import { createRng } from '../src/util/random.js';
import { frequencyWarp, warpMap } from '../src/data/augment/warp.js';
import { speedPerturb } from '../src/data/augment/speed.js';
import { roomImpulseResponse, applyReverb } from '../src/data/augment/reverb.js';
import { activePower, addNoise, colouredNoise } from '../src/data/augment/noise.js';
import { mulawRoundTrip, narrowbandRoundTrip, telephoneBand } from '../src/data/augment/telephone.js';
import { AUGMENT_PROFILES, applyAugmentation, drawAugmentation, augmentationRecord } from '../src/data/augment/chain.js';
import { fftConvolve } from '../src/data/augment/fft.js';

const SR = 16000;

function tone(freq: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(seconds * SR);
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / SR));
}

/** Magnitude of the DFT of x at frequency f (Hz), normalized by length. */
function dftMag(x: Float32Array, f: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * f * i) / SR);
    im -= x[i] * Math.sin((2 * Math.PI * f * i) / SR);
  }
  return Math.hypot(re, im) / x.length;
}

/** The strongest frequency of x within [lo, hi], in 1 Hz steps. */
function peakFrequency(x: Float32Array, lo: number, hi: number): number {
  let best = lo;
  let bestMag = -1;
  for (let f = lo; f <= hi; f++) {
    const m = dftMag(x, f);
    if (m > bestMag) [best, bestMag] = [f, m];
  }
  return best;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

const mid = (x: Float32Array): Float32Array => x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));

describe('frequency warping (VTLP)', () => {
  it('the warp map is monotone, fixes DC and Nyquist, and inverts', () => {
    for (const a of [0.9, 1, 1.1]) {
      const { forward, inverse } = warpMap(a);
      expect(forward(0)).toBe(0);
      expect(forward(1)).toBeCloseTo(1, 12);
      let prev = -1;
      for (let f = 0; f <= 1; f += 0.01) {
        expect(forward(f)).toBeGreaterThan(prev);
        prev = forward(f);
        expect(inverse(forward(f))).toBeCloseTo(f, 10);
      }
    }
    expect(warpMap(1.1).forward(0.25)).toBeCloseTo(0.275, 12);
  });

  it('moves a tone by the warp factor and keeps the duration', () => {
    const x = tone(500, 1);
    for (const a of [0.9, 1.1]) {
      const y = frequencyWarp(x, a);
      expect(y.length).toBe(x.length);
      expect(Math.abs(peakFrequency(mid(y), 350, 700) - 500 * a)).toBeLessThanOrEqual(3);
      // the tone stays a tone: level within 2 dB
      expect(Math.abs(20 * Math.log10(rms(mid(y)) / rms(mid(x))))).toBeLessThan(2);
    }
    expect(frequencyWarp(x, 1)).toEqual(x);
  });
});

describe('speed perturbation', () => {
  it('factor 1.1 is 10 % shorter and 10 % higher', () => {
    const x = tone(1000, 1);
    const y = speedPerturb(x, SR, 1.1);
    expect(Math.abs(y.length - x.length / 1.1)).toBeLessThanOrEqual(1);
    expect(peakFrequency(mid(y), 900, 1200)).toBe(1100);
    expect(() => speedPerturb(x, SR, 5)).toThrow(/factor/);
  });
});

describe('reverberation', () => {
  it('the synthetic room response has the requested RT60 and direct-to-reverberant ratio', () => {
    const p = { rt60: 0.5, drrDb: 3, predelayMs: 10 };
    const h = roomImpulseResponse(p, SR, createRng(1));
    expect(h[0]).toBe(1);
    expect(h.subarray(1, 160).every((v) => v === 0)).toBe(true);
    let tail = 0;
    for (let i = 1; i < h.length; i++) tail += h[i] * h[i];
    expect(10 * Math.log10(1 / tail)).toBeCloseTo(3, 6);
    // Schroeder backward integral: time from -5 dB to -35 dB, times 2, estimates RT60
    const edc = new Float64Array(h.length);
    let acc = 0;
    for (let i = h.length - 1; i >= 1; i--) edc[i] = acc += h[i] * h[i];
    const db = (i: number): number => 10 * Math.log10(edc[i] / edc[1]);
    const at = (level: number): number => {
      let i = 1;
      while (i < h.length - 1 && db(i) > level) i++;
      return i / SR;
    };
    expect(2 * (at(-35) - at(-5))).toBeGreaterThan(0.4);
    expect(2 * (at(-35) - at(-5))).toBeLessThan(0.6);
    expect(roomImpulseResponse(p, SR, createRng(1))).toEqual(h);
    expect(applyReverb(tone(300, 0.5), h).length).toBe(8000);
  });

  it('FFT convolution equals direct convolution', () => {
    const rng = createRng(3);
    const x = Float32Array.from({ length: 300 }, () => rng.normal());
    const h = Float32Array.from({ length: 37 }, () => rng.normal());
    const y = fftConvolve(x, h);
    expect(y.length).toBe(336);
    for (const n of [0, 5, 100, 335]) {
      let s = 0;
      for (let k = 0; k < h.length; k++) if (n - k >= 0 && n - k < x.length) s += x[n - k] * h[k];
      expect(y[n]).toBeCloseTo(s, 4);
    }
  });
});

describe('noise', () => {
  it('is seeded, unit power, and coloured as named', () => {
    const rng = (): ReturnType<typeof createRng> => createRng(11);
    const white = colouredNoise('white', 32000, rng());
    expect(colouredNoise('white', 32000, rng())).toEqual(white);
    const band = (x: Float32Array, lo: number, hi: number): number => {
      let s = 0;
      let n = 0;
      for (let f = lo; f < hi; f += 25, n++) s += dftMag(x.subarray(0, 8000), f) ** 2;
      return s / n;
    };
    const tilt = (x: Float32Array): number => 10 * Math.log10(band(x, 200, 400) / band(x, 3200, 6400));
    for (const t of ['white', 'pink', 'brown'] as const) expect(activePower(colouredNoise(t, 32000, rng()))).toBeCloseTo(1, 1);
    // per-Hz density: white flat, pink -3 dB/octave (4 octaves: ~12 dB), brown -6 dB/octave (~24 dB)
    expect(Math.abs(tilt(white))).toBeLessThan(3);
    expect(tilt(colouredNoise('pink', 32000, rng()))).toBeGreaterThan(8);
    expect(tilt(colouredNoise('pink', 32000, rng()))).toBeLessThan(16);
    expect(tilt(colouredNoise('brown', 32000, rng()))).toBeGreaterThan(18);
  });

  it('is added at the requested SNR relative to the speech, not the pauses', () => {
    // 0.5 s of tone, then 0.5 s of silence: the silence must not lower the measured speech power
    const x = new Float32Array(16000);
    x.set(tone(440, 0.5, 0.3));
    const n = colouredNoise('white', x.length, createRng(2));
    const y = addNoise(x, n, 10);
    const noise = Float32Array.from(y, (v, i) => v - x[i]);
    expect(10 * Math.log10(activePower(x) / (rms(noise) ** 2))).toBeCloseTo(10, 1);
  });
});

describe('telephone channel', () => {
  it('passes 300-3400 Hz and removes what is outside', () => {
    const level = (f: number): number => 20 * Math.log10(rms(mid(telephoneBand(tone(f, 0.5), SR))) / rms(mid(tone(f, 0.5))));
    expect(Math.abs(level(1000))).toBeLessThan(0.5);
    expect(level(100)).toBeLessThan(-30);
    expect(level(7000)).toBeLessThan(-20);
  });

  it('8 kHz round trip removes the band above 4 kHz and keeps the rest', () => {
    const x = Float32Array.from(tone(1000, 0.5), (v, i) => v + 0.5 * Math.sin((2 * Math.PI * 6000 * i) / SR));
    const y = narrowbandRoundTrip(x, SR);
    expect(y.length).toBe(x.length);
    expect(dftMag(mid(y), 6000)).toBeLessThan(0.001);
    expect(dftMag(mid(y), 1000)).toBeGreaterThan(0.2);
  });

  it('mu-law companding keeps about 35 dB SNR on a loud tone', () => {
    const x = tone(440, 0.2, 0.8);
    const y = mulawRoundTrip(x);
    const err = Float32Array.from(y, (v, i) => v - x[i]);
    const snr = 20 * Math.log10(rms(x) / rms(err));
    expect(snr).toBeGreaterThan(30);
    expect(snr).toBeLessThan(45);
  });
});

describe('augmentation chain', () => {
  it('draws each condition about as often as the profile says, and none from "none"', () => {
    const rng = createRng(4);
    const counts = { reverb: 0, noise: 0, telephone: 0, narrowband: 0 };
    const N = 4000;
    for (let i = 0; i < N; i++) {
      const a = drawAugmentation(AUGMENT_PROFILES.default, rng);
      if (a.reverb) counts.reverb++;
      if (a.noise) counts.noise++;
      if (a.telephone) counts.telephone++;
      if (a.narrowband) counts.narrowband++;
      expect(a.peakDb).toBeGreaterThanOrEqual(-20);
      expect(a.peakDb).toBeLessThanOrEqual(-1);
    }
    expect(counts.reverb / N).toBeCloseTo(0.3, 1);
    expect(counts.noise / N).toBeCloseTo(0.5, 1);
    expect(counts.telephone / N).toBeCloseTo(0.1, 1);
    expect(counts.narrowband / N).toBeCloseTo(0.9 * 0.15, 1);
    expect(drawAugmentation(AUGMENT_PROFILES.none, rng)).toEqual({});
  });

  it('applies conditions reproducibly, sets the peak level, and records what it did', () => {
    const x = tone(440, 0.5, 0.3);
    const a = { reverb: { rt60: 0.3, drrDb: 6, predelayMs: 5 }, noise: { type: 'pink' as const, snrDb: 15 }, telephone: true, peakDb: -6 };
    const y = applyAugmentation(x, SR, a, createRng(9));
    expect(applyAugmentation(x, SR, a, createRng(9))).toEqual(y);
    expect(applyAugmentation(x, SR, a, createRng(10))).not.toEqual(y);
    let peak = 0;
    for (const v of y) peak = Math.max(peak, Math.abs(v));
    expect(20 * Math.log10(peak)).toBeCloseTo(-6, 5);
    expect(augmentationRecord(a)).toEqual({ reverb: { rt60: 0.3, drr_db: 6, predelay_ms: 5 }, noise: { type: 'pink', snr_db: 15 }, telephone: true, peak_db: -6 });
    // nothing asked, nothing changed (but never clipping)
    expect(applyAugmentation(x, SR, {}, createRng(1))).toEqual(x);
    const loud = tone(440, 0.1, 1.5);
    expect(Math.max(...applyAugmentation(loud, SR, {}, createRng(1)))).toBeCloseTo(0.999, 6);
  });
});
