import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { id3Size, isMpegFrameHeader } from './sniff.js';
import { warnToStderr, type AudioData, type WarningHandler } from './types.js';
import { fileError } from '../util/errors.js';
import { quietly } from './quiet.js';

/** Lossy codecs, decoded whole by their WASM decoders (samples as the decoder gives them, floats in [-1, 1]). */

interface Decoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

function finish(r: Decoded, codec: string, name: string, warn: WarningHandler, keepChannels?: number): AudioData {
  const first = r.errors[0]?.message.split('\n')[0];
  if (r.samplesDecoded === 0 || r.sampleRate === 0) {
    throw fileError(name, first ? `cannot decode ${codec} data: ${first}` : `no audio samples (${codec} stream decoded to nothing)`);
  }
  if (first) warn(`${name}: ${r.errors.length} ${codec} decode error(s), first: ${first}`);
  const channels = r.channelData.slice(0, keepChannels ?? r.channelData.length).map((c) => c.subarray(0, r.samplesDecoded));
  return { sampleRate: r.sampleRate, channels };
}

/** Channel count of the first MPEG audio frame (1 for mono, else 2): mpg123-decoder always returns two. */
function mpegChannels(bytes: Uint8Array): number {
  const start = id3Size(bytes);
  // The first frame may follow some padding or junk; look a little way.
  for (let i = start; i < Math.min(bytes.length - 4, start + 65536); i++) {
    if (isMpegFrameHeader(bytes, i)) return bytes[i + 3] >> 6 === 3 ? 1 : 2;
  }
  return 2;
}

export async function decodeMp3(bytes: Uint8Array, name: string, warn: WarningHandler = warnToStderr): Promise<AudioData> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    return finish(quietly(() => decoder.decode(bytes)), 'MP3', name, warn, mpegChannels(bytes));
  } finally {
    decoder.free();
  }
}

/** Ogg Opus always decodes at 48 kHz (the rate in OpusHead is only the original's, informative). */
export async function decodeOpus(bytes: Uint8Array, name: string, warn: WarningHandler = warnToStderr): Promise<AudioData> {
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  try {
    return finish(await quietly(() => decoder.decodeFile(bytes)), 'Opus', name, warn);
  } finally {
    decoder.free();
  }
}

export async function decodeVorbis(bytes: Uint8Array, name: string, warn: WarningHandler = warnToStderr): Promise<AudioData> {
  const decoder = new OggVorbisDecoder();
  await decoder.ready;
  try {
    return finish(await quietly(() => decoder.decodeFile(bytes)), 'Vorbis', name, warn);
  } finally {
    decoder.free();
  }
}
