import type { FeatureMatrix } from './matrix.js';

/**
 * NumPy .npy (format 1.0) bytes for a float32 [frames, dim] matrix, little-endian, C order: `numpy.load` reads it.
 */
export function matrixToNpy(m: FeatureMatrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.numFrames}, ${m.dim}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + m.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  out.set(body, 10 + header.length);
  return out;
}
