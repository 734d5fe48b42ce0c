import FFT from 'fft.js';

/**
 * Computes the power (|X_k|^2) or magnitude spectrum of a real frame, bins 0..n/2 inclusive.
 * `n` may be any size: powers of two go straight to fft.js's real transform; other sizes (Kaldi's
 * round_to_power_of_two=false, torchaudio's n_fft=400) use Bluestein's chirp-z algorithm over a power-of-two
 * complex FFT, which keeps the cost O(n log n) and the result exact to float64 rounding.
 */
export interface RealSpectrum {
  readonly size: number;
  /** input: [size] real samples; output: [size/2 + 1] (floor) power or magnitude values. */
  compute(input: Float64Array, output: Float64Array, power: boolean): void;
}

export function createRealSpectrum(size: number): RealSpectrum {
  if (size >= 2 && (size & (size - 1)) === 0) return powerOfTwoSpectrum(size);
  return bluesteinSpectrum(size);
}

function powerOfTwoSpectrum(size: number): RealSpectrum {
  if (size < 8) return directRealSpectrum(size);
  // A real FFT of size N as one complex FFT of size N/2 over z[n] = x[2n] + i x[2n+1], then one split pass:
  // fft.js's own realTransform measured about twice as slow as its half-size complex transform here.
  const m = size >> 1;
  const fft = new FFT(m);
  const packed = new Float64Array(2 * m);
  const z = new Float64Array(2 * m);
  const twRe = new Float64Array(m + 1);
  const twIm = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    twRe[k] = Math.cos((2 * Math.PI * k) / size);
    twIm[k] = -Math.sin((2 * Math.PI * k) / size);
  }
  return {
    size,
    compute(input, output, power) {
      for (let i = 0; i < 2 * m; i++) packed[i] = input[i];
      fft.transform(z, packed);
      for (let k = 0; k <= m; k++) {
        const a = k === m ? 0 : k;
        const b = k === 0 ? 0 : m - k;
        const zr = z[2 * a];
        const zi = z[2 * a + 1];
        const cr = z[2 * b];
        const ci = -z[2 * b + 1];
        // even part E = (Z[k] + conj Z[m-k]) / 2, odd part O = (Z[k] - conj Z[m-k]) / 2i
        const er = 0.5 * (zr + cr);
        const ei = 0.5 * (zi + ci);
        const or = 0.5 * (zi - ci);
        const oi = -0.5 * (zr - cr);
        const wr = twRe[k];
        const wi = twIm[k];
        const re = er + wr * or - wi * oi;
        const im = ei + wr * oi + wi * or;
        const p = re * re + im * im;
        output[k] = power ? p : Math.sqrt(p);
      }
    },
  };
}

/** Tiny sizes (a Kaldi frame never is one): the DFT by definition. */
function directRealSpectrum(size: number): RealSpectrum {
  return {
    size,
    compute(input, output, power) {
      for (let k = 0; k <= size >> 1; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < size; n++) {
          const a = (-2 * Math.PI * k * n) / size;
          re += input[n] * Math.cos(a);
          im += input[n] * Math.sin(a);
        }
        const p = re * re + im * im;
        output[k] = power ? p : Math.sqrt(p);
      }
    },
  };
}

function bluesteinSpectrum(size: number): RealSpectrum {
  // X_k = conj(w_k) * sum_n (x_n conj(w_n)) w_{k-n}, with w_n = exp(i*pi*n^2/size): a convolution done by FFT.
  let m = 1;
  while (m < 2 * size - 1) m *= 2;
  const fft = new FFT(m);
  const chirpRe = new Float64Array(size);
  const chirpIm = new Float64Array(size);
  for (let n = 0; n < size; n++) {
    // n^2 mod 2*size keeps the angle small and exact for large n
    const angle = (Math.PI * ((n * n) % (2 * size))) / size;
    chirpRe[n] = Math.cos(angle);
    chirpIm[n] = Math.sin(angle);
  }
  const kernel = new Float64Array(2 * m);
  for (let n = 0; n < size; n++) {
    kernel[2 * n] = chirpRe[n];
    kernel[2 * n + 1] = chirpIm[n];
    if (n > 0) {
      kernel[2 * (m - n)] = chirpRe[n];
      kernel[2 * (m - n) + 1] = chirpIm[n];
    }
  }
  const kernelF = new Float64Array(2 * m);
  fft.transform(kernelF, kernel);
  const a = new Float64Array(2 * m);
  const aF = new Float64Array(2 * m);
  const conv = new Float64Array(2 * m);
  const half = size >> 1;
  return {
    size,
    compute(input, output, power) {
      a.fill(0);
      for (let n = 0; n < size; n++) {
        a[2 * n] = input[n] * chirpRe[n];
        a[2 * n + 1] = -input[n] * chirpIm[n];
      }
      fft.transform(aF, a);
      for (let k = 0; k < m; k++) {
        const re = aF[2 * k];
        const im = aF[2 * k + 1];
        const kr = kernelF[2 * k];
        const ki = kernelF[2 * k + 1];
        aF[2 * k] = re * kr - im * ki;
        aF[2 * k + 1] = re * ki + im * kr;
      }
      fft.inverseTransform(conv, aF);
      // |conj(w_k) * c_k| = |c_k|: the final chirp does not change the power.
      for (let k = 0; k <= half; k++) {
        const re = conv[2 * k];
        const im = conv[2 * k + 1];
        const p = re * re + im * im;
        output[k] = power ? p : Math.sqrt(p);
      }
    },
  };
}
