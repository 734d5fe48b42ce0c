/**
 * Second-order IIR sections from the RBJ Audio EQ Cookbook, run in float64 (direct form I). Used for the
 * telephone band and noise colouring.
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** Butterworth-Q (1/sqrt 2) low- or high-pass at `cutoff` Hz. */
export function butterworth(kind: 'lowpass' | 'highpass', cutoff: number, sampleRate: number): Biquad {
  const w0 = (2 * Math.PI * cutoff) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const a0 = 1 + alpha;
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Filters `x` through the sections in turn; returns a new array. @param x [n] @returns [n] */
export function filterBiquads(x: Float32Array, sections: Biquad[]): Float32Array {
  const y = new Float64Array(x);
  for (const s of sections) {
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < y.length; i++) {
      const x0 = y[i];
      const y0 = s.b0 * x0 + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
      x2 = x1;
      x1 = x0;
      y2 = y1;
      y1 = y0;
      y[i] = y0;
    }
  }
  return Float32Array.from(y);
}
