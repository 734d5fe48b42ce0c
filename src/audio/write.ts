import { writeFileAtomic } from '../util/fs.js';
import { AsrError, fileError } from '../util/errors.js';

export interface WriteWavOptions {
  /** 'pcm16' (default): 16-bit integer, round(x * 32768) clipped; 'float32': IEEE float as given. */
  encoding?: 'pcm16' | 'float32';
}

/** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs (bytes 0..1 are the format tag). */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/**
 * Encodes a RIFF WAVE file in memory. pcm16 rounds x * 32768 and clips to [-32768, 32767], so int16/32768 floats
 * come back bit-exact through decodeAudio. Mono and stereo get the canonical header (PCM: 44 bytes; float: fmt of 18
 * bytes plus a fact chunk, as the spec asks for non-PCM); more channels get WAVE_FORMAT_EXTENSIBLE with the right
 * sub-format (wavefile's writer marks every extensible file as integer PCM, so the header is written here).
 * @param samples [n] mono, or [numChannels][n]
 */
export function encodeWav(samples: Float32Array | Float64Array | (Float32Array | Float64Array)[], sampleRate: number, opts: WriteWavOptions = {}): Uint8Array {
  const channels = Array.isArray(samples) ? samples : [samples];
  const k = channels.length;
  if (k === 0 || k > 65535) throw new AsrError(`writeWav: cannot write ${k} channels`);
  const n = channels[0].length;
  if (channels.some((c) => c.length !== n)) throw new AsrError('writeWav: channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new AsrError(`writeWav: sample rate must be a positive integer, got ${sampleRate}`);
  }
  const float = (opts.encoding ?? 'pcm16') === 'float32';
  const bytesPer = float ? 4 : 2;
  const dataBytes = n * k * bytesPer;
  const extensible = k > 2;
  const fmtBytes = extensible ? 40 : float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  if (headerBytes - 8 + dataBytes > 0xffffffff) throw new AsrError('writeWav: audio too long for a RIFF WAV file (4 GiB)');
  const out = new Uint8Array(headerBytes + dataBytes);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  const formatTag = float ? 3 : 1;
  tag(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, fmtBytes, true);
  v.setUint16(20, extensible ? 0xfffe : formatTag, true);
  v.setUint16(22, k, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * k * bytesPer, true);
  v.setUint16(32, k * bytesPer, true);
  v.setUint16(34, bytesPer * 8, true);
  let p = 36;
  if (fmtBytes > 16) {
    v.setUint16(36, fmtBytes - 18, true); // cbSize
    p = 38;
    if (extensible) {
      v.setUint16(38, bytesPer * 8, true); // valid bits
      v.setUint32(40, 0, true); // channel mask: no speaker positions claimed
      v.setUint16(44, formatTag, true);
      out.set(SUBTYPE_GUID_TAIL, 46);
      p = 60;
    }
  }
  if (float) {
    tag(p, 'fact');
    v.setUint32(p + 4, 4, true);
    v.setUint32(p + 8, n, true);
    p += 12;
  }
  tag(p, 'data');
  v.setUint32(p + 4, dataBytes, true);
  p += 8;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++, p += bytesPer) {
      const x = channels[c][i];
      if (!Number.isFinite(x)) throw new AsrError(`writeWav: sample ${i} of channel ${c} is not finite (${x})`);
      if (float) v.setFloat32(p, x, true);
      else v.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
    }
  }
  return out;
}

/** Writes a WAV file atomically (temporary file + rename): readers never see half a file. */
export async function writeWav(
  path: string,
  samples: Float32Array | Float64Array | (Float32Array | Float64Array)[],
  sampleRate: number,
  opts: WriteWavOptions = {},
): Promise<void> {
  const bytes = encodeWav(samples, sampleRate, opts);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw fileError(path, `cannot write: ${(e as Error).message}`, e);
  }
}
