import { createRng, type Rng } from '../util/random.js';
import { round } from './augment/chain.js';
import { deriveSeed } from './seed.js';
import type { EngineName, EngineParams } from './tts/engine.js';
import type { VoiceInfo } from './voices.js';

/**
 * One of the many speakers made from a voice: the voice with its own speaking rate and pitch (engine controls) and
 * its own vocal-tract length (signal-level speed perturbation and frequency warping). Fewer than twenty real
 * speakers stand behind all the voices, so this is where most of the speaker variety of a synthetic corpus comes
 * from. Speaker 0 of each voice is the voice as it comes.
 */
export interface PseudoSpeaker {
  /** `voice#index`, e.g. `flite:awb#3`: the manifest's `speaker`. */
  id: string;
  voice: VoiceInfo;
  index: number;
  /** The engine controls this speaker uses (before the small per-utterance rate jitter). */
  params: EngineParams;
  /** Speed perturbation factor (tempo, pitch and formants), steps of 0.01. */
  speed: number;
  /** Frequency warp factor (formants and pitch, timing kept), steps of 0.01. */
  warp: number;
}

const u = (rng: Rng, lo: number, hi: number, step: number): number => round(lo + (hi - lo) * rng.uniform(), step);

/**
 * Which speakers a voice is turned into: `default`, pitch and vocal-tract length around the voice's own; `high`, a
 * raised pitch and a shorter vocal tract (formants 10-22 % up), the range of women's voices, made from every voice
 * (the recorded voices the toolkit can render are nearly all men).
 *
 * Measured (stop 26): 3,000 digit lines by the recorded voices in the `high` range added to the digits corpus did not
 * help the reserved woman's voice slt (flite 30 -> 29 errors, festival 22 -> 28) and cost FSDD a point, so the
 * digits recipe does not use it (recipes/digits/README.md).
 */
export type SpeakerRange = 'default' | 'high';

export const SPEAKER_RANGES: readonly SpeakerRange[] = ['default', 'high'];

/** An engine control drawn uniformly from [lo, hi] in steps of `step`. */
type ParamRange = [name: string, lo: number, hi: number, step: number];

interface RangeSpec {
  /** Engine controls, drawn in this order (the order fixes what a seed gives). */
  engines: Partial<Record<EngineName, ParamRange[]>>;
  speed: [lo: number, hi: number];
  warp: [lo: number, hi: number];
}

/** Ranges that keep every engine intelligible; `high` raises the pitch (festival 140-185 Hz) before the warp raises it by 10-22 % more. */
const RANGES: Record<SpeakerRange, RangeSpec> = {
  default: {
    engines: {
      espeak: [['wpm', 140, 210, 1], ['pitch', 25, 75, 1], ['range', 30, 90, 1]],
      flite: [['duration_stretch', 0.85, 1.2, 0.01], ['f0_shift', 0.85, 1.2, 0.01]],
      gnuspeech: [['tempo', 0.85, 1.2, 0.01], ['pitch_offset', -3, 3, 0.1], ['vtl_scale', 0.92, 1.08, 0.01], ['breathiness', 0.5, 3, 0.1]],
      festival: [['duration_stretch', 0.85, 1.2, 0.01], ['f0_mean', 80, 150, 1], ['f0_std', 8, 25, 1]],
    },
    speed: [0.9, 1.1],
    warp: [0.9, 1.12],
  },
  high: {
    engines: {
      espeak: [['wpm', 140, 210, 1], ['pitch', 60, 95, 1], ['range', 40, 90, 1]],
      flite: [['duration_stretch', 0.85, 1.2, 0.01], ['f0_shift', 1.2, 1.5, 0.01]],
      gnuspeech: [['tempo', 0.85, 1.2, 0.01], ['pitch_offset', 4, 9, 0.1], ['vtl_scale', 0.86, 0.95, 0.01], ['breathiness', 0.5, 3, 0.1]],
      festival: [['duration_stretch', 0.85, 1.2, 0.01], ['f0_mean', 140, 185, 1], ['f0_std', 15, 35, 1]],
    },
    speed: [0.95, 1.1],
    warp: [1.1, 1.22],
  },
};

/**
 * Speaker `index` of `voice` under corpus seed `seed` in `range` (the same arguments always give the same speaker).
 * `high` speakers are `voice#hN` and are never the voice as it comes.
 */
export function pseudoSpeaker(voice: VoiceInfo, index: number, seed: number, range: SpeakerRange = 'default'): PseudoSpeaker {
  const high = range === 'high';
  const id = high ? `${voice.id}#h${index}` : `${voice.id}#${index}`;
  if (!high && index === 0) return { id, voice, index, params: {}, speed: 1, warp: 1 };
  const spec = RANGES[range];
  const rng = createRng(deriveSeed(seed, high ? 'high speaker' : 'speaker', voice.id, index));
  const params: EngineParams = {};
  for (const [name, lo, hi, step] of spec.engines[voice.engine] ?? []) params[name] = u(rng, lo, hi, step);
  const speed = u(rng, spec.speed[0], spec.speed[1], 0.01);
  const warp = u(rng, spec.warp[0], spec.warp[1], 0.01);
  return { id, voice, index, params, speed, warp };
}

/**
 * The controls for one utterance: the speaker's, with the speaking rate moved by up to +-8 % (people do not speak
 * every sentence at one rate).
 */
export function utteranceParams(spk: PseudoSpeaker, rng: Rng): EngineParams {
  const jitter = 0.92 + 0.16 * rng.uniform();
  const p: EngineParams = { ...spk.params };
  switch (spk.voice.engine) {
    case 'espeak':
      p.wpm = Math.round((p.wpm ?? 175) * jitter);
      break;
    case 'flite':
    case 'festival':
      p.duration_stretch = round((p.duration_stretch ?? 1) / jitter, 0.001);
      break;
    case 'gnuspeech':
      p.tempo = round((p.tempo ?? 1) * jitter, 0.001);
      break;
    default:
      break;
  }
  return p;
}
