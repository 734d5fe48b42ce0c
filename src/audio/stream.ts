import type { Readable } from 'node:stream';
import { fileSource, prependSource, readableSource, readRest, type ByteSource } from './source.js';
import { rawStreamFromSource, wavStreamFromSource, type PcmStreamOptions } from './pcm-stream.js';
import { SNIFF_BYTES, type AudioFormat } from './sniff.js';
import { flacStreamFromSource } from './flac.js';
import { decodeAudio, detectFormat } from './decode.js';
import { checkChannel, monoOf } from './mix.js';
import { createResampler, type ResampleOptions } from './resample.js';
import { warnToStderr, type AudioData, type AudioStream, type DecodeOptions } from './types.js';
import { fileError } from '../util/errors.js';

/** Where audio comes from: a file path (`-` is standard input) or a Node Readable of WAV or raw PCM bytes. */
export type AudioInput = string | Readable;

export interface OpenAudioOptions extends DecodeOptions, PcmStreamOptions {
  /** Name for messages when the input is a Readable (default `<stream>`; `<stdin>` for `-`). */
  name?: string;
}

/** Frames per chunk when a decoded-in-memory file is handed out as a stream. */
const MEMORY_CHUNK_FRAMES = 1 << 16;

/** An already decoded signal, served as a stream. */
export function memoryStream(audio: AudioData, name: string, chunkFrames = MEMORY_CHUNK_FRAMES): AudioStream {
  const n = audio.channels[0]?.length ?? 0;
  return {
    name,
    sampleRate: audio.sampleRate,
    numChannels: audio.channels.length,
    frames: n,
    async *chunks() {
      for (let i = 0; i < n; i += chunkFrames) yield audio.channels.map((c) => c.subarray(i, Math.min(n, i + chunkFrames)));
    },
    async close() {},
  };
}

function sourceOf(input: AudioInput, opts: OpenAudioOptions): Promise<{ src: ByteSource; name: string }> | { src: ByteSource; name: string } {
  if (typeof input !== 'string') return { src: readableSource(input, opts.name ?? '<stream>'), name: opts.name ?? '<stream>' };
  if (input === '-') return { src: readableSource(process.stdin, '<stdin>'), name: opts.name ?? '<stdin>' };
  return fileSource(input).then((src) => ({ src, name: input }));
}

/**
 * Opens audio for incremental reading. WAV (any layout we decode), headerless PCM (`raw`) and native FLAC are read
 * and decoded piece by piece, never held whole; MP3, Ogg Opus/Vorbis/FLAC and ID3-tagged files are read and decoded
 * whole first (their decoders here work on complete files), then served in chunks. The same holds for a Readable
 * (stdin): WAV, raw PCM and native FLAC flow through as they arrive; other formats are collected until its end.
 */
export async function openAudioStream(input: AudioInput, opts: OpenAudioOptions = {}): Promise<AudioStream> {
  const { src, name } = await sourceOf(input, opts);
  if (opts.raw) return rawStreamFromSource(src, name, opts.raw, opts);
  let head: Uint8Array;
  try {
    head = await src.read(SNIFF_BYTES);
  } catch (e) {
    await src.close();
    throw e;
  }
  let format: AudioFormat;
  try {
    format = detectFormat(head, name);
  } catch (e) {
    await src.close();
    throw e;
  }
  if (format === 'wav') return wavStreamFromSource(prependSource(head, src), name, opts);
  // Stream native FLAC when fLaC opens the file (not behind an ID3 tag).
  if (format === 'flac' && head[0] === 0x66) return flacStreamFromSource(src, head, name, opts.onWarning ?? warnToStderr, opts.readBytes);
  let bytes: Uint8Array;
  try {
    bytes = await readRest(src, head);
  } finally {
    await src.close();
  }
  return memoryStream(await decodeAudio(bytes, name, opts), name);
}

export interface AudioChunksOptions extends OpenAudioOptions {
  /** Length of each yielded chunk in seconds at the output rate (the last may be shorter). Default 10. */
  chunkSeconds?: number;
  /** Output sample rate; null keeps the file's. Default 16000. */
  targetRate?: number | null;
  /** Take this channel (0-based) instead of the mean of all channels. */
  channel?: number;
  resample?: ResampleOptions;
}

/**
 * Mono chunks of an audio input at `targetRate`: the mean of the channels (or one `channel`), resampled with the
 * streaming torchaudio-equivalent resampler, cut into chunks of exactly chunkSeconds (the last one shorter), in
 * float64 like loadAudio. Concatenated, they equal loadAudio's samples. Memory is bounded for the formats
 * {@link openAudioStream} streams. Throws `no audio samples` (naming the input) when there is none.
 * @yields [round(chunkSeconds * rate)] samples
 */
export async function* audioChunks(input: AudioInput, opts: AudioChunksOptions = {}): AsyncGenerator<Float64Array, void, void> {
  const stream = await openAudioStream(input, opts);
  const chunkSeconds = opts.chunkSeconds ?? 10;
  if (!(chunkSeconds > 0)) {
    await stream.close();
    throw fileError(stream.name, `chunk length must be positive, got ${chunkSeconds} s`);
  }
  try {
    checkChannel(opts.channel, stream.numChannels, stream.name);
  } catch (e) {
    await stream.close();
    throw e;
  }
  const target = opts.targetRate === undefined ? 16000 : opts.targetRate;
  const rate = target ?? stream.sampleRate;
  const resampler = rate === stream.sampleRate ? null : createResampler(stream.sampleRate, rate, opts.resample);
  const size = Math.max(1, Math.round(chunkSeconds * rate));
  let pending = new Float64Array(size);
  let filled = 0;

  // Copies y into the pending chunk; returns the full chunks it completed.
  const collect = (y: Float32Array | Float64Array): Float64Array[] => {
    const full: Float64Array[] = [];
    let i = 0;
    // locals, not the captured `pending`/`filled`, inside the per-sample loop (context slots are not registerized)
    let buf = pending;
    let at = filled;
    while (i < y.length) {
      const k = Math.min(size - at, y.length - i);
      // an explicit loop: TypedArray.set across element types (float32 -> float64) measured slower in V8
      for (let j = 0; j < k; j++) buf[at + j] = y[i + j];
      at += k;
      i += k;
      if (at === size) {
        full.push(buf);
        buf = new Float64Array(size);
        at = 0;
      }
    }
    pending = buf;
    filled = at;
    return full;
  };

  let frames = 0;
  for await (const chunk of stream.chunks()) {
    frames += chunk[0].length;
    const mono = monoOf(chunk, opts.channel, stream.name);
    const y = resampler ? resampler.accept(mono) : mono;
    yield* collect(y);
  }
  if (frames === 0) throw fileError(stream.name, 'no audio samples');
  if (resampler) {
    const y = resampler.flush();
    yield* collect(y);
  }
  if (filled > 0) yield pending.slice(0, filled);
}
