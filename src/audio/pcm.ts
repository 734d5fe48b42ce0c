import { ALAW_TO_INT16, MULAW_TO_INT16 } from './g711.js';
import { RAW_ENCODINGS, type RawEncoding, type RawPcmFormat, type SampleEncoding } from './types.js';
import { AsrError, fileError } from '../util/errors.js';

/** Bytes one sample of an encoding takes. */
export function bytesPerSample(encoding: SampleEncoding): number {
  switch (encoding) {
    case 'u8':
    case 'alaw':
    case 'mulaw':
      return 1;
    case 's16le':
      return 2;
    case 's24le':
      return 3;
    case 's32le':
    case 'f32le':
      return 4;
    case 'f64le':
      return 8;
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes interleaved little-endian PCM into per-channel floats with the torchaudio.load scaling
 * (int16 / 32768 exactly, u8 (v - 128) / 128, s24 / 2^23, s32 / 2^31, G.711 via its 16-bit expansion, floats as
 * stored). Only whole frames are decoded; a trailing partial frame is the caller's business.
 * Float samples must be finite: NaN or Inf throws naming `name` and the sample's frame index (counted from
 * `firstFrame`, for streamed reads) and channel.
 * @param bytes interleaved samples, [frames, numChannels] of `encoding`
 * @returns [numChannels][frames]
 */
export function decodePcm(
  bytes: Uint8Array,
  encoding: SampleEncoding,
  numChannels: number,
  name: string,
  firstFrame = 0,
): Float32Array[] {
  const bps = bytesPerSample(encoding);
  const frames = Math.floor(bytes.length / (bps * numChannels));
  const out: Float32Array[] = [];
  for (let c = 0; c < numChannels; c++) out.push(new Float32Array(frames));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stride = bps * numChannels;
  for (let c = 0; c < numChannels; c++) {
    const dst = out[c];
    let p = c * bps;
    switch (encoding) {
      case 'u8':
        for (let i = 0; i < frames; i++, p += stride) dst[i] = (bytes[p] - 128) / 128;
        break;
      case 'alaw':
        for (let i = 0; i < frames; i++, p += stride) dst[i] = ALAW_TO_INT16[bytes[p]] / 32768;
        break;
      case 'mulaw':
        for (let i = 0; i < frames; i++, p += stride) dst[i] = MULAW_TO_INT16[bytes[p]] / 32768;
        break;
      case 's16le':
        if (LITTLE_ENDIAN_HOST && (bytes.byteOffset & 1) === 0) {
          // aligned: read through an Int16Array view (several times faster than DataView per sample)
          const src = new Int16Array(bytes.buffer, bytes.byteOffset, frames * numChannels);
          for (let i = 0, q = c; i < frames; i++, q += numChannels) dst[i] = src[q] / 32768;
        } else {
          for (let i = 0; i < frames; i++, p += stride) dst[i] = view.getInt16(p, true) / 32768;
        }
        break;
      case 's24le':
        for (let i = 0; i < frames; i++, p += stride) {
          // Sign-extend the 24-bit value through the top byte.
          const v = bytes[p] | (bytes[p + 1] << 8) | (((bytes[p + 2] << 24) >> 24) << 16);
          dst[i] = v / 8388608;
        }
        break;
      case 's32le':
        // / 2^31 in float64 then one rounding to float32, as torchaudio divides int32 values.
        for (let i = 0; i < frames; i++, p += stride) dst[i] = view.getInt32(p, true) / 2147483648;
        break;
      case 'f32le':
      case 'f64le': {
        const f64 = encoding === 'f64le';
        for (let i = 0; i < frames; i++, p += stride) {
          const v = f64 ? view.getFloat64(p, true) : view.getFloat32(p, true);
          if (!Number.isFinite(v)) {
            throw fileError(name, `non-finite sample (${v}) at frame ${firstFrame + i}${numChannels > 1 ? `, channel ${c}` : ''}`);
          }
          dst[i] = v;
        }
        break;
      }
    }
  }
  return out;
}

/** Checks a user-given headerless PCM layout (e.g. from CLI flags), naming what is wrong. */
export function validateRawFormat(raw: RawPcmFormat): RawPcmFormat {
  if (!RAW_ENCODINGS.includes(raw.encoding as RawEncoding)) {
    throw new AsrError(`raw PCM encoding '${String(raw.encoding)}' is not one of ${RAW_ENCODINGS.join(', ')}`);
  }
  if (!Number.isInteger(raw.sampleRate) || raw.sampleRate <= 0) {
    throw new AsrError(`raw PCM sample rate must be a positive integer, got ${raw.sampleRate}`);
  }
  if (!Number.isInteger(raw.channels) || raw.channels <= 0 || raw.channels > 65535) {
    throw new AsrError(`raw PCM channel count must be a positive integer, got ${raw.channels}`);
  }
  return raw;
}
