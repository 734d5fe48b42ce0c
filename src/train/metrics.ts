import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../util/fs.js';

/**
 * metrics.jsonl: one JSON object per line.
 *   {"type":"train","step","epoch","loss","lr","gradNorm","audioSecPerSec","elapsed"}   every logEverySteps steps
 *   {"type":"valid","step","epoch","loss","cer","wer","elapsed"}                          each validation
 * Losses are CTC per target token (mean over items of loss / transcript length); cer and wer are fractions.
 */
export interface TrainMetric {
  type: 'train';
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  audioSecPerSec: number;
  elapsed: number;
}

export interface ValidMetric {
  type: 'valid';
  step: number;
  epoch: number;
  loss: number;
  cer: number;
  wer: number;
  elapsed: number;
}

export type Metric = TrainMetric | ValidMetric;

export function appendMetric(file: string, m: Metric): void {
  appendFileSync(file, JSON.stringify(m) + '\n');
}

/** Reads metrics.jsonl, skipping a torn last line (a kill -9 mid-write). */
export function readMetrics(file: string): Metric[] {
  if (!existsSync(file)) return [];
  const out: Metric[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const m = JSON.parse(line) as Metric;
      if ((m.type === 'train' || m.type === 'valid') && typeof m.step === 'number') out.push(m);
    } catch {
      // torn line
    }
  }
  return out;
}

/** On resume: drops lines logged after the checkpoint's step (that work is redone), rewriting atomically. */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readMetrics(file).filter((m) => m.step <= step);
  writeFileAtomicSync(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
}
