import { readAudio } from './decode.js';
import { monoOf } from './mix.js';
import { resample, type ResampleOptions } from './resample.js';
import type { DecodeOptions } from './types.js';

export interface LoadAudioOptions extends DecodeOptions {
  /** Output sample rate; null keeps the file's. Default 16000. */
  targetRate?: number | null;
  /**
   * true (default): `samples` only. false: also every channel at the target rate in `channels`
   * (`samples` is still the mono mean).
   */
  mono?: boolean;
  /** Take this channel (0-based) as `samples` instead of the mean of all channels. */
  channel?: number;
  resample?: ResampleOptions;
}

export interface LoadedAudio {
  /**
   * [n] mono samples at `sampleRate`: the mean of the channels (or the chosen one), then resampled. float64, the
   * resampler's precision (the values of a file that needs neither are its float32 samples, widened).
   */
  samples: Float64Array;
  sampleRate: number;
  /** [numChannels][n], only with `mono: false`. */
  channels?: Float64Array[];
}

/**
 * Reads a whole audio file as a mono signal at targetRate (16 kHz by default): channels are averaged first, then
 * resampled with torchaudio's sinc interpolation, the order the reference data uses (the two orders differ by
 * ~1e-16 since both steps are linear). For long files, {@link audioChunks} gives the same samples in bounded memory.
 */
export async function loadAudio(path: string, opts: LoadAudioOptions = {}): Promise<LoadedAudio> {
  const audio = await readAudio(path, opts);
  const target = opts.targetRate === undefined ? 16000 : opts.targetRate;
  const rate = target ?? audio.sampleRate;
  const to = (x: Float32Array | Float64Array): Float64Array =>
    rate !== audio.sampleRate ? resample(x, audio.sampleRate, rate, opts.resample) : x instanceof Float64Array ? x : Float64Array.from(x);
  const samples = to(monoOf(audio.channels, opts.channel, path));
  if (opts.mono ?? true) return { samples, sampleRate: rate };
  return { samples, sampleRate: rate, channels: audio.channels.length === 1 && opts.channel === undefined ? [samples] : audio.channels.map(to) };
}

