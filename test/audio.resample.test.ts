import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import {
  resample, createResampler, resampledLength, sincResampleKernel, readAudio, loadAudio, mixToMono,
} from '../src/audio/index.js';
import { REFERENCE_DIR, hasShared, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { concatFloat, randomInts } from './audio.fixtures.js';

const RES = join(REFERENCE_DIR, 'resample');
const TOL = 1e-5; // README: resample, float64 compute

describe.skipIf(!hasShared)('torchaudio.functional.resample parity (../shared/reference/resample)', () => {
  it('ramp20_3_to_2 (inline float64 values)', () => {
    const j = readJson<{ input: number[]; output: number[]; orig_freq: number; new_freq: number }>(join(RES, 'ramp20_3_to_2.json'));
    const y = resample(Float64Array.from(j.input), j.orig_freq, j.new_freq);
    expect(y.length).toBe(j.output.length);
    const err = maxAbsDiff(y, j.output);
    console.log(`resample ramp20 3->2: max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
  });

  it('stereo_44k1_to_16k: down-mix (mean of int16/32768 channels) is exact, then 441->160 within 1e-5', async () => {
    const json = join(RES, 'stereo_44k1_to_16k.json');
    const j = readJson<{ downmixed_44k1: BinDescriptor; output: BinDescriptor; output_num_samples: number }>(json);
    const audio = await readAudio(join(RES, '..', 'audio', 'stereo_44k1.wav'));
    expect(audio.channels).toHaveLength(2);
    const mono = mixToMono(audio.channels);
    expect(maxAbsDiff(mono, readBin(json, j.downmixed_44k1).data)).toBe(0);
    const y = resample(mono, 44100, 16000);
    const ref = readBin(json, j.output).data;
    expect(y.length).toBe(j.output_num_samples);
    const err = maxAbsDiff(y, ref);
    console.log(`resample stereo_44k1 44100->16000: max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
    // loadAudio does the same (mean, then resample to 16 kHz by default).
    const loaded = await loadAudio(join(RES, '..', 'audio', 'stereo_44k1.wav'));
    expect(loaded.sampleRate).toBe(16000);
    expect(maxAbsDiff(loaded.samples, y)).toBe(0);
  });

  it('espeak_8k_to_16k: 1->2 within 1e-5, via loadAudio', async () => {
    const json = join(RES, 'espeak_8k_to_16k.json');
    const j = readJson<{ output: BinDescriptor; input_num_samples: number }>(json);
    const loaded = await loadAudio(join(RES, '..', 'audio', 'espeak_en_us_8k.wav'));
    const ref = readBin(json, j.output).data;
    expect(loaded.samples.length).toBe(ref.length);
    expect(resampledLength(j.input_num_samples, 8000, 16000)).toBe(ref.length);
    const err = maxAbsDiff(loaded.samples, ref);
    console.log(`resample espeak 8000->16000: max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
  });
});

/** A deterministic test signal in [-1, 1). */
function signal(n: number, seed: number): Float32Array {
  return Float32Array.from(randomInts(n, -32768, 32767, seed), (v) => v / 32768);
}

describe('resampler properties', () => {
  it('output length is ceil(new * n / orig) after gcd reduction', () => {
    for (const [n, a, b] of [[0, 44100, 16000], [1, 44100, 16000], [441, 44100, 16000], [442, 44100, 16000], [7, 8000, 16000], [20, 3, 2], [19, 48000, 16000]]) {
      expect(resample(signal(n, 1), a, b).length).toBe(Math.ceil((b * n) / a));
      expect(resampledLength(n, a, b)).toBe(resample(signal(n, 1), a, b).length);
    }
  });

  it('equal rates give the input back unchanged (as torchaudio returns it)', () => {
    const x = signal(1000, 2);
    expect(maxAbsDiff(resample(x, 16000, 16000), x)).toBe(0);
  });

  it('passes a tone below the cutoff and removes one above the new Nyquist', () => {
    const tone = (f: number, rate: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));
    const rms = (x: Float64Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    const pass = resample(tone(1000, 44100, 44100), 44100, 16000).subarray(100, -100);
    const expected = Float32Array.from({ length: pass.length }, (_, i) => Math.sin((2 * Math.PI * 1000 * (i + 100)) / 16000));
    expect(maxAbsDiff(pass, expected)).toBeLessThan(2e-3);
    const stop = resample(tone(12000, 44100, 44100), 44100, 16000).subarray(100, -100);
    expect(rms(stop)).toBeLessThan(3e-3); // about -50 dB: a 6-zero-crossing Hann-windowed sinc
  });

  it('kernel: only taps inside the window are kept, each phase sums to about the cutoff gain', () => {
    const k = sincResampleKernel(44100, 16000);
    expect(k.orig).toBe(441);
    expect(k.new).toBe(160);
    expect(k.width).toBe(Math.ceil((6 * 441) / (160 * 0.99)));
    for (let j = 0; j < k.new; j++) {
      expect(k.lengths[j]).toBeGreaterThan(30);
      expect(k.lengths[j]).toBeLessThanOrEqual(35);
      let s = 0;
      for (let t = 0; t < k.lengths[j]; t++) s += k.taps[k.starts[j] + t];
      expect(Math.abs(s - 1)).toBeLessThan(0.01);
    }
  });

  it('streaming: chunks of any size (0 and 1 included) give exactly the whole-signal output', () => {
    const pairs: [number, number][] = [[44100, 16000], [8000, 16000], [48000, 16000], [22050, 16000], [16000, 8000], [3, 2], [11025, 16000], [16000, 16000], [1, 7]];
    for (const [a, b] of pairs) {
      for (const n of [0, 1, 5, 1000, 20011]) {
        const x = signal(n, n + a);
        const whole = resample(x, a, b);
        for (const seed of [1, 2]) {
          const sizes = randomInts(64, 0, Math.max(1, Math.floor(n / 5)), seed * 31 + n);
          const r = createResampler(a, b);
          const parts: Float64Array[] = [];
          let i = 0;
          for (let s = 0; i < n; s++) {
            const len = s < sizes.length ? sizes[s] : n - i;
            parts.push(r.accept(x.subarray(i, Math.min(n, i + len))));
            i += len;
          }
          parts.push(r.flush());
          const streamed = concatFloat(parts);
          expect(streamed.length).toBe(whole.length);
          expect(maxAbsDiff(streamed, whole)).toBe(0);
        }
      }
    }
  });

  it('streaming: output is emitted early (bounded latency), and use after flush is an error', () => {
    const r = createResampler(44100, 16000);
    const first = r.accept(signal(44100, 3));
    // Held back: one block of 441 inputs plus the filter's reach (~17 samples).
    expect(first.length).toBeGreaterThanOrEqual(16000 - 2 * 160);
    r.flush();
    expect(() => r.accept(new Float32Array(1))).toThrow(/after flush/);
    expect(() => createResampler(44100.5, 16000)).toThrow(/positive integer/);
  });

  it('throughput: 5 minutes of 44.1 kHz audio to 16 kHz in well under a few seconds', () => {
    const x = new Float32Array(44100 * 300);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.01) * 0.5 + ((i * 7919) % 101) / 1000;
    const t0 = performance.now();
    const y = resample(x, 44100, 16000);
    const s = (performance.now() - t0) / 1000;
    console.log(`resample throughput 44100->16000: ${(x.length / s / 1e6).toFixed(1)} M input samples/s (${(300 / s).toFixed(0)}x real time)`);
    expect(y.length).toBe(16000 * 300);
    expect(s).toBeLessThan(10);
  });
});
