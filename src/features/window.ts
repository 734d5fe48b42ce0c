import type { WindowType } from './options.js';

/**
 * Kaldi's analysis windows of `size` samples (feature-window.cc; torchaudio.compliance.kaldi builds the same).
 * All are symmetric: the cosine period is size - 1. Povey is Hann raised to 0.85.
 */
export function featureWindow(type: WindowType, size: number, blackmanCoeff = 0.42): Float64Array {
  const w = new Float64Array(size);
  const a = (2 * Math.PI) / (size - 1);
  for (let i = 0; i < size; i++) {
    const hann = 0.5 - 0.5 * Math.cos(a * i);
    switch (type) {
      case 'hanning':
        w[i] = hann;
        break;
      case 'povey':
        w[i] = Math.pow(hann, 0.85);
        break;
      case 'hamming':
        w[i] = 0.54 - 0.46 * Math.cos(a * i);
        break;
      case 'rectangular':
        w[i] = 1;
        break;
      case 'blackman':
        w[i] = blackmanCoeff - 0.5 * Math.cos(a * i) + (0.5 - blackmanCoeff) * Math.cos(2 * a * i);
        break;
    }
  }
  return w;
}

/** Periodic Hann window (torch.hann_window(size, periodic=True)), used by the torchaudio.transforms convention. */
export function periodicHannWindow(size: number): Float64Array {
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  return w;
}
