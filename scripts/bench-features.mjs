#!/usr/bin/env node
// Feature extraction speed: MFCC and fbank on 30 minutes of 16 kHz audio, one core, whole process (read WAV,
// compute, write .npy), against torchaudio.compliance.kaldi in the same run when /usr/bin/python3 has it.
// Usage: npm run bench -- features [--minutes 30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const minutesArg = process.argv.indexOf('--minutes');
const minutes = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 30;
const seconds = minutes * 60;
const rate = 16000;
const dir = mkdtempSync(join(tmpdir(), 'asr-bench-features-'));

/** 16-bit mono WAV of speech-like test audio (harmonics with a moving pitch plus noise), written in blocks. */
function writeTestWav(path, n) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + 2 * n, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(2 * n, 40);
  const body = Buffer.alloc(2 * n);
  let seed = 12345;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const f0 = 120 + 40 * Math.sin((2 * Math.PI * i) / (rate * 3));
    phase += (2 * Math.PI * f0) / rate;
    const v = 0.2 * Math.sin(phase) + 0.1 * Math.sin(3 * phase) + 0.02 * (seed / 4294967296 - 0.5);
    body.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), 2 * i);
  }
  writeFileSync(path, Buffer.concat([header, body]));
}

/**
 * Runs a command to completion; wall seconds and, through GNU time when present, CPU seconds (user + sys): on a
 * busy machine CPU time is the steadier measure of one-core throughput.
 */
function timeCommand(cmd, args, env = {}) {
  const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;
  const [c, a] = gnuTime ? ['/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /CPU ([0-9.]+) ([0-9.]+)\s*$/.exec(r.stderr ?? '');
  const cpu = m ? Number(m[1]) + Number(m[2]) : null;
  return { wall, cpu, stdout: r.stdout };
}

function describe(label, { wall, cpu }) {
  const cpuText = cpu === null ? '' : `, ${cpu.toFixed(2)} s CPU = ${(seconds / cpu).toFixed(0)}x real time per CPU second`;
  console.log(`${label}: ${wall.toFixed(2)} s wall = ${(seconds / wall).toFixed(0)}x real time${cpuText} (one core, whole process)`);
}

const wav = join(dir, 'bench.wav');
writeTestWav(wav, seconds * rate);
console.log(`audio: ${minutes} min of 16 kHz mono (${(statSync(wav).size / 1e6).toFixed(1)} MB WAV)`);
const oneCore = (cmd, args, env) => timeCommand('taskset', ['-c', '0', cmd, ...args], env);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const run = hasTaskset ? oneCore : timeCommand;
const results = {};

for (const type of ['mfcc', 'fbank']) {
  const out = join(dir, `ours.${type}.npy`);
  const extra = type === 'fbank' ? ['--num-mel-bins', '80'] : [];
  const t = run(process.execPath, [join(root, 'bin', 'asr.js'), 'features', wav, '--type', type, ...extra, '--output', out]);
  results[`asr_${type}_xrt`] = seconds / t.wall;
  if (t.cpu !== null) results[`asr_${type}_xrt_cpu`] = seconds / t.cpu;
  describe(`asr features --type ${type}${extra.length ? ' --num-mel-bins 80' : ''}`, t);
}

const py = '/usr/bin/python3';
const probe = spawnSync(py, ['-c', 'import torchaudio'], { encoding: 'utf8' });
if (probe.status === 0) {
  const script = `
import sys, time, numpy as np, torch, torchaudio
torch.set_num_threads(1)
from torchaudio.compliance import kaldi
kind, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
w, sr = torchaudio.load(path)
w = w * 32768.0
if kind == 'mfcc':
    f = kaldi.mfcc(w, dither=0.0, use_energy=True, energy_floor=0.0)
else:
    f = kaldi.fbank(w, dither=0.0, num_mel_bins=80, energy_floor=0.0)
np.save(out, f.numpy())
`;
  writeFileSync(join(dir, 'ta.py'), script);
  const env = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  for (const type of ['mfcc', 'fbank']) {
    const t = run(py, [join(dir, 'ta.py'), type, wav, join(dir, `ta.${type}.npy`)], env);
    results[`torchaudio_${type}_xrt`] = seconds / t.wall;
    if (t.cpu !== null) results[`torchaudio_${type}_xrt_cpu`] = seconds / t.cpu;
    describe(`torchaudio.compliance.kaldi.${type} (1 thread)`, t);
    const cpuRatio = t.cpu !== null && results[`asr_${type}_xrt_cpu`] ? `, ${(results[`asr_${type}_xrt_cpu`] / results[`torchaudio_${type}_xrt_cpu`]).toFixed(2)}x by CPU time` : '';
    console.log(`  ratio asr / torchaudio: ${(results[`asr_${type}_xrt`] / results[`torchaudio_${type}_xrt`]).toFixed(2)}x by wall time${cpuRatio}`);
  }
} else {
  console.log('torchaudio not found for /usr/bin/python3 (apt-get install python3-torchaudio): peer not measured');
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ minutes, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)])) }));
