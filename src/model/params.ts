import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../util/random.js';
import { subsampledDim, subsamplingLayers, type ModelConfig } from './config.js';

/**
 * The model's parameters: names, shapes and initialisation, all derived from the config.
 *
 * Layouts (tfjs order, NOT PyTorch's):
 * - linear `*.weight` [in, out], `*.bias` [out]   (y = x W + b; PyTorch stores [out, in])
 * - conv2d `*.weight` [kh, kw, in, out]           (PyTorch: [out, in, kh, kw])
 * - depthwise conv `*.weight` [kernel, channels]  (PyTorch: [channels, 1, kernel])
 * - attention `qkv.weight` [d, 3d]: columns 0..d-1 Q, d..2d-1 K, 2d..3d-1 V; heads are contiguous column blocks
 * - `pos_bias_u`, `pos_bias_v` [heads, d/heads]
 * - batchnorm `running_mean`, `running_var` [channels]: state, not trained
 *
 * Names:
 *   subsampling.conv{1,2,3}.{weight,bias}, subsampling.out.{weight,bias}     (conv2d subsampling)
 *   subsampling.proj.{weight,bias}                                           (type none, inputDim != dModel)
 *   encoder.layers.{i}.ffn1.{norm,linear1,linear2}.*, .attn.{norm,qkv,out}.*, .attn.pos.weight,
 *     .attn.pos_bias_{u,v}, .conv.{norm,pointwise1,depthwise,pointwise2}.*, .conv.bn.* | .conv.ln.*,
 *     .ffn2.*, .final_norm.*                                                 (Conformer)
 *   encoder.layers.{i}.{attn,ffn}.*                                          (Transformer, pre-norm)
 *   encoder.final_norm.*                                                     (Transformer only)
 *   ctc_head.{weight,bias}
 */

export type Init =
  | { kind: 'uniform'; bound: number }
  | { kind: 'const'; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** False for BatchNorm running statistics. */
  trainable: boolean;
}

