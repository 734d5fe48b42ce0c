import { describe, expect, it } from 'vitest';
import { createRealSpectrum } from '../src/features/spectrum.js';

/** Direct O(n^2) DFT power, the definition the fast paths must agree with. */
function naivePower(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array((n >> 1) + 1);
  for (let k = 0; k < out.length; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      re += x[j] * Math.cos((2 * Math.PI * j * k) / n);
      im -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('real spectrum', () => {
  for (const n of [2, 8, 512, 400, 7, 201, 1000]) {
    it(`matches the direct DFT for n=${n}`, () => {
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) + (i % 5) * 0.1 - 0.2;
      const got = new Float64Array((n >> 1) + 1);
      createRealSpectrum(n).compute(x, got, true);
      const want = naivePower(x);
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-9 * (1 + want[k]));
      const mag = new Float64Array(want.length);
      createRealSpectrum(n).compute(x, mag, false);
      for (let k = 0; k < want.length; k++) expect(mag[k]).toBeCloseTo(Math.sqrt(want[k]), 9);
    });
  }
});
