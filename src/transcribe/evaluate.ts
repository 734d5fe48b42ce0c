import { loadManifest } from '../data/manifest.js';
import { readTranscripts, scorePairs, type ScoreOptions, type ScoreTotals, type UtteranceScore } from '../eval/index.js';
import { errorMessage, fileError } from '../util/errors.js';
import type { Recognizer } from './recognizer.js';
import { transcribeFile, type TranscribeOptions, type TranscriptWord } from './transcribe.js';

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
}

export interface EvalResult {
  utterances: EvalUtterance[];
  wer: ScoreTotals;
  cer: ScoreTotals;
  /** Seconds of audio and of wall time spent recognising it. */
  audioSeconds: number;
  wallSeconds: number;
  failed: number;
}

export interface EvaluateOptions extends TranscribeOptions {
  score?: Omit<ScoreOptions, 'unit'>;
  /** Called after each utterance. */
  onUtterance?: (done: number, total: number, u: EvalUtterance) => void;
  /** Utterances longer than this (s) are segmented at pauses; shorter ones are recognised whole. Default 20. */
  wholeUpTo?: number;
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
  const pending: { id: string; audio: string; ref: string; hyp: string; duration: number; words: TranscriptWord[]; error?: string }[] = [];
  let audioSeconds = 0;
  let failed = 0;
  for (const e of entries) {
    const id = ids.get(e.line) ?? String(e.line);
    let hyp = '';
    let duration = 0;
    let words: TranscriptWord[] = [];
    let error: string | undefined;
    try {
      const whole = Number.isFinite(e.duration) && e.duration <= wholeUpTo;
      const t = await transcribeFile(r, e.audioFilepath, { ...opts, noSegmentation: opts.noSegmentation ?? whole });
      hyp = t.text;
      duration = t.duration;
      words = t.words;
    } catch (err) {
      error = errorMessage(err);
      failed++;
    }
    audioSeconds += duration;
    pending.push({ id, audio: e.audioFilepath, ref: e.text, hyp, duration, words, error });
    if (opts.onUtterance) {
      const [score] = scorePairs([{ id, ref: e.text, hyp }], { ...opts.score, unit: 'word' }).utterances;
      opts.onUtterance(pending.length, entries.length, { id, audioFilepath: e.audioFilepath, ref: e.text, hyp, duration, words, score, charScore: score, error });
    }
  }
  const pairs = pending.map((p) => ({ id: p.id, ref: p.ref, hyp: p.hyp }));
  const w = scorePairs(pairs, { ...opts.score, unit: 'word' });
  const c = scorePairs(pairs, { ...opts.score, unit: 'char' });
  const utterances = pending.map((p, i) => ({
    id: p.id,
    audioFilepath: p.audio,
    ref: p.ref,
    hyp: p.hyp,
    duration: p.duration,
    words: p.words,
    score: w.utterances[i],
    charScore: c.utterances[i],
    ...(p.error ? { error: p.error } : {}),
  }));
  return { utterances, wer: w.totals, cer: c.totals, audioSeconds, wallSeconds: (Date.now() - started) / 1000, failed };
}
