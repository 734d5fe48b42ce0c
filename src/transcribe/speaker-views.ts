import type * as tf from '@tensorflow/tfjs';
import { assertBatchNormAdaptable, batchNormView } from './batchnorm-adapt.js';
import { entropyAdaptedView, type EntropyAdaptOptions } from './entropy-adapt.js';
import type { Recognizer } from './recognizer.js';
import { assertSpeakerCmvnApplies, speakerView, type CmvnMode } from './speaker-cmvn.js';
import { checkWarps, DEFAULT_WARPS, selectVtlnWarp, type SpeakerWarp, type VtlnSelectOptions } from './vtln-select.js';

/**
 * Per-speaker views of a recognizer: speaker CMVN and/or BatchNorm statistics measured on each speaker's files
 * (what `asr eval` does per manifest `speaker`, and `asr transcribe` per call or per folder).
 */

export interface SpeakerViewsOptions {
  /** First choose each speaker's VTLN warp (vtln-select.ts); the passes below measure with it. */
  vtln?: VtlnSelectOptions;
  cmvn?: CmvnMode;
  adaptBn?: boolean;
  /** Then adapt each speaker's normalisation layers by entropy minimisation (entropy-adapt.ts). */
  adaptEntropy?: EntropyAdaptOptions;
  /** Files are measured in pieces of at most this many seconds (default 20). */
  pieceSeconds?: number;
  maxBatchFrames?: number;
  /** Below this much audio a speaker keeps the model's BatchNorm statistics (default 10 s). */
  adaptMinSeconds?: number;
  /** Called after each file of each measuring pass: files measured so far, and in all (files times passes). */
  onFile?: (done: number, total: number) => void;
}

export interface SpeakerViews {
  /** The view of each speaker that has one (others use the base recognizer). */
  views: Map<string, Recognizer>;
  /** With `vtln`: each speaker's chosen warp. */
  warps: SpeakerWarp[];
  /** Speakers whose CMVN statistics were measured. */
  cmvnSpeakers: number;
  /** Speakers with their own BatchNorm statistics, and those with too little audio for them (seconds measured). */
  adapted: string[];
  tooShort: { speaker: string; seconds: number }[];
  /** Speakers adapted by entropy minimisation, with the mean tokenEntropy of the first and last steps. */
  entropyAdapted: { speaker: string; before: number; after: number }[];
  /** Frees the adapted statistics (the base recognizer is the caller's). */
  dispose(): void;
}

/** Measures every speaker of `groups` (speaker -> audio files); unreadable files are skipped here. */
export async function speakerViews(r: Recognizer, groups: Map<string, string[]>, opts: SpeakerViewsOptions = {}): Promise<SpeakerViews> {
  if (opts.cmvn === 'speaker') assertSpeakerCmvnApplies(r);
  if (opts.adaptBn) assertBatchNormAdaptable(r);
  if (opts.vtln) checkWarps(opts.vtln.warps ?? DEFAULT_WARPS);
  const passes = (opts.vtln ? 1 : 0) + (opts.cmvn === 'speaker' ? 1 : 0) + (opts.adaptBn ? 1 : 0) + (opts.adaptEntropy ? 1 : 0);
  const total = [...groups.values()].reduce((n, p) => n + p.length, 0) * passes;
  let done = 0;
  const onFile = (): void => opts.onFile?.(++done, total);
  const views = new Map<string, Recognizer>();
  const adaptedViews: Recognizer[] = [];
  const result: SpeakerViews = {
    views,
    warps: [],
    cmvnSpeakers: 0,
    adapted: [],
    tooShort: [],
    entropyAdapted: [],
    dispose: () => {
      // views may be stacked (AdaBN statistics under entropy-adapted scales): free each variable once
      const own = new Set<tf.Variable>();
      for (const v of adaptedViews) for (const [name, p] of v.model.params) if (r.model.params.get(name) !== p) own.add(p);
      for (const p of own) p.dispose();
      adaptedViews.length = 0;
    },
  };
  try {
    if (opts.vtln) {
      for (const [spk, paths] of groups) {
        const { recognizer, ...chosen } = await selectVtlnWarp(r, paths, { pieceSeconds: opts.pieceSeconds, speakerCmvn: opts.cmvn === 'speaker', ...opts.vtln, onFile });
        result.warps.push({ speaker: spk, ...chosen });
        if (recognizer !== r) views.set(spk, recognizer);
      }
    }
    if (opts.cmvn === 'speaker') {
      for (const [spk, paths] of groups) {
        const base = views.get(spk) ?? r;
        const view = await speakerView(base, paths, opts.pieceSeconds ?? 20, onFile);
        if (view !== base) {
          views.set(spk, view);
          result.cmvnSpeakers++;
        }
      }
    }
    if (opts.adaptBn) {
      for (const [spk, paths] of groups) {
        const base = views.get(spk) ?? r;
        const v = await batchNormView(base, paths, { pieceSeconds: opts.pieceSeconds, maxBatchFrames: opts.maxBatchFrames, minSeconds: opts.adaptMinSeconds, onFile });
        if (v.adapted) {
          views.set(spk, v.recognizer);
          adaptedViews.push(v.recognizer);
          result.adapted.push(spk);
        } else result.tooShort.push({ speaker: spk, seconds: v.seconds });
      }
    }
    if (opts.adaptEntropy) {
      for (const [spk, paths] of groups) {
        const base = views.get(spk) ?? r;
        const v = await entropyAdaptedView(base, paths, { minSeconds: opts.adaptMinSeconds, pieceSeconds: opts.pieceSeconds, ...opts.adaptEntropy, onFile });
        if (v.adapted) {
          views.set(spk, v.recognizer);
          adaptedViews.push(v.recognizer);
          result.entropyAdapted.push({ speaker: spk, before: v.entropyBefore, after: v.entropyAfter });
        }
      }
    }
  } catch (e) {
    result.dispose();
    throw e;
  }
  return result;
}
