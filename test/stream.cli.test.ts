import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './helpers/build.js';
import { initBackend } from '../src/backend/index.js';
import { createModel, disposeModel, modelConfig, saveModel } from '../src/model/index.js';
import { toS16le, twoUtterances, wavBytes, writeDetectorModelDir } from './helpers/stream-model.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');
const tmp = mkdtempSync(join(tmpdir(), 'asr-stream-cli-'));
const MODEL = join(tmp, 'model');
const OFFLINE = join(tmp, 'offline');

interface Line {
  type: string;
  text: string;
  start: number;
  end: number;
}

function run(args: string[], input?: Buffer, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [ASR, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    if (input) p.stdin.end(input);
    else p.stdin.end();
  });
}

function lines(stdout: string): Line[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Line);
}

const COMMON = ['--model', MODEL, '--backend', 'wasm', '--chunk-ms', '160'];

beforeAll(async () => {
  buildOnce();
  await initBackend({ backend: 'wasm', threads: 1 });
  await writeDetectorModelDir(MODEL);
  const offline = createModel(modelConfig({ inputDim: 8, subsampling: { type: 'conv2d', factor: 4, channels: 4 }, dModel: 8, numLayers: 1, numHeads: 2, ffnDim: 8, convKernel: 3, vocabSize: 3 }), 1);
  await saveModel(OFFLINE, offline, ['<blk>', '|', 'a']);
  disposeModel(offline);
}, 180_000);

describe('asr stream', () => {
  it('stdin raw s16le: JSON lines, endpointing splits two utterances, closed input still gives the last final', async () => {
    const r = await run(['stream', '-', ...COMMON], toS16le(twoUtterances()));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ev = lines(r.stdout);
    const finals = ev.filter((e) => e.type === 'final');
    expect(finals.map((f) => f.text)).toEqual(['a', 'a']);
    expect(finals[0].start).toBeCloseTo(0.3, 1);
    expect(finals[0].end).toBeCloseTo(1.1, 1);
    expect(finals[1].start).toBeCloseTo(2.7, 1);
    expect(ev.some((e) => e.type === 'partial' && e.text === 'a')).toBe(true);
    for (const e of ev) expect(Object.keys(e).slice(0, 4)).toEqual(['type', 'text', 'start', 'end']);
  });

  it('stdin WAV at 8 kHz (sniffed from the header) and --input FILE', async () => {
    const wav = wavBytes(twoUtterances(8000), 8000);
    const r = await run(['stream', '-', ...COMMON, '--greedy'], wav);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout).filter((e) => e.type === 'final').map((f) => f.text)).toEqual(['a', 'a']);
    const file = join(tmp, 'two.wav');
    writeFileSync(file, wav);
    const f = await run(['stream', '--input', file, ...COMMON]);
    expect(f.code).toBe(0);
    expect(lines(f.stdout).filter((e) => e.type === 'final').map((x) => x.text)).toEqual(['a', 'a']);
  });

  it("a model's decode.json sets the decoder's defaults; a flag given overrides it", async () => {
    const file = join(tmp, 'two-defaults.wav');
    writeFileSync(file, wavBytes(twoUtterances(8000), 8000));
    const withDefaults = join(tmp, 'model-with-defaults');
    cpSync(MODEL, withDefaults, { recursive: true });
    // a blank penalty of -50 makes blank win every frame: nothing is recognised
    const save = spawnSync(process.execPath, [ASR, 'decode', '--save-defaults', withDefaults, '--blank-penalty', '-50'], { encoding: 'utf8' });
    expect(save.status, save.stderr).toBe(0);
    const common = ['--backend', 'wasm', '--chunk-ms', '160'];
    const finals = (out: string): string[] => lines(out).filter((e) => e.type === 'final').map((x) => x.text);
    const d = await run(['stream', '--input', file, '--model', withDefaults, ...common]);
    expect(d.code, d.stderr).toBe(0);
    expect(finals(d.stdout).filter((t) => t !== '')).toEqual([]);
    const o = await run(['stream', '--input', file, '--model', withDefaults, ...common, '--blank-penalty', '0']);
    expect(finals(o.stdout)).toEqual(['a', 'a']);
  });

  it('--mic-command: a fake recorder writing PCM at real-time pace, end to end', async () => {
    const pcm = join(tmp, 'mic.raw');
    writeFileSync(pcm, toS16le(twoUtterances()));
    const rec = join(tmp, 'fake-recorder.mjs');
    writeFileSync(
      rec,
      `import { readFileSync } from 'node:fs';
const b = readFileSync(${JSON.stringify(pcm)});
let o = 0;
const t = setInterval(() => {
  if (o >= b.length) { clearInterval(t); process.stdout.end(); return; }
  process.stdout.write(b.subarray(o, o + 3200)); o += 3200;
}, 100);
`,
    );
    const t0 = Date.now();
    const r = await run(['stream', '--mic-command', `"${process.execPath}" "${rec}"`, ...COMMON]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(2500); // it really was paced
    expect(lines(r.stdout).filter((e) => e.type === 'final').map((f) => f.text)).toEqual(['a', 'a']);
  });

  it('--mic without any recorder, a failing recorder, and bad arguments: one-line errors', async () => {
    const empty = join(tmp, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const none = await run(['stream', '--mic', ...COMMON], undefined, { ...process.env, PATH: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^asr: error: --mic: no recorder found \(install arecord/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await run(['stream', '--mic-command', 'echo no device >&2; exit 3', ...COMMON]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/ended with code 3 before any audio: no device$/);
    const two = spawnSync(process.execPath, [ASR, 'stream', '-', '--mic', ...COMMON], { encoding: 'utf8', input: '' });
    expect(two.status).toBe(1);
    expect(two.stderr).toMatch(/exactly one source/);
    const noModel = await run(['stream', '-', '--model', join(tmp, 'nope')], Buffer.alloc(0));
    expect(noModel.stderr).toMatch(/nope: model directory not found/);
    const centred = await run(['stream', '-', '--model', OFFLINE, '--backend', 'wasm'], Buffer.alloc(0));
    expect(centred.code).toBe(1);
    expect(centred.stderr.trim()).toBe(`asr: error: ${join(OFFLINE, 'config.json')}: the model has a centred convolution (causalConv false); streaming needs a model trained with causalConv true`);
  });
});
