/**
 * Decoded audio: one array per channel, all of the same length, floats as `torchaudio.load` gives them
 * (int16 / 32768 exactly; 8-bit unsigned (v - 128) / 128; 24-bit / 2^23; 32-bit int / 2^31; floats as stored).
 */
export interface AudioData {
  sampleRate: number;
  /** [numChannels][numFrames] */
  channels: Float32Array[];
}

/** Sample encodings of headerless PCM (all little-endian; u8 is unsigned with 128 as zero). */
export const RAW_ENCODINGS = ['s16le', 's24le', 's32le', 'f32le', 'f64le', 'u8'] as const;
export type RawEncoding = (typeof RAW_ENCODINGS)[number];

/** Sample encodings the decoder reads: the raw ones plus G.711 a-law and mu-law (from WAV only). */
export type SampleEncoding = RawEncoding | 'alaw' | 'mulaw';

/** Layout of headerless PCM, which the user must give since the bytes cannot tell. */
export interface RawPcmFormat {
  encoding: RawEncoding;
  sampleRate: number;
  channels: number;
}

/** Receives non-fatal problems (e.g. a truncated data chunk read as far as it goes). */
export type WarningHandler = (message: string) => void;

export interface DecodeOptions {
  /** Treat the input as headerless PCM of this layout instead of detecting the format. */
  raw?: RawPcmFormat;
  /** Where warnings go; default: one `asr: warning: ...` line on stderr. */
  onWarning?: WarningHandler;
}

/**
 * Audio read incrementally. `chunks()` yields [numChannels][n] blocks in order (n varies, never 0) and closes the
 * input when it ends or the loop is left; call `close()` if you never iterate.
 */
export interface AudioStream {
  /** The file name (or `<stdin>`) used in error messages. */
  name: string;
  sampleRate: number;
  numChannels: number;
  /** Frames the header announces, when it does (WAV: capped by the file size; FLAC: STREAMINFO). */
  frames?: number;
  chunks(): AsyncGenerator<Float32Array[], void, void>;
  close(): Promise<void>;
}

/** The default warning sink: one line on stderr, as the CLI prints errors. */
export function warnToStderr(message: string): void {
  process.stderr.write(`asr: warning: ${message}\n`);
}
