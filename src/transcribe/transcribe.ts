import { audioChunks, type AudioInput } from '../audio/index.js';
import { errorMessage, fileError } from '../util/errors.js';
import type { Hypothesis } from '../decode/index.js';
import { edgePadSeconds, posteriorsOf, segmentFeatures, type SegmentPosteriors } from './acoustic.js';
import type { Recognizer } from './recognizer.js';
import { createSegmenter, type AudioSegment, type SegmenterOptions } from './segmenter.js';
import { AsrError } from '../util/errors.js';
import { VAD_SAMPLE_RATE, VadTrack, type Vad } from '../stream/vad.js';
import { widenWordSpans } from './word-spans.js';

/** A recognised word; times in seconds from the start of the file. */
export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
  /** In [0, 1]: geometric mean of the word's token posteriors on its alignment. */
  confidence: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  words: TranscriptWord[];
  /** The decoder's n-best texts and scores, when more than one was asked for. */
  alternatives?: { text: string; total: number }[];
}

export interface Transcript {
  file: string;
  /** Seconds of audio read. */
  duration: number;
  text: string;
  segments: TranscriptSegment[];
  words: TranscriptWord[];
}

export interface TranscribeOptions {
  segmenter?: SegmenterOptions;
  /**
   * A voice activity detector (createVad) whose decisions cut long inputs at pauses instead of the segmenter's
   * energy rule; reset here for each input. Inputs recognised whole (up to maxSegment) do not use it.
   */
  vad?: Vad;
  /** Recognise the input as one segment however long (scoring short utterances). Default: only audio up to maxSegment. */
  noSegmentation?: boolean;
  /** Audio read per chunk (s). Default 5. */
  chunkSeconds?: number;
  /** Called after each segment with the seconds of audio done. */
  onProgress?: (seconds: number) => void;
}

/** Recognises one segment's samples; word times are shifted by `offset` seconds. */
export function recognizeSegment(r: Recognizer, samples: Float32Array | Float64Array, offset: number): TranscriptSegment {
  const feats = segmentFeatures(samples, r.features);
  const [post] = posteriorsOf(r.model, [feats]);
  return decodeSegment(r, post, samples, offset);
}

/**
 * Decodes one segment's log-posteriors (of `samples`) into a transcript segment starting at `offset`; word spans
 * are widened over the segment's speech (the alignment says where each word fired, the audio where it was said).
 */
export function decodeSegment(r: Recognizer, post: SegmentPosteriors, samples: Float32Array | Float64Array, offset: number): TranscriptSegment {
  const result = r.decoder.decode(post.data, post.frames);
  const seg = segmentOf(result.hypotheses, offset, samples.length / r.sampleRate, edgePadSeconds(r.features));
  seg.words = widenWordSpans(seg.words, samples, r.sampleRate, offset);
  return seg;
}

/** `pad`: seconds of edge padding before the segment's first sample in the posteriors. */
function segmentOf(hyps: Hypothesis[], offset: number, seconds: number, pad: number): TranscriptSegment {
  const best = hyps[0];
  const words = (best?.words ?? []).map((w) => ({
    word: w.word,
    // the decoder's frame times can reach past the segment's edges (subsampling rounds up, edge padding): keep
    // them inside
    start: offset + Math.min(Math.max(w.start - pad, 0), seconds),
    end: offset + Math.min(Math.max(w.end - pad, 0), seconds),
    confidence: w.confidence,
  }));
  const seg: TranscriptSegment = { start: offset, end: offset + seconds, text: best?.text ?? '', words };
  if (hyps.length > 1) seg.alternatives = hyps.map((h) => ({ text: h.text, total: h.total }));
  return seg;
}

/**
 * Transcribes an audio file (or stream): read in chunks, cut into segments at pauses, each segment recognised on
 * its own, so memory is bounded by the longest segment, not the file. Word times are from the file's start.
 */
export async function transcribeFile(r: Recognizer, input: AudioInput, opts: TranscribeOptions = {}): Promise<Transcript> {
  const name = typeof input === 'string' ? input : '<stream>';
  const segments: TranscriptSegment[] = [];
  const rate = r.sampleRate;
  let total = 0;
  const run = (seg: AudioSegment): void => {
    try {
      segments.push(recognizeSegment(r, seg.samples, seg.start / rate));
    } catch (e) {
      throw fileError(name, `at ${(seg.start / rate).toFixed(2)} s: ${errorMessage(e)}`);
    }
    opts.onProgress?.((seg.start + seg.samples.length) / rate);
  };
  // Audio no longer than one segment is recognised whole: cutting it gains nothing, and a noise floor estimated
  // from a second of closely trimmed speech would clip its onsets. Past that length the segmenter takes over.
  const wholeUpTo = opts.noSegmentation ? Infinity : (opts.segmenter?.maxSegment ?? 20) * rate;
  const held: Float64Array[] = [];
  let seg: ReturnType<typeof createSegmenter> | null = null;
  const vad = opts.vad;
  if (vad !== undefined && rate !== VAD_SAMPLE_RATE) throw new AsrError(`--vad: the detectors take ${VAD_SAMPLE_RATE} Hz audio, the model ${rate} Hz`);
  vad?.reset();
  const track = vad === undefined ? null : new VadTrack(vad.frameSamples);
  // With a VAD, the segmenter is given only samples the VAD has decided (its partial frame waits for the next chunk).
  let waiting: Float64Array = new Float64Array(0);
  let given = 0;
  const feed = async (chunk: Float64Array, last: boolean): Promise<void> => {
    const s = seg as ReturnType<typeof createSegmenter>;
    if (vad === undefined || track === null) {
      for (const x of s.push(chunk)) run(x);
      return;
    }
    track.push(await vad.accept(chunk));
    if (last) track.push(await vad.flush());
    const all = new Float64Array(waiting.length + chunk.length);
    all.set(waiting);
    all.set(chunk, waiting.length);
    const ready = last ? all.length : Math.min(all.length, track.covered - given);
    for (const x of s.push(all.subarray(0, ready))) run(x);
    given += ready;
    waiting = all.slice(ready);
  };
  for await (const chunk of audioChunks(input, { targetRate: rate, chunkSeconds: opts.chunkSeconds ?? 5 })) {
    total += chunk.length;
    if (seg === null && total <= wholeUpTo) {
      held.push(chunk);
      continue;
    }
    if (seg === null) {
      seg = createSegmenter({ ...opts.segmenter, sampleRate: rate, speechAt: track === null ? undefined : (sample) => track.speechAt(sample) });
      for (const h of held) await feed(h, false);
      held.length = 0;
    }
    await feed(chunk, false);
  }
  if (seg !== null) {
    await feed(new Float64Array(0), true);
    for (const s of seg.flush()) run(s);
  } else {
    const all = new Float32Array(total);
    let o = 0;
    for (const p of held) {
      all.set(p, o);
      o += p.length;
    }
    run({ start: 0, samples: all });
  }
  const kept = segments.filter((s) => s.text !== '');
  const words = kept.flatMap((s) => s.words);
  return { file: name, duration: total / rate, text: kept.map((s) => s.text).join(' '), segments: kept, words };
}
