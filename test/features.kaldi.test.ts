import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { WaveFile } from 'wavefile';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { fbank, mfcc } from '../src/features/compute.js';
import type { MfccOptions, WindowType } from '../src/features/options.js';

const FEAT_DIR = join(REFERENCE_DIR, 'features');

interface FeatureCase {
  case: string;
  input_wav: string;
  function: string;
  options: Record<string, number | boolean | string>;
  output: BinDescriptor;
}

/** int16 WAV as floats in [-1, 1) (int16 / 32768 exactly). */
function readWavFloat(path: string): Float64Array {
  const wav = new WaveFile(readFileSync(path));
  const s = wav.getSamples(false, Float64Array) as unknown as Float64Array;
  return Float64Array.from(s, (v) => v / 32768);
}

/** torchaudio's snake_case option names to ours. */
function toOptions(o: FeatureCase['options']): Partial<MfccOptions> {
  const n = (k: string): number => o[k] as number;
  const b = (k: string): boolean => o[k] as boolean;
  return {
    sampleFrequency: n('sample_frequency'),
    frameLength: n('frame_length'),
    frameShift: n('frame_shift'),
    dither: n('dither'),
    preemphasisCoefficient: n('preemphasis_coefficient'),
    removeDcOffset: b('remove_dc_offset'),
    windowType: o.window_type as WindowType,
    blackmanCoeff: n('blackman_coeff'),
    roundToPowerOfTwo: b('round_to_power_of_two'),
    snipEdges: b('snip_edges'),
    numMelBins: n('num_mel_bins'),
    lowFreq: n('low_freq'),
    highFreq: n('high_freq'),
    vtlnLow: n('vtln_low'),
    vtlnHigh: n('vtln_high'),
    vtlnWarp: n('vtln_warp'),
    useEnergy: b('use_energy'),
    rawEnergy: b('raw_energy'),
    energyFloor: n('energy_floor'),
    htkCompat: b('htk_compat'),
    useLogFbank: o.use_log_fbank === undefined ? true : b('use_log_fbank'),
    usePower: o.use_power === undefined ? true : b('use_power'),
    subtractMean: b('subtract_mean'),
    minDuration: n('min_duration'),
    ...(o.num_ceps !== undefined ? { numCeps: n('num_ceps'), cepstralLifter: n('cepstral_lifter') } : {}),
  };
}

describe.skipIf(!hasShared)(`Kaldi fbank/MFCC parity with torchaudio.compliance.kaldi ${hasShared ? '' : SHARED_MISSING}`, () => {
  const index = hasShared ? readJson<{ cases: string[] }>(join(FEAT_DIR, 'index.json')) : { cases: [] };
  const kaldiCases = index.cases.filter((c) => {
    const j = readJson<FeatureCase>(join(FEAT_DIR, `${c}.json`));
    return j.function.startsWith('torchaudio.compliance.kaldi');
  });

  it('covers every compliance.kaldi case in the reference index', () => {
    expect(kaldiCases.length).toBe(16);
  });

  for (const name of kaldiCases) {
    it(name, () => {
      const jsonPath = join(FEAT_DIR, `${name}.json`);
      const c = readJson<FeatureCase>(jsonPath);
      const samples = readWavFloat(join(dirname(jsonPath), c.input_wav));
      const ref = readBin(jsonPath, c.output);
      const opts = toOptions(c.options);
      const got = c.function.endsWith('.mfcc') ? mfcc(samples, opts) : fbank(samples, opts);
      expect([got.numFrames, got.dim]).toEqual(ref.shape);
      // README tolerances for a float64 pipeline: fbank abs 1e-3, MFCC abs 2e-3 (energy column abs 1e-3)
      const tol = c.function.endsWith('.mfcc') ? 2e-3 : 1e-3;
      const diff = maxAbsDiff(got.data, ref.data);
      expect(diff).toBeLessThan(tol);
    });
  }
});
