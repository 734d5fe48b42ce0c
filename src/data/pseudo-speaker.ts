import { createRng, type Rng } from '../util/random.js';
import { round } from './augment/chain.js';
import { deriveSeed } from './seed.js';
import type { EngineParams } from './tts/engine.js';
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

/** Engine controls of a speaker, drawn within ranges that keep every engine intelligible. */
function drawParams(voice: VoiceInfo, rng: Rng): EngineParams {
  switch (voice.engine) {
    case 'espeak':
      return { wpm: u(rng, 140, 210, 1), pitch: u(rng, 25, 75, 1), range: u(rng, 30, 90, 1) };
    case 'flite':
      return { duration_stretch: u(rng, 0.85, 1.2, 0.01), f0_shift: u(rng, 0.85, 1.2, 0.01) };
    case 'gnuspeech':
      return { tempo: u(rng, 0.85, 1.2, 0.01), pitch_offset: u(rng, -3, 3, 0.1), vtl_scale: u(rng, 0.92, 1.08, 0.01), breathiness: u(rng, 0.5, 3, 0.1) };
    case 'festival':
      return { duration_stretch: u(rng, 0.85, 1.2, 0.01), f0_mean: u(rng, 80, 150, 1), f0_std: u(rng, 8, 25, 1) };
    default:
      return {};
  }
}

/**
 * Which speakers a voice is turned into: `default`, pitch and vocal-tract length around the voice's own; `high`, a
 * raised pitch and a shorter vocal tract (formants 10-22 % up), the range of women's voices, made from every voice.
 *
 * Why `high`: the recorded voices the toolkit can render (festival's CSTR and other-language voices, flite's awb and
 * rms) are all men but two, so a corpus of them has no natural-sounding woman's voice; the reserved test voice slt
 * (a woman) was 36 of the digits model's 43 errors on the reserved flite strings and 22 of 29 on the festival ones
 * (stop 26), and VTLN warping her features down by 0.85-0.9 halved them.
 */
export type SpeakerRange = 'default' | 'high';

export const SPEAKER_RANGES: readonly SpeakerRange[] = ['default', 'high'];

/** Engine controls of a speaker in the `high` range: pitch raised (festival 140-185 Hz) before the warp raises it by 10-22 % more. */
function drawHighParams(voice: VoiceInfo, rng: Rng): EngineParams {
  switch (voice.engine) {
    case 'espeak':
      return { wpm: u(rng, 140, 210, 1), pitch: u(rng, 60, 95, 1), range: u(rng, 40, 90, 1) };
    case 'flite':
      return { duration_stretch: u(rng, 0.85, 1.2, 0.01), f0_shift: u(rng, 1.2, 1.5, 0.01) };
    case 'gnuspeech':
      return { tempo: u(rng, 0.85, 1.2, 0.01), pitch_offset: u(rng, 4, 9, 0.1), vtl_scale: u(rng, 0.86, 0.95, 0.01), breathiness: u(rng, 0.5, 3, 0.1) };
    case 'festival':
      return { duration_stretch: u(rng, 0.85, 1.2, 0.01), f0_mean: u(rng, 140, 185, 1), f0_std: u(rng, 15, 35, 1) };
    default:
      return {};
  }
}

/**
 * Speaker `index` of `voice` under corpus seed `seed` in `range` (the same arguments always give the same speaker).
 * `high` speakers are `voice#hN` and are never the voice as it comes.
 */
export function pseudoSpeaker(voice: VoiceInfo, index: number, seed: number, range: SpeakerRange = 'default'): PseudoSpeaker {
  if (range === 'high') {
    const rng = createRng(deriveSeed(seed, 'high speaker', voice.id, index));
    const params = drawHighParams(voice, rng);
    const speed = u(rng, 0.95, 1.1, 0.01);
    const warp = u(rng, 1.1, 1.22, 0.01);
    return { id: `${voice.id}#h${index}`, voice, index, params, speed, warp };
  }
  const id = `${voice.id}#${index}`;
  if (index === 0) return { id, voice, index, params: {}, speed: 1, warp: 1 };
  const rng = createRng(deriveSeed(seed, 'speaker', voice.id, index));
  const params = drawParams(voice, rng);
  const speed = u(rng, 0.9, 1.1, 0.01);
  const warp = u(rng, 0.9, 1.12, 0.01);
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
