import { AsrError } from '../util/errors.js';
import type { Transcript, TranscriptWord } from './transcribe.js';

export const OUTPUT_FORMATS = ['txt', 'json', 'srt', 'vtt', 'tsv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(v: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(v)) throw new AsrError(`--format: expected one of ${OUTPUT_FORMATS.join(', ')}, got '${v}'`);
  return v as OutputFormat;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT). */
export function timestamp(seconds: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(h)}:${p(m)}:${p(s)}${sep}${p(ms % 1000, 3)}`;
}

/** Subtitle cues: each segment's words in runs of at most `maxWords` words and `maxSeconds`. */
export function subtitleCues(t: Transcript, maxWords = 12, maxSeconds = 6): { start: number; end: number; text: string }[] {
  const cues: { start: number; end: number; text: string }[] = [];
  for (const seg of t.segments) {
    if (seg.words.length === 0) {
      if (seg.text) cues.push({ start: seg.start, end: seg.end, text: seg.text });
      continue;
    }
    let run: TranscriptWord[] = [];
    const close = (): void => {
      if (run.length === 0) return;
      const start = run[0].start;
      // cues never shorter than 0.3 s, so players show them
      const end = Math.max(run[run.length - 1].end, start + 0.3);
      cues.push({ start, end, text: run.map((w) => w.word).join(' ') });
      run = [];
    };
    for (const w of seg.words) {
      if (run.length >= maxWords || (run.length > 0 && w.end - run[0].start > maxSeconds)) close();
      run.push(w);
    }
    close();
  }
  // a cue ends before the next begins
  for (let i = 0; i + 1 < cues.length; i++) if (cues[i].end > cues[i + 1].start) cues[i].end = Math.max(cues[i].start, cues[i + 1].start);
  return cues;
}

/** The transcript as text in one of the output formats (ending in a newline). */
export function formatTranscript(t: Transcript, format: OutputFormat): string {
  switch (format) {
    case 'txt':
      return `${t.segments.map((s) => s.text).join('\n')}\n`;
    case 'json':
      return `${JSON.stringify({
        file: t.file,
        duration: r3(t.duration),
        text: t.text,
        segments: t.segments.map((s) => ({
          start: r3(s.start),
          end: r3(s.end),
          text: s.text,
          ...(s.alternatives ? { alternatives: s.alternatives.map((a) => ({ text: a.text, total: Number(a.total.toFixed(4)) })) } : {}),
        })),
        words: t.words.map((w) => ({ word: w.word, start: r3(w.start), end: r3(w.end), confidence: Number(w.confidence.toFixed(4)) })),
      })}\n`;
    case 'srt':
      return subtitleCues(t)
        .map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text}\n`)
        .join('\n');
    case 'vtt':
      return `WEBVTT\n\n${subtitleCues(t)
        .map((c) => `${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${c.text}\n`)
        .join('\n')}`;
    case 'tsv':
      return `start\tend\tconfidence\tword\n${t.words.map((w) => `${r3(w.start).toFixed(3)}\t${r3(w.end).toFixed(3)}\t${w.confidence.toFixed(4)}\t${w.word}\n`).join('')}`;
  }
}