export function specSize(spec: ParamSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

function linear(out: ParamSpec[], name: string, inDim: number, outDim: number, bias = true): void {
  // PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
  const bound = 1 / Math.sqrt(inDim);
  out.push({ name: `${name}.weight`, shape: [inDim, outDim], init: { kind: 'uniform', bound }, trainable: true });
  if (bias) out.push({ name: `${name}.bias`, shape: [outDim], init: { kind: 'uniform', bound }, trainable: true });
}

function norm(out: ParamSpec[], name: string, dim: number): void {
  out.push({ name: `${name}.weight`, shape: [dim], init: { kind: 'const', value: 1 }, trainable: true });
  out.push({ name: `${name}.bias`, shape: [dim], init: { kind: 'const', value: 0 }, trainable: true });
}

function attention(out: ParamSpec[], p: string, c: ModelConfig): void {
  const d = c.dModel;
  norm(out, `${p}.norm`, d);
  linear(out, `${p}.qkv`, d, 3 * d);
  linear(out, `${p}.out`, d, d);
  if (c.posEnc === 'rel') {
    const dh = d / c.numHeads;
    linear(out, `${p}.pos`, d, d, false);
    const bound = Math.sqrt(6 / (c.numHeads + dh));
    out.push({ name: `${p}.pos_bias_u`, shape: [c.numHeads, dh], init: { kind: 'uniform', bound }, trainable: true });
    out.push({ name: `${p}.pos_bias_v`, shape: [c.numHeads, dh], init: { kind: 'uniform', bound }, trainable: true });
  }
}

function ffn(out: ParamSpec[], p: string, c: ModelConfig): void {
  norm(out, `${p}.norm`, c.dModel);
  linear(out, `${p}.linear1`, c.dModel, c.ffnDim);
  linear(out, `${p}.linear2`, c.ffnDim, c.dModel);
}

/** Every parameter of the model described by `c`, in a fixed order (the order saved to safetensors). */
export function parameterSpecs(c: ModelConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  const d = c.dModel;
  if (c.subsampling.type === 'conv2d') {
    const ch = c.subsampling.channels;
    let cin = 1;
    subsamplingLayers(c.subsampling.factor).forEach(([k], i) => {
      const bound = 1 / Math.sqrt(k * k * cin);
      out.push({ name: `subsampling.conv${i + 1}.weight`, shape: [k, k, cin, ch], init: { kind: 'uniform', bound }, trainable: true });
      out.push({ name: `subsampling.conv${i + 1}.bias`, shape: [ch], init: { kind: 'uniform', bound }, trainable: true });
      cin = ch;
    });
    linear(out, 'subsampling.out', ch * subsampledDim(c.inputDim, c.subsampling.factor), d);
  } else if (c.inputDim !== d) {
    linear(out, 'subsampling.proj', c.inputDim, d);
  }
  for (let i = 0; i < c.numLayers; i++) {
    const p = `encoder.layers.${i}`;
    if (c.block === 'conformer') {
      ffn(out, `${p}.ffn1`, c);
      attention(out, `${p}.attn`, c);
      norm(out, `${p}.conv.norm`, d);
      linear(out, `${p}.conv.pointwise1`, d, 2 * d);
      const kb = 1 / Math.sqrt(c.convKernel);
      out.push({ name: `${p}.conv.depthwise.weight`, shape: [c.convKernel, d], init: { kind: 'uniform', bound: kb }, trainable: true });
      out.push({ name: `${p}.conv.depthwise.bias`, shape: [d], init: { kind: 'uniform', bound: kb }, trainable: true });
      if (c.convNorm === 'batchnorm') {
        norm(out, `${p}.conv.bn`, d);
        out.push({ name: `${p}.conv.bn.running_mean`, shape: [d], init: { kind: 'const', value: 0 }, trainable: false });
        out.push({ name: `${p}.conv.bn.running_var`, shape: [d], init: { kind: 'const', value: 1 }, trainable: false });
      } else {
        norm(out, `${p}.conv.ln`, d);
      }
      linear(out, `${p}.conv.pointwise2`, d, d);
      ffn(out, `${p}.ffn2`, c);
      norm(out, `${p}.final_norm`, d);
    } else {
      attention(out, `${p}.attn`, c);
      ffn(out, `${p}.ffn`, c);
    }
  }
  if (c.block === 'transformer' && c.numLayers > 0) norm(out, 'encoder.final_norm', d);
  linear(out, 'ctc_head', d, c.vocabSize);
  return out;
}

/** Number of trainable scalars. */
export function countParameters(specs: ParamSpec[]): number {
  return specs.filter((s) => s.trainable).reduce((a, s) => a + specSize(s), 0);
}

function initValues(spec: ParamSpec, rng: Rng): Float32Array {
  const v = new Float32Array(specSize(spec));
  if (spec.init.kind === 'const') v.fill(spec.init.value);
  else for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * spec.init.bound;
  return v;
}

/** Initial values of every parameter from a seed (deterministic; independent of the backend). */
export function initialValues(specs: ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  return new Map(specs.map((s) => [s.name, initValues(s, rng)]));
}

/** Variables holding `values` (shapes from `specs`); trainable ones are marked for the optimizers. */
export function makeVariables(specs: ParamSpec[], values: Map<string, Float32Array>): Map<string, tf.Variable> {
  const vars = new Map<string, tf.Variable>();
  for (const s of specs) {
    const v = values.get(s.name);
    if (v === undefined) throw new Error(`no value for parameter ${s.name}`);
    const t = tf.tensor(v, s.shape, 'float32');
    vars.set(s.name, tf.variable(t, s.trainable, `${s.name}_${uniqueSuffix()}`));
    t.dispose(); // the variable holds its own reference to the data
  }
  return vars;
}

let variableCounter = 0;
/** tfjs variable names must be unique in the engine; several models may coexist. */
function uniqueSuffix(): string {
  variableCounter += 1;
  return `m${variableCounter}`;
}
