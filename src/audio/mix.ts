import { fileError } from '../util/errors.js';

/**
 * Mean over channels in float64 ((left + right) / 2 for stereo, as the resample reference down-mixes).
 * @param channels [numChannels][n]
 * @returns [n]
 */
export function mixToMono(channels: Float32Array[]): Float64Array {
  const n = channels[0]?.length ?? 0;
  const out = new Float64Array(n);
  const k = channels.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += channels[c][i];
    out[i] = s / k;
  }
  return out;
}

/** Checks a requested channel index against the file's channel count. */
export function checkChannel(channel: number | undefined, numChannels: number, name: string): void {
  if (channel === undefined) return;
  if (!Number.isInteger(channel) || channel < 0 || channel >= numChannels) {
    throw fileError(name, `channel ${channel} requested, but the audio has ${numChannels} channel(s) (0-based)`);
  }
}

/** One channel if `channel` is given (or there is only one; not copied), else the float64 mean of all. */
export function monoOf(channels: Float32Array[], channel: number | undefined, name: string): Float32Array | Float64Array {
  checkChannel(channel, channels.length, name);
  if (channel !== undefined) return channels[channel];
  return channels.length === 1 ? channels[0] : mixToMono(channels);
}
