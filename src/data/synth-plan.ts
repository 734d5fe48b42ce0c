import { createHash } from 'node:crypto';
import { createRng } from '../util/random.js';
import { AsrError } from '../util/errors.js';
import { drawAugmentation, type AugmentProfile } from './augment/chain.js';
import { pseudoSpeaker, utteranceParams, type SpeakerRange } from './pseudo-speaker.js';
import { deriveSeed } from './seed.js';
import type { SynthTask } from './synth-task.js';
import type { TextLine } from './text-lines.js';
import type { EngineName } from './tts/engine.js';
import type { VoiceInfo } from './voices.js';

/** Bump when the plan or rendering changes in a way that alters output, so old corpora are not resumed into. */
export const SYNTH_FORMAT_VERSION = 1;

/**
 * Share of utterances each engine gets (renormalized over the engines in the voice list), so the ~700 eSpeak
 * voice/variant pairs do not crowd out the handful of recorded voices. Within an engine voices are equally likely.
 */
export const ENGINE_WEIGHTS: Partial<Record<EngineName, number>> = { espeak: 0.4, flite: 0.25, gnuspeech: 0.2, festival: 0.15 };
const OTHER_ENGINE_WEIGHT = 0.15;

export interface SynthPlanOptions {
  voices: VoiceInfo[];
  /** Renderings of each line (each by a voice and speaker drawn for it). */
  perLine: number;
  seed: number;
  /** Pseudo-speakers per voice (1: each voice only as it comes). */
  speakersPerVoice: number;
  /** Which speakers the voices are turned into (pseudo-speaker.ts); default `default`. */
  speakerRange?: SpeakerRange;
  augment: { name: string; profile: AugmentProfile };
  /** Use only the first N lines. */
  maxLines?: number;
  /** Use a seeded random N of the lines (after maxLines). */
  sample?: number;
}

/** The lines a plan uses: the first maxLines, then a seeded sample of them, in file order. */
export function selectLines(lines: TextLine[], opts: Pick<SynthPlanOptions, 'maxLines' | 'sample' | 'seed'>): TextLine[] {
  let out = opts.maxLines !== undefined ? lines.slice(0, opts.maxLines) : lines;
  if (opts.sample !== undefined && opts.sample < out.length) {
    const rng = createRng(deriveSeed(opts.seed, 'sample'));
    const idx = out.map((_, i) => i);
    // partial Fisher-Yates: the first `sample` positions end up a uniform random subset
    for (let i = 0; i < opts.sample; i++) {
      const j = i + Math.floor(rng.uniform() * (idx.length - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const keep = idx.slice(0, opts.sample).sort((a, b) => a - b);
    out = keep.map((i) => out[i]);
  }
  return out;
}

/** Cumulative voice weights for drawing: [voices] in table order. */
function voiceWeights(voices: VoiceInfo[]): number[] {
  const perEngine = new Map<EngineName, number>();
  for (const v of voices) perEngine.set(v.engine, (perEngine.get(v.engine) ?? 0) + 1);
  let engineTotal = 0;
  for (const e of perEngine.keys()) engineTotal += ENGINE_WEIGHTS[e] ?? OTHER_ENGINE_WEIGHT;
  const cum: number[] = [];
  let acc = 0;
  for (const v of voices) {
    acc += (ENGINE_WEIGHTS[v.engine] ?? OTHER_ENGINE_WEIGHT) / engineTotal / (perEngine.get(v.engine) as number);
    cum.push(acc);
  }
  return cum;
}

function pick(cum: number[], u: number): number {
  const target = u * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Decides every utterance: for line L and replica r, a generator seeded from (seed, L, r) picks the voice, the
 * pseudo-speaker, the per-utterance rate and the recording conditions. Nothing depends on the order of the work.
 */
export function planSynthesis(lines: TextLine[], opts: SynthPlanOptions): SynthTask[] {
  if (opts.voices.length === 0) throw new AsrError('no voices to synthesize with');
  if (!Number.isInteger(opts.perLine) || opts.perLine < 1) throw new AsrError(`--per-line: expected a positive integer, got ${opts.perLine}`);
  if (!Number.isInteger(opts.speakersPerVoice) || opts.speakersPerVoice < 1) {
    throw new AsrError(`--speakers-per-voice: expected a positive integer, got ${opts.speakersPerVoice}`);
  }
  const cum = voiceWeights(opts.voices);
  const tasks: SynthTask[] = [];
  const width = Math.max(6, String(lines[lines.length - 1]?.line ?? 0).length);
  for (const l of lines) {
    for (let r = 0; r < opts.perLine; r++) {
      const seed = deriveSeed(opts.seed, 'utt', l.line, r);
      const rng = createRng(seed);
      const voice = opts.voices[pick(cum, rng.uniform())];
      const spk = pseudoSpeaker(voice, Math.floor(rng.uniform() * opts.speakersPerVoice), opts.seed, opts.speakerRange);
      const params = utteranceParams(spk, rng);
      const augmentation = drawAugmentation(opts.augment.profile, rng);
      const id = `${String(l.line).padStart(width, '0')}-${r}`;
      const shard = String(Math.floor(l.line / 1000)).padStart(3, '0');
      tasks.push({
        id, line: l.line, replica: r, spoken: l.spoken, transcript: l.transcript, voiceId: voice.id, speakerId: spk.id,
        params, speed: spk.speed, warp: spk.warp, augmentation, seed, wav: `wav/${shard}/${id}.wav`,
      });
    }
  }
  return tasks;
}

/**
 * What makes two runs the same corpus (not --jobs): a resumed run must match it exactly, or it would mix two
 * corpora in one folder.
 */
export function planFingerprint(textBytes: Uint8Array, lines: TextLine[], opts: SynthPlanOptions): Record<string, unknown> {
  return {
    format_version: SYNTH_FORMAT_VERSION,
    text_sha256: createHash('sha256').update(textBytes).digest('hex'),
    lines: lines.length,
    voices: opts.voices.map((v) => v.id),
    per_line: opts.perLine,
    seed: opts.seed,
    speakers_per_voice: opts.speakersPerVoice,
    augment: opts.augment.name,
    augment_profile: opts.augment.profile,
    max_lines: opts.maxLines ?? null,
    sample: opts.sample ?? null,
    // only when not the default, so corpora made before the option still resume
    ...(opts.speakerRange !== undefined && opts.speakerRange !== 'default' ? { speaker_range: opts.speakerRange } : {}),
  };
}
