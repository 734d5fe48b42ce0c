import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildOnce } from './helpers/build.js';
import { asr, BIN, synthUtterances, tinyConfig } from './train.fixtures.js';
import { readSafetensors } from '../src/model/safetensors.js';

interface ValidLine {
  type: string;
  step: number;
  cer: number;
  wer: number;
}

function metrics(exp: string): ValidLine[] {
  return readFileSync(join(exp, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ValidLine);
}

function stateOf(exp: string): { step: number; batchInEpoch: number } {
  const last = JSON.parse(readFileSync(join(exp, 'last.json'), 'utf8')) as { checkpoint: string };
  return JSON.parse(readFileSync(join(exp, last.checkpoint, 'state.json'), 'utf8')) as { step: number; batchInEpoch: number };
}

function stepOf(exp: string): number {
  return stateOf(exp).step;
}

/** Starts `asr train` in the background; resolves with its exit code and stderr. */
function startTrain(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => child.on('exit', (code, signal) => res({ code, signal, stderr: err })));
  return { child, done, stderr: () => err };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

let manifest = '';
beforeAll(() => {
  buildOnce();
  manifest = synthUtterances();
});

describe('asr train', () => {
  it('overfits four utterances to CER 0; the model transcribes them and asr plot draws the curves', () => {
    const exp = join(mkdtempSync(join(tmpdir(), 'asr-exp-')), 'exp');
    const r = asr(['train', '--config', tinyConfig({ epochs: 40 }), '--train', manifest, '--valid', manifest, '--out', exp]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: \w+, \d+ threads?/);
    const valid = metrics(exp).filter((m) => m.type === 'valid');
    expect(valid[0].cer).toBeGreaterThan(0.5); // it starts knowing nothing
    expect(valid[valid.length - 1].cer).toBe(0);
    for (const f of ['config.json', 'model.safetensors', 'tokens.txt']) expect(existsSync(join(exp, 'final', f))).toBe(true);
    // end to end: audio -> final model -> text
    const lines = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { audio_filepath: string; text: string });
    const t = asr(['transcribe', join(dirname(manifest), lines[0].audio_filepath), '--model', join(exp, 'final'), '--beam', '1']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout.trim()).toContain(lines[0].text);
    const svg = join(exp, 'curves.svg');
    const p = asr(['plot', exp, '--output', svg]);
    expect(p.code, p.stderr).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<path d="M[\s\S]*valid WER %[\s\S]*<\/svg>\s*$/);
  });

  it('after kill -9 mid-run, --resume finishes with the expected step count and the same weights', async () => {
    const root = mkdtempSync(join(tmpdir(), 'asr-exp-'));
    // 1 utterance per batch -> 4 steps per epoch, 6 epochs = 24 steps; checkpoints every 3 steps and at epoch
    // ends, so some checkpoints sit mid-epoch: kill after one of those, to resume from a data position inside an epoch
    const cfg = tinyConfig({ epochs: 6, maxItemsPerBatch: 1, checkpointEverySteps: 3 });
    const killed = join(root, 'killed');
    const run = startTrain(['--config', cfg, '--train', manifest, '--valid', manifest, '--out', killed]);
    await waitFor(() => existsSync(join(killed, 'last.json')) && stateOf(killed).step >= 5 && stateOf(killed).batchInEpoch > 0, 90_000);
    run.child.kill('SIGKILL');
    const first = await run.done;
    expect(first.signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'final'))).toBe(false);
    const atKill = stepOf(killed);
    expect(atKill).toBeLessThan(24);
    const r = asr(['train', '--train', manifest, '--valid', manifest, '--out', killed, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming from .*step \d+, epoch \d+, batch [1-3]\n/);
    expect(stepOf(killed)).toBe(24);
    // metrics: each train step logged once, in order, despite the replay after the kill
    const steps = metrics(killed).filter((m) => m.type === 'train').map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    // the same run without interruption ends with the same weights (data order, augmentation and optimizer
    // state all come back exactly)
    const straight = join(root, 'straight');
    const s = asr(['train', '--config', cfg, '--train', manifest, '--valid', manifest, '--out', straight]);
    expect(s.code, s.stderr).toBe(0);
    const a = readSafetensors(join(killed, 'final', 'model.safetensors')).tensors;
    const b = readSafetensors(join(straight, 'final', 'model.safetensors')).tensors;
    let maxDiff = 0;
    for (const [name, t] of a) {
      const u = b.get(name);
      expect(u, name).toBeDefined();
      for (let i = 0; i < t.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(t.data[i] - (u as { data: Float32Array }).data[i]));
    }
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('--resume --epochs N extends a finished run, keeps N for later resumes; a bad value is one error line', () => {
    const root = mkdtempSync(join(tmpdir(), 'asr-exp-'));
    const cfg = tinyConfig({ epochs: 1, maxItemsPerBatch: 2 });
    const exp = join(root, 'exp');
    const a = asr(['train', '--config', cfg, '--train', manifest, '--valid', manifest, '--out', exp]);
    expect(a.code, a.stderr).toBe(0);
    expect(stepOf(exp)).toBe(2);
    const b = asr(['train', '--train', manifest, '--valid', manifest, '--out', exp, '--resume', '--epochs', '3']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('--epochs: 1 -> 3 epochs in all');
    expect(stepOf(exp)).toBe(6);
    expect((JSON.parse(readFileSync(join(exp, 'train-config.json'), 'utf8')) as { train: { epochs: number } }).train.epochs).toBe(3);
    // resuming again without --epochs: nothing left to do
    const c = asr(['train', '--train', manifest, '--valid', manifest, '--out', exp, '--resume']);
    expect(c.code, c.stderr).toBe(0);
    expect(stepOf(exp)).toBe(6);
    // and no second validation line for a step already validated
    const validSteps = metrics(exp).filter((m) => m.type === 'valid').map((m) => m.step);
    expect(new Set(validSteps).size).toBe(validSteps.length);
    const bad = asr(['train', '--train', manifest, '--valid', manifest, '--out', exp, '--resume', '--epochs', 'two']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n').pop()).toMatch(/--epochs: expected a whole number/);
  });

  it('--init-from starts a new run from a trained model (fine-tuning); a different architecture is refused', () => {
    const root = mkdtempSync(join(tmpdir(), 'asr-exp-'));
    const base = join(root, 'base');
    const a = asr(['train', '--config', tinyConfig({ epochs: 12, maxItemsPerBatch: 2 }), '--train', manifest, '--valid', manifest, '--out', base]);
    expect(a.code, a.stderr).toBe(0);
    // a checkpoint is a complete model directory: it carries the features training used
    const ckpt = (JSON.parse(readFileSync(join(base, 'last.json'), 'utf8')) as { checkpoint: string }).checkpoint;
    expect(readFileSync(join(base, ckpt, 'features.json'), 'utf8')).toBe(readFileSync(join(base, 'final', 'features.json'), 'utf8'));
    // a learning rate too small to learn anything in 2 steps: what the run knows must come from its start
    const frozen = tinyConfig({ epochs: 1, maxItemsPerBatch: 2, lr: { kind: 'constant', peakLr: 1e-9, warmupSteps: 1 } });
    const tuned = join(root, 'tuned');
    const b = asr(['train', '--config', frozen, '--train', manifest, '--valid', manifest, '--out', tuned, '--init-from', join(base, 'final')]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('--init-from');
    const fresh = join(root, 'fresh');
    const c = asr(['train', '--config', frozen, '--train', manifest, '--valid', manifest, '--out', fresh]);
    expect(c.code, c.stderr).toBe(0);
    const lastLoss = (exp: string): number => (metrics(exp).filter((m) => m.type === 'valid').pop() as unknown as { loss: number }).loss;
    expect(lastLoss(tuned)).toBeLessThan(0.5 * lastLoss(fresh));
    expect(metrics(tuned).filter((m) => m.type === 'valid').pop()?.cer).toBeLessThan(0.3);
    expect(stepOf(tuned)).toBe(2);
    // train.newHead: word pieces instead of the base's characters; the encoder comes from the base, the head is new
    const pieces = JSON.parse(readFileSync(frozen, 'utf8')) as { train: Record<string, unknown> };
    Object.assign(pieces.train, { tokenizer: 'bpe', bpeVocabSize: 60, newHead: true });
    const piecesCfg = join(mkdtempSync(join(tmpdir(), 'asr-train-cfg-')), 'config.json');
    writeFileSync(piecesCfg, JSON.stringify(pieces));
    const moved = join(root, 'moved');
    const e = asr(['train', '--config', piecesCfg, '--train', manifest, '--valid', manifest, '--out', moved, '--init-from', join(base, 'final')]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/except the CTC head, new for \d+ tokens/);
    const movedTokens = readFileSync(join(moved, 'final', 'tokens.txt'), 'utf8').trim().split('\n');
    const baseTokens = readFileSync(join(base, 'final', 'tokens.txt'), 'utf8').trim().split('\n');
    expect(movedTokens).toContain('\u2581');
    expect(movedTokens.length).not.toBe(baseTokens.length);
    const w0 = readSafetensors(join(base, 'final', 'model.safetensors')).tensors;
    const w1 = readSafetensors(join(moved, 'final', 'model.safetensors')).tensors;
    expect(w1.get('ctc_head.weight')?.shape[1]).toBe(movedTokens.length);
    let maxDiff = 0;
    let compared = 0;
    for (const [name, a] of w0) {
      if (name.startsWith('ctc_head.')) continue;
      const b = w1.get(name);
      expect(b?.shape, name).toEqual(a.shape);
      if (name.includes('.running_')) continue; // BatchNorm statistics move with any forward pass in training
      for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - (b as { data: Float32Array }).data[i]));
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    expect(maxDiff).toBeLessThan(1e-4); // lr 1e-9: the encoder is the base's
    // without newHead the init model's vocabulary wins, whatever the config's tokenizer says
    Object.assign(pieces.train, { newHead: false });
    writeFileSync(piecesCfg, JSON.stringify(pieces));
    const kept = join(root, 'kept');
    const f = asr(['train', '--config', piecesCfg, '--train', manifest, '--valid', manifest, '--out', kept, '--init-from', join(base, 'final')]);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(join(kept, 'final', 'tokens.txt'), 'utf8').trim().split('\n')).toEqual(baseTokens);
    // another width: one error line naming the model's config.json
    const wide = join(mkdtempSync(join(tmpdir(), 'asr-train-cfg-')), 'config.json');
    const cfg = JSON.parse(readFileSync(frozen, 'utf8')) as { model: Record<string, unknown> };
    cfg.model.dModel = 32;
    writeFileSync(wide, JSON.stringify(cfg));
    const d = asr(['train', '--config', wide, '--train', manifest, '--valid', manifest, '--out', join(root, 'bad'), '--init-from', join(base, 'final')]);
    expect(d.code).not.toBe(0);
    expect(d.stderr.trim().split('\n').pop()).toMatch(/config\.json: dModel is 64, the run's model config has 32/);
  });

  it('Ctrl-C (SIGINT) writes a checkpoint and exits 130', async () => {
    const exp = join(mkdtempSync(join(tmpdir(), 'asr-exp-')), 'exp');
    const run = startTrain(['--config', tinyConfig({ epochs: 500, checkpointEverySteps: 1000 }), '--train', manifest, '--valid', manifest, '--out', exp]);
    await waitFor(() => /step 10\//.test(run.stderr()), 90_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('interrupted: checkpoint at step');
    // no periodic checkpoint was due (every 1000 steps): this one came from the interrupt
    expect(stepOf(exp)).toBeGreaterThanOrEqual(10);
    expect(existsSync(join(exp, 'final'))).toBe(false);
  });

  it('bad manifest lines stop with file:line, or are skipped and counted with --skip-bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-bad-'));
    const good = readFileSync(manifest, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const wav = (i: number): string => join(dirname(manifest), String(good[i].audio_filepath));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, [
      JSON.stringify({ audio_filepath: wav(0), duration: good[0].duration, text: good[0].text }),
      JSON.stringify({ audio_filepath: wav(1), text: good[1].text }),
      JSON.stringify({ audio_filepath: join(dir, 'nope.wav'), duration: 1, text: 'one' }),
      JSON.stringify({ audio_filepath: wav(2), duration: good[2].duration, text: '' }),
      JSON.stringify({ audio_filepath: wav(3), duration: good[3].duration, text: 'nine 9' }),
    ].join('\n') + '\n');
    const cfg = tinyConfig({ epochs: 1 });
    const r = asr(['train', '--config', cfg, '--train', bad, '--valid', manifest, '--out', join(dir, 'exp')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:2: missing "duration"`);
    const skip = asr(['train', '--config', cfg, '--train', bad, '--valid', manifest, '--out', join(dir, 'exp2'), '--skip-bad']);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/skipped 4 bad lines/);
    expect(skip.stderr).toContain('1 training utterances');
  });
});
