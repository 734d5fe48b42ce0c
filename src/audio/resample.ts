import { AsrError } from '../util/errors.js';

/** torchaudio.functional.resample's sinc_interpolation options (its defaults). */
export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (default 6). */
  lowpassFilterWidth?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency (default 0.99). */
  rolloff?: number;
}

/**
 * The band-limited interpolation filter torchaudio builds for `orig -> new` (rates reduced by their gcd), split into
 * its `new` phases with the taps that are exactly outside the window dropped. Output sample `c*new + j` is
 *   sum_t taps[starts[j] + t] * x[c*orig + offsets[j] + t],   t < lengths[j],
 * with x zero outside the signal (torchaudio pads `width` zeros on the left and `width + orig` on the right).
 */
export interface PolyphaseKernel {
  orig: number;
  new: number;
  /** torchaudio's `width`: ceil(lowpassFilterWidth * orig / (min(orig, new) * rolloff)). */
  width: number;
  /** [new] first input offset of each phase, relative to c*orig */
  offsets: Int32Array;
  /** [new] taps of each phase */
  lengths: Int32Array;
  /** [new] where each phase's taps start in `taps` */
  starts: Int32Array;
  /** all phases' taps, concatenated, float64 */
  taps: Float64Array;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function checkRate(rate: number, what: string): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new AsrError(`resample: ${what} sample rate must be a positive integer, got ${rate}`);
}

/**
 * Builds torchaudio's `_get_sinc_resample_kernel` (sinc_interpolation, Hann-shaped window cos^2) in float64, with the
 * same order of operations, and keeps per phase only the taps with |t| < lowpassFilterWidth: the others have window
 * cos^2(pi/2) ~ 4e-33 times a sinc of ~1e-17, i.e. they add nothing a float64 sum can see.
 */
export function sincResampleKernel(origRate: number, newRate: number, options: ResampleOptions = {}): PolyphaseKernel {
  checkRate(origRate, 'input');
  checkRate(newRate, 'output');
  const lpw = options.lowpassFilterWidth ?? 6;
  const rolloff = options.rolloff ?? 0.99;
  if (!(lpw > 0)) throw new AsrError(`resample: lowpass filter width must be positive, got ${lpw}`);
  if (!(rolloff > 0 && rolloff <= 1)) throw new AsrError(`resample: rolloff must be in (0, 1], got ${rolloff}`);
  const g = gcd(origRate, newRate);
  const orig = origRate / g;
  const nw = newRate / g;
  const baseFreq = Math.min(orig, nw) * rolloff;
  const width = Math.ceil((lpw * orig) / baseFreq);
  const scale = baseFreq / orig;
  const K = 2 * width + orig;
  const offsets = new Int32Array(nw);
  const lengths = new Int32Array(nw);
  const starts = new Int32Array(nw);
  const taps: number[] = [];
  for (let j = 0; j < nw; j++) {
    let first = -1;
    let last = -1;
    const row: number[] = [];
    for (let k = 0; k < K; k++) {
      let t = (-j / nw + (k - width) / orig) * baseFreq;
      if (!(Math.abs(t) < lpw)) continue;
      if (first < 0) first = k;
      // Taps strictly inside the window are contiguous in k, since t increases with k.
      last = k;
      const window = Math.cos((t * Math.PI) / lpw / 2) ** 2;
      t *= Math.PI;
      const sinc = t === 0 ? 1 : Math.sin(t) / t;
      row.push(sinc * (window * scale));
    }
    offsets[j] = first < 0 ? 0 : first - width;
    lengths[j] = first < 0 ? 0 : last - first + 1;
    starts[j] = taps.length;
    taps.push(...row);
  }
  return { orig, new: nw, width, offsets, lengths, starts, taps: Float64Array.from(taps) };
}

/** torchaudio's output length: ceil(new * n / orig) with the rates reduced by their gcd. */
export function resampledLength(n: number, origRate: number, newRate: number): number {
  const g = gcd(origRate, newRate);
  const orig = origRate / g;
  const nw = newRate / g;
  return Math.floor((nw * n + orig - 1) / orig);
}

/**
 * Incremental resampling. Chunks of any size in, and the concatenated outputs (after `flush()`) equal the
 * whole-signal {@link resample} sample for sample: each output block is computed only once all the input it reads
 * has arrived, from the same float64 arithmetic.
 */
export interface StreamingResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Feeds samples; returns the output they complete (possibly empty), in float64. */
  accept(samples: Float32Array | Float64Array): Float64Array;
  /** Ends the signal (zeros beyond it, as torchaudio pads) and returns the rest, up to ceil(new*n/orig) in all. */
  flush(): Float64Array;
}

