/**
 * DCT-II with orthonormal scaling as a [nMels, nCeps] matrix (torchaudio.functional.create_dct(nCeps, nMels,
 * 'ortho')): mfcc = logmel @ dct. Kaldi's MFCC DCT is the same matrix (its first column is the constant sqrt(1/nMels)).
 */
export function orthoDctMatrix(nCeps: number, nMels: number): Float64Array {
  const m = new Float64Array(nMels * nCeps);
  for (let n = 0; n < nMels; n++) {
    for (let k = 0; k < nCeps; k++) {
      const scale = k === 0 ? Math.sqrt(1 / nMels) : Math.sqrt(2 / nMels);
      m[n * nCeps + k] = scale * Math.cos((Math.PI / nMels) * (n + 0.5) * k);
    }
  }
  return m;
}

/** Kaldi's cepstral lifter: 1 + Q/2 sin(pi i / Q), i = 0..numCeps-1. */
export function cepstralLifter(numCeps: number, q: number): Float64Array {
  const l = new Float64Array(numCeps);
  for (let i = 0; i < numCeps; i++) l[i] = 1 + 0.5 * q * Math.sin((Math.PI * i) / q);
  return l;
}
