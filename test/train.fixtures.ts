import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'asr.js');

/** Runs `asr ...` to completion. */
export function asr(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 170_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Four short utterances spoken by one eSpeak NG voice (not a reserved test voice), with a NeMo manifest:
 * what the overfit, resume and interrupt tests train on. Returns the manifest path.
 */
export function synthUtterances(lines = ['one two', 'three', 'five six', 'nine oh']): string {
  const dir = mkdtempSync(join(tmpdir(), 'asr-train-data-'));
  const text = join(dir, 'text.txt');
  writeFileSync(text, lines.join('\n') + '\n');
  const r = asr(['data', 'synth', '--text', text, '--out', join(dir, 'c'), '--voices', 'espeak:en-us', '--speakers-per-voice', '1', '--augment', 'none', '--jobs', '0']);
  if (r.code !== 0) throw new Error(`synth failed: ${r.stderr}`);
  return join(dir, 'c', 'manifest.jsonl');
}

/** A tiny Conformer (2 blocks of 64) without dropout or SpecAugment: it memorises a few utterances quickly. */
export function tinyConfig(train: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'asr-train-cfg-'));
  const file = join(dir, 'config.json');
  const cfg = {
    model: { numLayers: 2, dModel: 64, numHeads: 2, ffnDim: 128, convKernel: 15, subsampling: { channels: 32 }, dropout: 0, attentionDropout: 0 },
    train: { maxFramesPerBatch: 4000, logEverySteps: 1, lr: { kind: 'constant', peakLr: 0.003, warmupSteps: 10 }, specAugment: null, ...train },
  };
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}
