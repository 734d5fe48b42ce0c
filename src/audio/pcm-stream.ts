import { bytesPerSample, decodePcm, validateRawFormat } from './pcm.js';
import { readWavHeader, type WavHeader } from './wav-header.js';
import { fileSource, type ByteSource } from './source.js';
import { warnToStderr, type AudioStream, type RawPcmFormat, type SampleEncoding, type WarningHandler } from './types.js';

export interface PcmStreamOptions {
  /** Largest single read, in bytes (rounded down to whole frames, at least one frame). Default 1 MiB. */
  readBytes?: number;
  onWarning?: WarningHandler;
}

/** A WAV stream also tells what its header said. */
export interface WavStream extends AudioStream {
  header: WavHeader;
}

const DEFAULT_READ_BYTES = 1 << 20;

/**
 * Interleaved PCM from `src`, `limit` bytes at most (undefined: to the end), in reads of bounded size.
 * Yields [numChannels][n] floats.
 */
function pcmChunks(
  src: ByteSource,
  name: string,
  encoding: SampleEncoding,
  numChannels: number,
  limit: number | undefined,
  opts: PcmStreamOptions,
): AsyncGenerator<Float32Array[], void, void> {
  const blockAlign = bytesPerSample(encoding) * numChannels;
  const perRead = Math.max(1, Math.floor((opts.readBytes ?? DEFAULT_READ_BYTES) / blockAlign)) * blockAlign;
  const warn = opts.onWarning ?? warnToStderr;
  return (async function* () {
    let left = limit ?? Infinity;
    let frame = 0;
    // Bytes of a frame split across two reads (only a live stream splits frames; file reads are whole frames).
    let carry = new Uint8Array(0);
    try {
      while (left > 0) {
        const piece = await src.readSome(Math.min(perRead, left));
        if (piece.length === 0) break;
        left -= piece.length;
        let bytes = piece;
        if (carry.length > 0) {
          bytes = new Uint8Array(carry.length + piece.length);
          bytes.set(carry);
          bytes.set(piece, carry.length);
        }
        const whole = bytes.length - (bytes.length % blockAlign);
        carry = bytes.slice(whole);
        if (whole > 0) {
          const chunk = decodePcm(bytes.subarray(0, whole), encoding, numChannels, name, frame);
          frame += chunk[0].length;
          yield chunk;
        }
      }
      if (carry.length > 0) warn(`${name}: audio data ends with a partial frame (${carry.length} byte(s) ignored)`);
    } finally {
      await src.close();
    }
  })();
}

/**
 * Reads a WAV header from `src` and streams its samples. When the data chunk claims more bytes than the input holds
 * (a truncated file), it warns and reads what is there, as sox and Kaldi do; for a stream (stdin) the size cannot
 * be checked up front and the read simply stops at the end, since streaming writers often put a placeholder there.
 */
export async function wavStreamFromSource(src: ByteSource, name: string, opts: PcmStreamOptions = {}): Promise<WavStream> {
  let header: WavHeader;
  try {
    header = await readWavHeader(src, name);
  } catch (e) {
    await src.close();
    throw e;
  }
  const remaining = src.remaining();
  let limit = header.dataBytes;
  if (remaining !== undefined) {
    if (limit !== undefined && limit > remaining) {
      (opts.onWarning ?? warnToStderr)(
        `${name}: truncated WAV data chunk: header says ${limit} bytes, the file holds ${remaining}; reading what is there`,
      );
    }
    limit = Math.min(limit ?? remaining, remaining);
  }
  const { encoding, numChannels, blockAlign } = header;
  return {
    name,
    header,
    sampleRate: header.sampleRate,
    numChannels,
    frames: limit === undefined ? undefined : Math.floor(limit / blockAlign),
    chunks: () => pcmChunks(src, name, encoding, numChannels, limit, opts),
    close: () => src.close(),
  };
}

/**
 * Opens a WAV file for incremental reading: the RIFF header is parsed here (fmt, extensible, RF64 ds64, data) and
 * samples come in chunks from fs reads of at most `readBytes`, so a long file is never held whole.
 */
export async function openWavStream(path: string, opts: PcmStreamOptions = {}): Promise<WavStream> {
  return wavStreamFromSource(await fileSource(path), path, opts);
}

/** Headerless PCM of a user-given layout, streamed from `src`. */
export function rawStreamFromSource(src: ByteSource, name: string, raw: RawPcmFormat, opts: PcmStreamOptions = {}): AudioStream {
  validateRawFormat(raw);
  const remaining = src.remaining();
  const blockAlign = bytesPerSample(raw.encoding) * raw.channels;
  return {
    name,
    sampleRate: raw.sampleRate,
    numChannels: raw.channels,
    frames: remaining === undefined ? undefined : Math.floor(remaining / blockAlign),
    chunks: () => pcmChunks(src, name, raw.encoding, raw.channels, undefined, opts),
    close: () => src.close(),
  };
}
