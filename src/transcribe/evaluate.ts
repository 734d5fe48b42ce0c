import { loadManifest } from '../data/manifest.js';
import { readTranscripts, scorePairs, type ScoreOptions, type ScoreTotals, type UtteranceScore } from '../eval/index.js';
import { errorMessage, fileError } from '../util/errors.js';
import type { Recognizer } from './recognizer.js';
import type { CtcDecoder } from '../decode/index.js';
import { decodeSegment, transcribeFile, type TranscribeOptions, type TranscriptWord } from './transcribe.js';
import { posteriorsOf, segmentFeatures } from './acoustic.js';
import { audioChunks } from '../audio/index.js';
import type { FeatureMatrix } from '../features/matrix.js';
import type { CmvnMode } from './speaker-cmvn.js';
import { speakerViews } from './speaker-views.js';
import type { EntropyAdaptOptions } from './entropy-adapt.js';
import type { SpeakerWarp, VtlnSelectOptions } from './vtln-select.js';

/** The mono samples of a file at `rate`, read in chunks. */
async function readSamples(path: string, rate: number): Promise<Float32Array> {
  const parts: Float64Array[] = [];
  let n = 0;
  for await (const c of audioChunks(path, { targetRate: rate })) {
    parts.push(c);
    n += c.length;
  }
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One utterance of an evaluation: what `--output results.jsonl` holds per line. */
export interface EvalUtterance {
  id: string;
  audioFilepath: string;
  ref: string;
  /** The hypothesis ('' when the file could not be read; see `error`). */
  hyp: string;
  duration: number;
  words: TranscriptWord[];
  score: UtteranceScore;
  charScore: UtteranceScore;
  error?: string;
  /** With `groupBy`: the value of that manifest field on this line, if it has one. */
  group?: string;
}

export interface EvalResult {
  utterances: EvalUtterance[];
  wer: ScoreTotals;
  cer: ScoreTotals;
  /** Seconds of audio and of wall time spent recognising it. */
  audioSeconds: number;
  wallSeconds: number;
  failed: number;
  /** With cmvn "speaker": how many speakers' statistics were measured (0: no row names a speaker). */
  speakers?: number;
  /** With adaptBn: how many speakers had enough audio for their own BatchNorm statistics. */
  adaptedSpeakers?: number;
  /** With adaptEntropy: the speakers adapted, with their mean tokenEntropy in the first and last steps. */
  entropyAdapted?: { speaker: string; before: number; after: number }[];
  /** With vtln: each speaker's chosen warp. */
  warps?: SpeakerWarp[];
  /** With `decoders`: each one's results, in order (the fields above are the first one's). */
  decoders?: DecoderResult[];
}

export interface EvaluateOptions extends TranscribeOptions {
  score?: Omit<ScoreOptions, 'unit'>;
  /** Called after each utterance. */
  onUtterance?: (done: number, total: number, u: EvalUtterance) => void;
  /** Utterances longer than this (s) are segmented at pauses; shorter ones are recognised whole. Default 20. */
  wholeUpTo?: number;
  /** Padded feature frames per batched forward of short utterances (default 12000 = 2 minutes of audio). */
  maxBatchFrames?: number;
  /**
   * "speaker": normalise each utterance by the average statistics of the utterances with the same `speaker` field
   * (Kaldi's utt2spk CMVN), measured in a first pass; utterances without one keep their own. Default "utterance".
   */
  cmvn?: CmvnMode;
  /**
   * Re-estimate the model's BatchNorm statistics on each speaker's utterances (the manifest's `speaker` field), in
   * a pass before recognition; see batchnorm-adapt.ts. Speakers with less than `adaptMinSeconds` (default 10) of
   * audio, and utterances without a speaker, keep the model's own statistics. Default false.
   */
  adaptBn?: boolean;
  adaptMinSeconds?: number;
  /**
   * Then adapt each speaker's normalisation layers by entropy minimisation on their utterances (entropy-adapt.ts);
   * no transcripts are used. Default: off.
   */
  adaptEntropy?: EntropyAdaptOptions;
  /** First choose each speaker's VTLN warp (vtln-select.ts), without transcripts. Default: off. */
  vtln?: VtlnSelectOptions;
  /** A manifest field (e.g. "speaker", "voice") whose value each utterance's `group` carries, for per-group tables. */
  groupBy?: string;
  /**
   * Decode every utterance with each of these decoders instead of the recognizer's own (e.g. a grid of LM weights
   * and word bonuses, as Kaldi's scoring scripts sweep them): the model runs once per short utterance and its
   * posteriors go to every decoder; results in `decoders`. `onUtterance` reports the first decoder's.
   */
  decoders?: CtcDecoder[];
  /** With cmvn "speaker" or adaptBn: called after each file of a first pass (`total`: the lines that name a speaker). */
  onMeasure?: (done: number, total: number) => void;
}

/** The manifest entry's speaker, if it names one. */
function fieldOf(extra: Record<string, unknown>, field: string): string | undefined {
  const s = extra[field];
  return typeof s === 'string' || typeof s === 'number' ? String(s) : undefined;
}

function speakerOf(extra: Record<string, unknown>): string | undefined {
  return fieldOf(extra, 'speaker');
}

/**
 * Transcribes every utterance of a NeMo manifest and scores it against the manifest's text (sclite rules, as
 * `asr wer`). Ids are the ones `asr wer` gives the manifest's lines, so the per-utterance results can be rescored
 * with it. An unreadable audio file counts as an empty hypothesis and is reported in `error`.
 */
export async function evaluateManifest(r: Recognizer, manifest: string, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const entries = await loadManifest(manifest);
  if (entries.length === 0) throw fileError(manifest, 'no utterances');
  const ids = new Map((await readTranscripts(manifest, 'jsonl')).entries.map((e) => [e.line, e.id]));
  const wholeUpTo = opts.wholeUpTo ?? 20;
  const started = Date.now();
  // speaker CMVN and BatchNorm statistics: first passes measure every speaker; unreadable files are left to the
  // recognition pass to report
  const bySpeaker = new Map<string, string[]>();
  if (opts.cmvn === 'speaker' || opts.adaptBn || opts.adaptEntropy || opts.vtln) {
    for (const e of entries) {
      const spk = speakerOf(e.extra);
      if (spk === undefined) continue;
      const paths = bySpeaker.get(spk);
      if (paths) paths.push(e.audioFilepath);
      else bySpeaker.set(spk, [e.audioFilepath]);
    }
  }
  const sv = await speakerViews(r, bySpeaker, {
    cmvn: opts.cmvn,
    adaptBn: opts.adaptBn,
    pieceSeconds: wholeUpTo,
    maxBatchFrames: opts.maxBatchFrames,
    adaptMinSeconds: opts.adaptMinSeconds,
    adaptEntropy: opts.adaptEntropy,
    ...(opts.vtln ? { vtln: opts.vtln } : {}),
    onFile: opts.onMeasure,
  });
  try {
    const result = await recognizeAll(r, entries, ids, sv.views, opts, started);
    return {
      ...result,
      ...(opts.cmvn === 'speaker' ? { speakers: sv.cmvnSpeakers } : {}),
      ...(opts.adaptBn ? { adaptedSpeakers: sv.adapted.length } : {}),
      ...(opts.adaptEntropy ? { entropyAdapted: sv.entropyAdapted } : {}),
      ...(opts.vtln ? { warps: sv.warps } : {}),
    };
  } finally {
    sv.dispose();
  }
}

/** One decoder's results over the whole manifest (EvalResult's `decoders`). */
export interface DecoderResult {
  utterances: EvalUtterance[];
  wer: ScoreTotals;
  cer: ScoreTotals;
}

/** The recognition pass of {@link evaluateManifest}: each utterance with its speaker's view of `r`, if any. */
async function recognizeAll(
  r: Recognizer,
  entries: Awaited<ReturnType<typeof loadManifest>>,
  ids: Map<number, string>,
  views: Map<string, Recognizer>,
  opts: EvaluateOptions,
  started: number,
): Promise<EvalResult> {
  const wholeUpTo = opts.wholeUpTo ?? 20;
  // each view decodes with its own decoder, or with each of opts.decoders in turn (index k)
  const grid = opts.decoders !== undefined && opts.decoders.length > 0 ? opts.decoders : null;
  const K = grid ? grid.length : 1;
  const withDecoder = (view: Recognizer, k: number): Recognizer => (grid ? { ...view, decoder: grid[k] } : view);
  const pending: { id: string; audio: string; ref: string; hyps: string[]; duration: number; words: TranscriptWord[][]; error?: string; group?: string }[] = [];
  const maxBatchFrames = opts.maxBatchFrames ?? 12000;
  let audioSeconds = 0;
  let failed = 0;
  let reported = 0;
  const report = (i: number): void => {
    if (!opts.onUtterance) return;
    const p = pending[i];
    const [score] = scorePairs([{ id: p.id, ref: p.ref, hyp: p.hyps[0] }], { ...opts.score, unit: 'word' }).utterances;
    opts.onUtterance(++reported, entries.length, { id: p.id, audioFilepath: p.audio, ref: p.ref, hyp: p.hyps[0], duration: p.duration, words: p.words[0], score, charScore: score, error: p.error });
  };
  // Short utterances are recognised in padded batches (one forward for many: much faster on CPU); padding is
  // masked in the model, so each result is the one it would get alone.
  // A batch holds utterances of one view (its model may have its own BatchNorm statistics).
  let batch: { index: number; feats: FeatureMatrix; samples: Float32Array }[] = [];
  let batchView = r;
  const flush = (): void => {
    if (batch.length === 0) return;
    const posts = posteriorsOf(batchView.model, batch.map((b) => b.feats));
    batch.forEach((b, j) => {
      const p = pending[b.index];
      for (let k = 0; k < K; k++) {
        const seg = decodeSegment(withDecoder(batchView, k), posts[j], b.samples, 0);
        p.hyps[k] = seg.text;
        p.words[k] = seg.words;
      }
      report(b.index);
    });
    batch = [];
  };
  for (const e of entries) {
    const id = ids.get(e.line) ?? String(e.line);
    const index = pending.length;
    const group = opts.groupBy !== undefined ? fieldOf(e.extra, opts.groupBy) : undefined;
    pending.push({ id, audio: e.audioFilepath, ref: e.text, hyps: new Array<string>(K).fill(''), duration: 0, words: Array.from({ length: K }, () => []), ...(group !== undefined ? { group } : {}) });
    const p = pending[index];
    const spk = speakerOf(e.extra);
    const rr = (spk !== undefined ? views.get(spk) : undefined) ?? r;
    try {
      if (Number.isFinite(e.duration) && e.duration > wholeUpTo) {
        // long utterances are segmented as transcribe does; with several decoders the model runs once for each
        for (let k = 0; k < K; k++) {
          const t = await transcribeFile(withDecoder(rr, k), e.audioFilepath, opts);
          p.hyps[k] = t.text;
          p.words[k] = t.words;
          p.duration = t.duration;
        }
        audioSeconds += p.duration;
        report(index);
        continue;
      }
      const samples = await readSamples(e.audioFilepath, r.sampleRate);
      p.duration = samples.length / r.sampleRate;
      audioSeconds += p.duration;
      const feats = segmentFeatures(samples, rr.features);
      const longest = Math.max(feats.numFrames, ...batch.map((b) => b.feats.numFrames));
      if (batch.length > 0 && (rr !== batchView || (batch.length + 1) * longest > maxBatchFrames)) flush();
      batchView = rr;
      batch.push({ index, feats, samples });
    } catch (err) {
      p.error = errorMessage(err);
      failed++;
      report(index);
    }
  }
  flush();
  const resultOf = (k: number): DecoderResult => {
    const pairs = pending.map((p) => ({ id: p.id, ref: p.ref, hyp: p.hyps[k] }));
    const w = scorePairs(pairs, { ...opts.score, unit: 'word' });
    const c = scorePairs(pairs, { ...opts.score, unit: 'char' });
    const utterances = pending.map((p, i) => ({
      id: p.id,
      audioFilepath: p.audio,
      ref: p.ref,
      hyp: p.hyps[k],
      duration: p.duration,
      words: p.words[k],
      score: w.utterances[i],
      charScore: c.utterances[i],
      ...(p.error ? { error: p.error } : {}),
      ...(p.group !== undefined ? { group: p.group } : {}),
    }));
    return { utterances, wer: w.totals, cer: c.totals };
  };
  const all = Array.from({ length: K }, (_, k) => resultOf(k));
  return { ...all[0], audioSeconds, wallSeconds: (Date.now() - started) / 1000, failed, ...(grid ? { decoders: all } : {}) };
}
