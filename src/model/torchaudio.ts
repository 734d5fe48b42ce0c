import { modelConfig, type ModelConfig } from './config.js';
import type { NamedArray } from './safetensors.js';

/**
 * Imports the weights of a `torchaudio.models.Conformer` followed by a `Linear` CTC head (state_dict names, PyTorch
 * layouts) into our parameter names and layouts (params.ts). torchaudio's model has no subsampling and no
 * positional encoding and does not mask padded frames in its convolution module, hence the config below.
 */

/** Our config equivalent to torchaudio's Conformer(input_dim, num_heads, ffn_dim, num_layers, kernel) + Linear head. */
export function torchaudioConformerConfig(o: { inputDim: number; numHeads: number; ffnDim: number; numLayers: number; kernel: number; vocabSize: number }): ModelConfig {
  return modelConfig({
    inputDim: o.inputDim,
    subsampling: { type: 'none', factor: 1 },
    dModel: o.inputDim,
    numLayers: o.numLayers,
    block: 'conformer',
    numHeads: o.numHeads,
    ffnDim: o.ffnDim,
    ffnActivation: 'silu',
    posEnc: 'none',
    convKernel: o.kernel,
    convNorm: 'batchnorm',
    maskConvPadding: false,
    dropout: 0,
    attentionDropout: 0,
    vocabSize: o.vocabSize,
  });
}

/** [rows, cols] row-major -> [cols, rows]. */
function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/**
 * Maps torchaudio names to ours. `prefix` is where the Conformer sits in the state_dict (e.g. `conformer.`),
 * `head` the name of the Linear head. Throws naming the first missing tensor.
 */
export function fromTorchaudioConformer(
  tensors: Map<string, NamedArray>,
  config: ModelConfig,
  prefix = 'conformer.',
  head = 'ctc_head',
): Map<string, Float32Array> {
  const get = (name: string): NamedArray => {
    const t = tensors.get(name);
    if (t === undefined) throw new Error(`torchaudio weights: missing ${name}`);
    return t;
  };
  const out = new Map<string, Float32Array>();
  const copy = (from: string, to: string): void => {
    out.set(to, get(from).data);
  };
  // Linear / pointwise Conv1d weight [out, in(, 1)] -> [in, out]
  const lin = (from: string, to: string, bias = true): void => {
    const w = get(`${from}.weight`);
    out.set(`${to}.weight`, transpose2d(w.data, w.shape[0], w.shape[1]));
    if (bias) copy(`${from}.bias`, `${to}.bias`);
  };
  const norm = (from: string, to: string): void => {
    copy(`${from}.weight`, `${to}.weight`);
    copy(`${from}.bias`, `${to}.bias`);
  };
  for (let i = 0; i < config.numLayers; i++) {
    const s = `${prefix}conformer_layers.${i}`;
    const d = `encoder.layers.${i}`;
    for (const f of ['ffn1', 'ffn2']) {
      norm(`${s}.${f}.sequential.0`, `${d}.${f}.norm`);
      lin(`${s}.${f}.sequential.1`, `${d}.${f}.linear1`);
      lin(`${s}.${f}.sequential.4`, `${d}.${f}.linear2`);
    }
    norm(`${s}.self_attn_layer_norm`, `${d}.attn.norm`);
    const inProj = get(`${s}.self_attn.in_proj_weight`); // [3d, d], rows Q | K | V
    out.set(`${d}.attn.qkv.weight`, transpose2d(inProj.data, inProj.shape[0], inProj.shape[1]));
    copy(`${s}.self_attn.in_proj_bias`, `${d}.attn.qkv.bias`);
    lin(`${s}.self_attn.out_proj`, `${d}.attn.out`);
    norm(`${s}.conv_module.layer_norm`, `${d}.conv.norm`);
    lin(`${s}.conv_module.sequential.0`, `${d}.conv.pointwise1`);
    const dw = get(`${s}.conv_module.sequential.2.weight`); // [C, 1, K]
    out.set(`${d}.conv.depthwise.weight`, transpose2d(dw.data, dw.shape[0], dw.shape[2]));
    copy(`${s}.conv_module.sequential.2.bias`, `${d}.conv.depthwise.bias`);
    norm(`${s}.conv_module.sequential.3`, `${d}.conv.bn`);
    copy(`${s}.conv_module.sequential.3.running_mean`, `${d}.conv.bn.running_mean`);
    copy(`${s}.conv_module.sequential.3.running_var`, `${d}.conv.bn.running_var`);
    lin(`${s}.conv_module.sequential.5`, `${d}.conv.pointwise2`);
    norm(`${s}.final_layer_norm`, `${d}.final_norm`);
  }
  lin(head, 'ctc_head');
  return out;
}
