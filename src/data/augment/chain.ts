import type { Rng } from '../../util/random.js';
import { AsrError } from '../../util/errors.js';
import { addNoise, colouredNoise, NOISE_TYPES, type NoiseType } from './noise.js';
import { applyReverb, roomImpulseResponse } from './reverb.js';
import { mulawRoundTrip, narrowbandRoundTrip, telephoneBand } from './telephone.js';

/**
 * The recording conditions given to one utterance, in the order they are applied: room (reverb), background noise,
 * channel (telephone band with mu-law, or a plain 8 kHz round trip), then level. Recorded in the manifest with
 * snake_case keys (see {@link augmentationRecord}).
 */
export interface ChannelAugmentation {
  reverb?: { rt60: number; drrDb: number; predelayMs: number };
  noise?: { type: NoiseType; snrDb: number };
  /** 300-3400 Hz band, 8 kHz and mu-law: a phone call. */
  telephone?: boolean;
  /** 16 kHz -> 8 kHz -> 16 kHz: narrow-band audio (implied by telephone). */
  narrowband?: boolean;
  /** Peak level of the result in dBFS; undefined leaves the level alone (apart from avoiding clipping). */
  peakDb?: number;
}

/** How often each condition is drawn and from what ranges. */
export interface AugmentProfile {
  reverb: number;
  noise: number;
  telephone: number;
  narrowband: number;
  rt60: [number, number];
  drrDb: [number, number];
  snrDb: [number, number];
  /** Range of the final peak level; null: no level change. */
  peakDb: [number, number] | null;
}

export const AUGMENT_PROFILES: Record<string, AugmentProfile> = {
  none: { reverb: 0, noise: 0, telephone: 0, narrowband: 0, rt60: [0, 0], drrDb: [0, 0], snrDb: [0, 0], peakDb: null },
  default: { reverb: 0.3, noise: 0.5, telephone: 0.1, narrowband: 0.15, rt60: [0.2, 0.8], drrDb: [-3, 12], snrDb: [5, 30], peakDb: [-20, -1] },
  heavy: { reverb: 0.5, noise: 0.8, telephone: 0.2, narrowband: 0.3, rt60: [0.3, 1.0], drrDb: [-6, 8], snrDb: [0, 20], peakDb: [-26, -1] },
};

export function augmentProfile(name: string): AugmentProfile {
  const p = AUGMENT_PROFILES[name];
  if (!p) throw new AsrError(`--augment: unknown profile '${name}' (one of ${Object.keys(AUGMENT_PROFILES).join(', ')})`);
  return p;
}

/** v to a multiple of step (0.1, 0.01), as the shortest decimal so the manifest reads cleanly. */
export const round = (v: number, step: number): number => Number((Math.round(v / step) * step).toFixed(Math.max(0, Math.ceil(-Math.log10(step)))));
const uniform = (rng: Rng, [lo, hi]: [number, number]): number => lo + (hi - lo) * rng.uniform();

/**
 * Draws one utterance's conditions. Every draw happens whatever the outcome of the coins before it, so the
 * parameters of one condition do not shift when another profile probability changes.
 */
export function drawAugmentation(profile: AugmentProfile, rng: Rng): ChannelAugmentation {
  const coins = [rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()];
  const rt60 = round(uniform(rng, profile.rt60), 0.01);
  const drrDb = round(uniform(rng, profile.drrDb), 0.1);
  const predelayMs = round(2 + 18 * rng.uniform(), 0.1);
  const noiseType = NOISE_TYPES[Math.min(NOISE_TYPES.length - 1, Math.floor(rng.uniform() * NOISE_TYPES.length))];
  const snrDb = round(uniform(rng, profile.snrDb), 0.1);
  const peak = rng.uniform();
  const a: ChannelAugmentation = {};
  if (coins[0] < profile.reverb) a.reverb = { rt60, drrDb, predelayMs };
  if (coins[1] < profile.noise) a.noise = { type: noiseType, snrDb };
  if (coins[2] < profile.telephone) a.telephone = true;
  else if (coins[3] < profile.narrowband) a.narrowband = true;
  if (profile.peakDb) a.peakDb = round(profile.peakDb[0] + (profile.peakDb[1] - profile.peakDb[0]) * peak, 0.1);
  return a;
}

/**
 * Applies the conditions to 16 kHz audio. `rng` supplies the noise and room samples (seed it per utterance).
 * @param x [n] @returns [n]
 */
export function applyAugmentation(x: Float32Array, sampleRate: number, a: ChannelAugmentation, rng: Rng): Float32Array {
  let y = x;
  if (a.reverb) y = applyReverb(y, roomImpulseResponse(a.reverb, sampleRate, rng));
  if (a.noise) y = addNoise(y, colouredNoise(a.noise.type, y.length, rng), a.noise.snrDb);
  if (a.telephone) y = narrowbandRoundTrip(telephoneBand(y, sampleRate), sampleRate, 8000, mulawRoundTrip);
  else if (a.narrowband) y = narrowbandRoundTrip(y, sampleRate, 8000);
  let peak = 0;
  for (let i = 0; i < y.length; i++) peak = Math.max(peak, Math.abs(y[i]));
  let gain = 1;
  if (a.peakDb !== undefined && peak > 0) gain = 10 ** (a.peakDb / 20) / peak;
  else if (peak > 0.999) gain = 0.999 / peak;
  if (gain !== 1) {
    const out = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = y[i] * gain;
    y = out;
  }
  return y === x ? Float32Array.from(x) : y;
}

/** The manifest's record of the conditions (snake_case, only what was applied). */
export function augmentationRecord(a: ChannelAugmentation): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (a.reverb) r.reverb = { rt60: a.reverb.rt60, drr_db: a.reverb.drrDb, predelay_ms: a.reverb.predelayMs };
  if (a.noise) r.noise = { type: a.noise.type, snr_db: a.noise.snrDb };
  if (a.telephone) r.telephone = true;
  if (a.narrowband) r.narrowband_8k = true;
  if (a.peakDb !== undefined) r.peak_db = a.peakDb;
  return r;
}
