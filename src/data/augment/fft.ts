import FFT from 'fft.js';

/** Smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** A real-input FFT of one power-of-two size, with its buffers. Spectra are interleaved [re, im] x size. */
export interface RealFft {
  readonly size: number;
  /** input: [<= size] real (zero-padded); returns the full complex spectrum [2 * size] (a buffer reused per call). */
  forward(input: ArrayLike<number>): Float64Array;
  /** spectrum: [2 * size] complex, Hermitian; returns the real part of the inverse [size] (reused buffer). */
  inverse(spectrum: Float64Array): Float64Array;
}

export function createRealFft(size: number): RealFft {
  const fft = new FFT(size);
  const input = new Float64Array(size);
  const spec = new Float64Array(2 * size);
  const time = new Float64Array(2 * size);
  const real = new Float64Array(size);
  return {
    size,
    forward(x) {
      input.fill(0);
      const n = Math.min(size, x.length);
      for (let i = 0; i < n; i++) input[i] = x[i];
      fft.realTransform(spec, input);
      fft.completeSpectrum(spec);
      return spec;
    },
    inverse(s) {
      // fft.js's inverse divides by size
      fft.inverseTransform(time, s);
      for (let i = 0; i < size; i++) real[i] = time[2 * i];
      return real;
    },
  };
}

/**
 * Linear convolution y = x * h by one FFT of the full length (x up to a few minutes at 16 kHz: 2^23 points at
 * most, which fft.js handles in well under a second).
 * @param x [n]  @param h [m]  @returns [n + m - 1]
 */
export function fftConvolve(x: Float32Array, h: Float32Array): Float32Array {
  const len = x.length + h.length - 1;
  const f = createRealFft(nextPow2(len));
  const X = Float64Array.from(f.forward(x));
  const H = f.forward(h);
  for (let k = 0; k < f.size; k++) {
    const re = X[2 * k] * H[2 * k] - X[2 * k + 1] * H[2 * k + 1];
    const im = X[2 * k] * H[2 * k + 1] + X[2 * k + 1] * H[2 * k];
    X[2 * k] = re;
    X[2 * k + 1] = im;
  }
  const y = f.inverse(X);
  return Float32Array.from(y.subarray(0, len));
}
