/**
 * ITU-T G.711 a-law and mu-law expansion to 16-bit linear values (as sox and torchaudio decode them; divide by
 * 32768 for floats). Tables of all 256 codes, built once.
 */

function alawToLinear(code: number): number {
  const a = code ^ 0x55; // even bits are inverted on the wire
  const exponent = (a >> 4) & 7;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function mulawToLinear(code: number): number {
  const u = ~code & 0xff; // all bits are inverted on the wire
  const exponent = (u >> 4) & 7;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

function table(f: (code: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let c = 0; c < 256; c++) t[c] = f(c);
  return t;
}

/** [256] 16-bit linear value of each a-law code. */
export const ALAW_TO_INT16 = table(alawToLinear);
/** [256] 16-bit linear value of each mu-law code. */
export const MULAW_TO_INT16 = table(mulawToLinear);
