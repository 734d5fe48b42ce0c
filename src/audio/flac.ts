import { FLACDecoder } from '@wasm-audio-decoders/flac';
import type { ByteSource } from './source.js';
import { warnToStderr, type AudioData, type AudioStream, type WarningHandler } from './types.js';
import { fileError } from '../util/errors.js';
import { quietly } from './quiet.js';

/** FLAC's STREAMINFO block: what the stream holds. */
export interface FlacStreamInfo {
  sampleRate: number;
  numChannels: number;
  bitsPerSample: number;
  /** 0 when the encoder did not know it. */
  totalFrames: number;
}

/** Bytes from the file start through STREAMINFO: 'fLaC', a 4-byte block header, 34 bytes. */
export const FLAC_HEAD_BYTES = 42;

/** Parses the mandatory first metadata block of a native FLAC stream. */
export function parseFlacStreamInfo(b: Uint8Array, name: string): FlacStreamInfo {
  if (b.length < FLAC_HEAD_BYTES || (b[4] & 0x7f) !== 0) throw fileError(name, 'bad FLAC file: no STREAMINFO block');
  const s = 8; // STREAMINFO: block sizes (4), frame sizes (6), then 20 bits rate, 3 channels-1, 5 bps-1, 36 total.
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const numChannels = ((b[s + 12] >> 1) & 7) + 1;
  const bitsPerSample = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const totalFrames = (b[s + 13] & 0x0f) * 2 ** 32 + (((b[s + 14] << 24) | (b[s + 15] << 16) | (b[s + 16] << 8) | b[s + 17]) >>> 0);
  if (sampleRate === 0) throw fileError(name, 'bad FLAC header: sample rate 0');
  return { sampleRate, numChannels, bitsPerSample, totalFrames };
}

/**
 * The decoder hands out int / (2^(bits-1) - 1) in float32. Recover the integer (the float is within 0.25 of it for
 * up to 24 bits, measured) and rescale by 2^(bits-1), the torchaudio.load/sox convention (int16 / 32768).
 */
function rescale(channels: Float32Array[], bits: number): void {
  if (!(bits >= 4 && bits <= 24)) return;
  const decoderScale = 2 ** (bits - 1) - 1;
  const ours = 2 ** (bits - 1);
  for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i] * decoderScale) / ours;
}

interface DecoderErrorLike {
  message: string;
}

/**
 * Turns the decoder's error list and a short count into one error (nothing decoded) or one warning (some audio
 * lost): the decoder skips what it cannot parse without saying so, so the STREAMINFO total is checked too.
 */
function reportProblems(errors: DecoderErrorLike[], decoded: number, expected: number, name: string, warn: WarningHandler): void {
  const first = errors[0]?.message.split('\n')[0];
  if (decoded === 0) {
    if (first) throw fileError(name, `cannot decode FLAC data: ${first}`);
    throw fileError(name, expected > 0 ? `no audio samples (STREAMINFO says ${expected}: truncated or corrupt FLAC)` : 'no audio samples');
  }
  if (first) warn(`${name}: ${errors.length} FLAC decode error(s), first: ${first}`);
  if (expected > 0 && decoded < expected) {
    warn(`${name}: decoded ${decoded} of the ${expected} samples STREAMINFO announces (truncated or corrupt FLAC); using what was decoded`);
  }
}

/** Decodes a whole FLAC (native or Ogg FLAC) file. */
export async function decodeFlac(bytes: Uint8Array, name: string, warn: WarningHandler = warnToStderr): Promise<AudioData> {
  const decoder = new FLACDecoder();
  await decoder.ready;
  try {
    const r = await quietly(() => decoder.decodeFile(bytes));
    const native = bytes[0] === 0x66 && bytes.length >= FLAC_HEAD_BYTES; // 'fLaC' first, not Ogg FLAC
    reportProblems(r.errors, r.samplesDecoded, native ? parseFlacStreamInfo(bytes, name).totalFrames : 0, name, warn);
    rescale(r.channelData, r.bitDepth);
    return { sampleRate: r.sampleRate, channels: r.channelData.map((c) => c.subarray(0, r.samplesDecoded)) };
  } finally {
    decoder.free();
  }
}

/**
 * Native FLAC decoded as it is read: `head` holds the first bytes already taken from `src` (at least through
 * STREAMINFO); the rest is fed to the decoder `readBytes` (1 MiB) at a time. Memory: one read plus the decoded frames of it.
 */
export function flacStreamFromSource(
  src: ByteSource,
  head: Uint8Array,
  name: string,
  warn: WarningHandler = warnToStderr,
  readBytes = 1 << 20,
): AudioStream {
  const info = parseFlacStreamInfo(head, name);
  const chunks = async function* (): AsyncGenerator<Float32Array[], void, void> {
    const decoder = new FLACDecoder();
    try {
      await decoder.ready;
      let decodedTotal = 0;
      let errors: DecoderErrorLike[] = [];
      const take = (r: { channelData: Float32Array[]; samplesDecoded: number; errors: DecoderErrorLike[] }): Float32Array[] | null => {
        errors = errors.concat(r.errors);
        if (r.samplesDecoded === 0) return null;
        if (r.channelData.length !== info.numChannels) throw fileError(name, 'bad FLAC file: channel count changes mid-stream');
        decodedTotal += r.samplesDecoded;
        rescale(r.channelData, info.bitsPerSample);
        return r.channelData;
      };
      let piece = head;
      for (;;) {
        const out = take(await quietly(() => decoder.decode(piece)));
        if (out) yield out;
        piece = await src.read(readBytes);
        if (piece.length === 0) break;
      }
      const out = take(await quietly(() => decoder.flush()));
      if (out) yield out;
      reportProblems(errors, decodedTotal, info.totalFrames, name, warn);
    } finally {
      decoder.free();
      await src.close();
    }
  };
  return {
    name,
    sampleRate: info.sampleRate,
    numChannels: info.numChannels,
    frames: info.totalFrames || undefined,
    chunks,
    close: () => src.close(),
  };
}
