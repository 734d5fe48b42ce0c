import { promises as fsp } from 'node:fs';
import { bufferSource, ioError } from './source.js';
import { rawStreamFromSource, wavStreamFromSource } from './pcm-stream.js';
import { sniffFormat, type AudioFormat } from './sniff.js';
import { decodeFlac } from './flac.js';
import { decodeMp3, decodeOpus, decodeVorbis } from './lossy.js';
import { resample, type ResampleOptions } from './resample.js';
import { warnToStderr, type AudioData, type AudioStream, type DecodeOptions } from './types.js';
import { fileError } from '../util/errors.js';

/** Reads a whole stream into memory. @returns channels [numChannels][frames] */
export async function collectStream(stream: AudioStream): Promise<AudioData> {
  const parts: Float32Array[][] = [];
  let frames = 0;
  for await (const chunk of stream.chunks()) {
    parts.push(chunk);
    frames += chunk[0].length;
  }
  const channels: Float32Array[] = [];
  for (let c = 0; c < stream.numChannels; c++) {
    const ch = new Float32Array(frames);
    let o = 0;
    for (const p of parts) {
      ch.set(p[c], o);
      o += p[c].length;
    }
    channels.push(ch);
  }
  return { sampleRate: stream.sampleRate, channels };
}

/** Throws the one-line error for audio without a single frame. */
export function requireSamples(audio: AudioData, name: string): AudioData {
  if (audio.channels.length === 0 || audio.channels[0].length === 0) throw fileError(name, 'no audio samples');
  return audio;
}

/** The format of a file from its first bytes, or the one-line error saying why it is not audio we read. */
export function detectFormat(head: Uint8Array, name: string): AudioFormat {
  if (head.length === 0) throw fileError(name, 'empty file');
  const sniffed = sniffFormat(head);
  if ('unknown' in sniffed) throw fileError(name, 'not an audio file (unrecognised header)');
  if ('unsupported' in sniffed) throw fileError(name, `unsupported audio format: ${sniffed.unsupported}`);
  return sniffed.format;
}

/**
 * Decodes audio held in memory. The format comes from the first bytes (WAV: PCM 8/16/24/32-bit, float 32/64-bit,
 * G.711 a-law/mu-law, WAVE_FORMAT_EXTENSIBLE, RF64; FLAC and Ogg FLAC; MP3; Ogg Opus; Ogg Vorbis), never from
 * `name`, which only labels errors. With `opts.raw` the bytes are headerless PCM of that layout.
 */
export async function decodeAudio(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): Promise<AudioData> {
  const warn = opts.onWarning ?? warnToStderr;
  if (opts.raw) return requireSamples(await collectStream(rawStreamFromSource(bufferSource(bytes), name, opts.raw, opts)), name);
  let audio: AudioData;
  switch (detectFormat(bytes, name)) {
    case 'wav':
      audio = await collectStream(await wavStreamFromSource(bufferSource(bytes), name, opts));
      break;
    case 'flac':
    case 'ogg-flac':
      audio = await decodeFlac(bytes, name, warn);
      break;
    case 'mp3':
      audio = await decodeMp3(bytes, name, warn);
      break;
    case 'opus':
      audio = await decodeOpus(bytes, name, warn);
      break;
    case 'vorbis':
      audio = await decodeVorbis(bytes, name, warn);
      break;
  }
  return requireSamples(audio, name);
}

/** Reads and decodes a whole audio file (see {@link decodeAudio}); errors name `path`. */
export async function readAudio(path: string, opts: DecodeOptions = {}): Promise<AudioData> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw ioError(path, e);
  }
  return decodeAudio(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, opts);
}

/**
 * Every channel resampled to `targetRate` (torchaudio sinc_interpolation), rounded to float32 as AudioData holds;
 * the same object if already there. For float64 output use {@link resample} or loadAudio.
 */
export function resampleAudio(audio: AudioData, targetRate: number, options?: ResampleOptions): AudioData {
  if (audio.sampleRate === targetRate) return audio;
  return {
    sampleRate: targetRate,
    channels: audio.channels.map((c) => Float32Array.from(resample(c, audio.sampleRate, targetRate, options))),
  };
}