export function createResampler(inputRate: number, outputRate: number, options: ResampleOptions = {}): StreamingResampler {
  const kernel = sincResampleKernel(inputRate, outputRate, options);
  const { orig, new: nw, offsets, lengths, starts, taps } = kernel;
  let flushed = false;
  const done = (): never => {
    throw new AsrError('resample: accept() or flush() after flush()');
  };

  if (orig === 1 && nw === 1) {
    // torchaudio returns the input unchanged when the rates are equal.
    return {
      inputRate,
      outputRate,
      accept: (s) => (flushed ? done() : Float64Array.from(s)),
      flush: () => (flushed ? done() : ((flushed = true), new Float64Array(0))),
    };
  }

  let minOff = 0;
  let maxEnd = 0; // block c reads x[c*orig + minOff, c*orig + maxEnd)
  for (let j = 0; j < nw; j++) {
    if (lengths[j] === 0) continue;
    minOff = Math.min(minOff, offsets[j]);
    maxEnd = Math.max(maxEnd, offsets[j] + lengths[j]);
  }
  // buf holds x[bufStart, bufStart + bufLen); x < 0 is zero padding.
  let buf = new Float64Array(Math.max(1 << 14, 4 * (maxEnd - minOff + orig)));
  let bufStart = minOff;
  let bufLen = -minOff;
  let totalIn = 0;
  let block = 0;

  const append = (s: ArrayLike<number>, n: number): void => {
    // Drop the input no future block reads, then grow if still needed.
    const keepFrom = block * orig + minOff - bufStart;
    if (keepFrom > 0 && bufLen + n > buf.length) {
      buf.copyWithin(0, keepFrom, bufLen);
      bufStart += keepFrom;
      bufLen -= keepFrom;
    }
    if (bufLen + n > buf.length) {
      const next = new Float64Array(Math.max(2 * buf.length, bufLen + n));
      next.set(buf.subarray(0, bufLen));
      buf = next;
    }
    if (s.length === 0) buf.fill(0, bufLen, bufLen + n);
    else for (let i = 0; i < n; i++) buf[bufLen + i] = s[i];
    bufLen += n;
  };

  /** Computes blocks [block, block + count) into out[at...], all of their input being in buf. */
  const run = (count: number, out: Float64Array): void => {
    let o = 0;
    for (let b = 0; b < count; b++, block++) {
      const base = block * orig - bufStart;
      for (let j = 0; j < nw; j++) {
        const p = base + offsets[j];
        const st = starts[j];
        const len = lengths[j];
        let acc = 0;
        for (let t = 0; t < len; t++) acc += taps[st + t] * buf[p + t];
        out[o++] = acc;
      }
    }
  };

  return {
    inputRate,
    outputRate,
    accept(samples) {
      if (flushed) done();
      append(samples, samples.length);
      totalIn += samples.length;
      const ready = totalIn >= maxEnd ? Math.floor((totalIn - maxEnd) / orig) + 1 - block : 0;
      if (ready <= 0) return new Float64Array(0);
      const out = new Float64Array(ready * nw);
      run(ready, out);
      return out;
    },
    flush() {
      if (flushed) done();
      flushed = true;
      const target = resampledLength(totalIn, orig, nw);
      const left = target - block * nw;
      if (left <= 0) return new Float64Array(0);
      const blocks = Math.ceil(left / nw);
      // Zero padding so the last block's reads stay inside buf.
      const need = (block + blocks - 1) * orig + maxEnd - (bufStart + bufLen);
      if (need > 0) append([], need);
      const out = new Float64Array(blocks * nw);
      run(blocks, out);
      return out.subarray(0, left);
    },
  };
}

/**
 * torchaudio.functional.resample(x, origRate, newRate) with sinc_interpolation: a windowed-sinc polyphase filter,
 * computed and returned in float64, output length ceil(new * n / orig) after gcd reduction. float64 out, because
 * rounding to float32 shows downstream: in the near-empty band of 8k -> 16k audio it moves Kaldi log-mel bins by
 * up to 0.03 against the float64 reference pipeline (1.5e-4 when kept in float64).
 * @param x [n] samples
 * @returns [ceil(new * n / orig)]
 */
export function resample(x: Float32Array | Float64Array, origRate: number, newRate: number, options: ResampleOptions = {}): Float64Array {
  const r = createResampler(origRate, newRate, options);
  const total = resampledLength(x.length, origRate, newRate);
  const out = new Float64Array(total);
  let o = 0;
  // Bounded pieces keep the float64 working buffer small for long signals.
  const piece = 1 << 20;
  for (let i = 0; i < x.length; i += piece) {
    const y = r.accept(x.subarray(i, Math.min(x.length, i + piece)));
    out.set(y, o);
    o += y.length;
  }
  const y = r.flush();
  out.set(y, o);
  return out;
}
