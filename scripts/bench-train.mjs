#!/usr/bin/env node
// Training speed of the reference acoustic model: fbank80 input, Conv2d 4x subsampling to 144, 8 Conformer blocks
// (4 heads, FFN 576, depthwise kernel 31, relative positions), 30 tokens, batch 8 x 10 s. Times one training
// step (forward + CTC + backward + Adam), the CTC share of it, inference RTF on one 10 s utterance, and the same
// model and step in PyTorch (/usr/bin/python3, OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1) when present.
// Usage: npm run bench -- train [--backend wasm] [--threads 2] [--steps 3] [--batch 8] [--seconds 10]
//        [--checkpoint auto|on|off] [--no-torch] [--profile] [--matmul-only]
//        (--profile: per-kernel times of one step, slowest first; checkpointing is on by default for wasm, whose
//        heap cannot hold this batch's activations without it)
// The last line is JSON.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../dist/backend/index.js';
import { createModel, forward, parameterCount, trainableVariables, applyBatchNormUpdates, modelConfig, outputLength } from '../dist/model/index.js';
import { ctcLoss } from '../dist/train/ctc.js';
import { createRng } from '../dist/util/random.js';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const flag = (name) => argv.includes(`--${name}`);
const steps = Number(opt('steps', '3'));
const batch = Number(opt('batch', '8'));
const seconds = Number(opt('seconds', '10'));
const frames = Math.floor((seconds * 16000 - 400) / 160) + 1; // Kaldi fbank, 25 ms / 10 ms, snip_edges
const labelsPerItem = Math.round(seconds * 15); // ~15 characters per second of speech
const threadsArg = opt('threads', undefined);
const checkpointArg = opt('checkpoint', 'auto'); // on | off | auto (on for wasm: its heap is capped at 4 GB)

const info = await initBackend({ backend: opt('backend', undefined), threads: threadsArg === undefined ? undefined : Number(threadsArg) });
console.log(describeBackend(info));
const checkpoint = checkpointArg === 'on' || (checkpointArg === 'auto' && info.name === 'wasm');

// raw float32 matMul speed of the backend (1024 x 1024 x 1024)
function matmulGflops(n = 1024) {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dataSync();
  const reps = 8;
  const t = performance.now();
  for (let i = 0; i < reps; i++) {
    // (not tf.tidy(() => ...dataSync()): tidy walks a returned typed array element by element)
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const gflops = (2 * n ** 3 * reps) / ((performance.now() - t) / 1000) / 1e9;
  tf.dispose([a, b]);
  return gflops;
}
const gflops = matmulGflops();
console.log(`matmul 1024^3 float32: ${gflops.toFixed(1)} GFLOP/s`);
if (flag('matmul-only')) process.exit(0);

const config = modelConfig({}); // the defaults are the reference model
const model = createModel(config, 1);
const params = parameterCount(model);
console.log(`model: conformer ${config.numLayers}x${config.dModel}, ${config.numHeads} heads, ffn ${config.ffnDim}, kernel ${config.convKernel}, ` +
  `${config.subsampling.factor}x conv2d subsampling, posEnc ${config.posEnc}, dropout ${config.dropout}; ${params} parameters` +
  `; gradient checkpointing ${checkpoint ? 'on' : 'off'}`);
console.log(`batch: ${batch} x ${seconds} s (${frames} frames of 80-dim fbank), ${labelsPerItem} labels per item`);

const rng = createRng(1234);
const feats = new Float32Array(batch * frames * 80).map(() => rng.normal());
const targets = Array.from({ length: batch }, () => Array.from({ length: labelsPerItem }, () => rng.int(1, config.vocabSize - 1)));
const lengths = new Array(batch).fill(frames);
const x = tf.tensor3d(feats, [batch, frames, 80]);
const optimizer = tf.train.adam(1e-4);
const vars = trainableVariables(model);
const dropRng = createRng(99);

function step() {
  const updates = [];
  const loss = optimizer.minimize(() => {
    const out = forward(model, x, lengths, { training: true, rng: dropRng, checkpoint });
    updates.push(...out.batchNormUpdates);
    return ctcLoss(out.logits, targets, out.outputLengths, { zeroInfinity: true });
  }, true, vars);
  const v = loss.dataSync()[0];
  loss.dispose();
  applyBatchNormUpdates(model, updates);
  return v;
}

const now = () => performance.now();
let t0 = now();
const firstLoss = step();
console.log(`warm-up step: ${(now() - t0).toFixed(0)} ms, loss ${firstLoss.toFixed(3)}`);
const tensorsBefore = tf.memory().numTensors;

if (flag('profile')) {
  const prof = await tf.profile(() => {
    step();
  });
  const byKernel = new Map();
  for (const k of prof.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.n += 1;
    byKernel.set(k.name, e);
  }
  const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.log(`profile: ${prof.kernels.length} kernels, ${total.toFixed(0)} ms in kernels; peak ${(prof.peakBytes / 1e6).toFixed(0)} MB`);
  for (const [name, e] of rows.slice(0, 25)) console.log(`  ${name.padEnd(32)} ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.n).padStart(5)} calls`);
  console.log('slowest single kernels:');
  const single = prof.kernels.filter((k) => typeof k.kernelTimeMs === 'number').sort((a, b) => b.kernelTimeMs - a.kernelTimeMs);
  for (const k of single.slice(0, 15)) {
    console.log(`  ${k.name.padEnd(24)} ${k.kernelTimeMs.toFixed(1).padStart(8)} ms  in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
  }
}

const times = [];
let lastLoss = firstLoss;
for (let i = 0; i < steps; i++) {
  t0 = now();
  lastLoss = step();
  times.push(now() - t0);
}
const msPerStep = times.reduce((a, b) => a + b, 0) / times.length;
const leaked = tf.memory().numTensors - tensorsBefore;
console.log(`train step: ${times.map((t) => t.toFixed(0)).join(', ')} ms -> ${msPerStep.toFixed(0)} ms/step, ` +
  `${((batch * seconds) / (msPerStep / 1000)).toFixed(1)} audio-s/s, loss ${lastLoss.toFixed(3)}, tensors leaked/step ${leaked / steps}`);

// CTC alone (loss + gradient) on logits of the step's shape
const T2 = outputLength(config, frames);
const logits = tf.randomNormal([batch, T2, config.vocabSize], 0, 1, 'float32', 5);
const outLens = new Array(batch).fill(T2);
const ctcGrad = tf.grad((l) => ctcLoss(l, targets, outLens, { zeroInfinity: true }));
ctcGrad(logits).dispose();
t0 = now();
const ctcReps = 5;
for (let i = 0; i < ctcReps; i++) ctcGrad(logits).dataSync();
const ctcMs = (now() - t0) / ctcReps;
console.log(`ctc loss + gradient: ${ctcMs.toFixed(1)} ms (${((100 * ctcMs) / msPerStep).toFixed(1)} % of a step)`);

// inference on one utterance
const one = x.slice([0, 0, 0], [1, frames, 80]);
const infer = () => {
  const out = forward(model, one, [frames]);
  out.logits.dataSync();
  tf.dispose([out.logits, out.encoderOut]);
};
infer();
t0 = now();
const inferReps = 3;
for (let i = 0; i < inferReps; i++) infer();
const inferMs = (now() - t0) / inferReps;
const rtf = inferMs / 1000 / seconds;
console.log(`inference: ${inferMs.toFixed(0)} ms for ${seconds} s -> RTF ${rtf.toFixed(4)}`);
let heapMb = null;
if (info.name === 'wasm') {
  const be = tf.backend();
  heapMb = be.wasm.HEAPU8.buffer.byteLength / 1e6;
  console.log(`wasm heap: ${heapMb.toFixed(0)} MB`);
}

// ---- PyTorch: the same model and step ----
const PY = String.raw`
import json, math, sys, time, os
import torch, torch.nn as nn, torch.nn.functional as F
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
d, H, ffn, K, V, L = cfg['d'], cfg['heads'], cfg['ffn'], cfg['kernel'], cfg['vocab'], cfg['layers']
B, T, S, p = cfg['batch'], cfg['frames'], cfg['labels'], cfg['dropout']

class FFN(nn.Module):
    def __init__(s):
        super().__init__(); s.n = nn.LayerNorm(d); s.l1 = nn.Linear(d, ffn); s.l2 = nn.Linear(ffn, d); s.dp = nn.Dropout(p)
    def forward(s, x): return s.dp(s.l2(s.dp(F.silu(s.l1(s.n(x))))))

def rel_shift(x):  # [N, T, 2T-1] -> [N, T, T], out[i, j] = x[i, T-1-i+j]
    N, T, P = x.shape
    x = F.pad(x, (1, 0)).view(N, P + 1, T)[:, 1:].reshape(N, T, P)
    return x[:, :, :T]

class RelMHSA(nn.Module):
    def __init__(s):
        super().__init__(); s.qkv = nn.Linear(d, 3 * d); s.out = nn.Linear(d, d); s.pos = nn.Linear(d, d, bias=False)
        s.u = nn.Parameter(torch.zeros(H, d // H)); s.v = nn.Parameter(torch.zeros(H, d // H)); s.dp = nn.Dropout(p)
    def forward(s, x, pe, bias):
        B, T, _ = x.shape; dh = d // H
        q, k, v = s.qkv(x).view(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)  # [B, H, T, dh]
        pp = s.pos(pe).view(-1, H, dh).transpose(0, 1)  # [H, 2T-1, dh]
        sc = 1 / math.sqrt(dh)
        ac = ((q + s.u[None, :, None]) * sc) @ k.transpose(-1, -2)
        bd = ((q + s.v[None, :, None]) * sc) @ pp.transpose(-1, -2).unsqueeze(0)
        bd = rel_shift(bd.reshape(B * H, T, -1)).view(B, H, T, T)
        w = s.dp(torch.softmax(ac + bd + bias, -1))
        return s.dp(s.out((w @ v).transpose(1, 2).reshape(B, T, d)))

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.f1 = FFN(); s.f2 = FFN(); s.an = nn.LayerNorm(d); s.att = RelMHSA()
        s.cn = nn.LayerNorm(d); s.pw1 = nn.Linear(d, 2 * d); s.dw = nn.Conv1d(d, d, K, padding=K // 2, groups=d)
        s.bn = nn.BatchNorm1d(d); s.pw2 = nn.Linear(d, d); s.fn = nn.LayerNorm(d); s.dp = nn.Dropout(p)
    def forward(s, x, pe, bias, mask):
        x = x + 0.5 * s.f1(x)
        x = x + s.att(s.an(x), pe, bias)
        h = F.glu(s.pw1(s.cn(x)), -1) * mask
        h = s.bn(s.dw(h.transpose(1, 2))).transpose(1, 2)
        x = x + s.dp(s.pw2(F.silu(h)))
        x = x + 0.5 * s.f2(x)
        return s.fn(x)

class Model(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, d, 3, 2); s.c2 = nn.Conv2d(d, d, 3, 2); s.lin = nn.Linear(d * 19, d)
        s.blocks = nn.ModuleList([Block() for _ in range(L)]); s.head = nn.Linear(d, V); s.dp = nn.Dropout(p)
    def forward(s, x):
        h = F.relu(s.c2(F.relu(s.c1(x.unsqueeze(1)))))  # [B, d, T', 19]
        B, C, T2, F2 = h.shape
        h = s.dp(s.lin(h.permute(0, 2, 3, 1).reshape(B, T2, F2 * C)))
        pos = torch.arange(T2 - 1, -T2, -1, dtype=torch.float32)[:, None]
        div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
        pe = torch.zeros(2 * T2 - 1, d); pe[:, 0::2] = torch.sin(pos * div); pe[:, 1::2] = torch.cos(pos * div)
        bias = torch.zeros(B, 1, 1, T2); mask = torch.ones(B, T2, 1)
        for b in s.blocks: h = b(h, pe, bias, mask)
        return s.head(h)

m = Model(); m.train()
params = sum(q.numel() for q in m.parameters())
opt = torch.optim.Adam(m.parameters(), lr=1e-4)
x = torch.randn(B, T, 80)
tg = torch.randint(1, V, (B, S)); tl = torch.full((B,), S, dtype=torch.long)
def step():
    opt.zero_grad()
    lo = m(x); T2 = lo.shape[1]
    loss = F.ctc_loss(lo.log_softmax(-1).transpose(0, 1), tg, torch.full((B,), T2, dtype=torch.long), tl, zero_infinity=True)
    loss.backward(); opt.step(); return loss.item()
step()
ts = []
for _ in range(cfg['steps']):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
m.eval()
with torch.no_grad():
    one = x[:1]; m(one); t0 = time.perf_counter()
    for _ in range(3): m(one)
    infer = (time.perf_counter() - t0) / 3
blas = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and l.split()[-1].startswith('/')})
print(json.dumps({'ms_per_step': 1000 * sum(ts) / len(ts), 'steps_ms': [1000 * t for t in ts], 'params': params,
                  'infer_ms': 1000 * infer, 'threads': torch.get_num_threads(), 'blas': blas, 'torch': torch.__version__}))
`;

let torch = null;
if (!flag('no-torch')) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) console.log('pytorch: not available (/usr/bin/python3 cannot import torch)');
  else {
    const dir = mkdtempSync(join(tmpdir(), 'asr-bench-train-'));
    const script = join(dir, 'bench.py');
    writeFileSync(script, PY);
    const cfg = { d: config.dModel, heads: config.numHeads, ffn: config.ffnDim, kernel: config.convKernel, vocab: config.vocabSize,
      layers: config.numLayers, batch, frames, labels: labelsPerItem, dropout: config.dropout, steps };
    const r = spawnSync('/usr/bin/python3', [script, JSON.stringify(cfg)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' },
      maxBuffer: 1 << 24,
    });
    rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) console.log(`pytorch: failed (${r.stderr.trim().split('\n').pop()})`);
    else {
      torch = JSON.parse(r.stdout.trim().split('\n').pop());
      console.log(`pytorch ${torch.torch} (${torch.threads} threads, BLAS ${torch.blas.join(', ') || 'built in'}): ` +
        `${torch.ms_per_step.toFixed(0)} ms/step, ${torch.params} parameters, inference RTF ${(torch.infer_ms / 1000 / seconds).toFixed(4)}`);
      console.log(`ratio (ours / pytorch): ${(msPerStep / torch.ms_per_step).toFixed(2)}x per training step, ` +
        `${(inferMs / torch.infer_ms).toFixed(2)}x per inference`);
    }
  }
}

console.log(JSON.stringify({
  backend: info.name,
  threads: info.threads,
  matmul_gflops: Number(gflops.toFixed(1)),
  ms_per_step: Math.round(msPerStep),
  audio_seconds_per_second: Number(((batch * seconds) / (msPerStep / 1000)).toFixed(2)),
  params,
  ctc_ms: Number(ctcMs.toFixed(1)),
  ctc_share: Number((ctcMs / msPerStep).toFixed(4)),
  inference_rtf: Number(rtf.toFixed(4)),
  wasm_heap_mb: heapMb === null ? null : Math.round(heapMb),
  torch_ms_per_step: torch === null ? null : Math.round(torch.ms_per_step),
  torch_params: torch === null ? null : torch.params,
  ratio_vs_torch: torch === null ? null : Number((msPerStep / torch.ms_per_step).toFixed(2)),
}));
process.exit(0);
