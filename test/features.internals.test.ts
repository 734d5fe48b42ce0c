import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { WaveFile } from 'wavefile';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { featureWindow, periodicHannWindow } from '../src/features/window.js';
import { kaldiMelBanks, denseMelBanks, htkMelFilterbank, vtlnWarpFreq } from '../src/features/mel.js';
import { orthoDctMatrix, cepstralLifter } from '../src/features/dct.js';
import { melSpectrogram, transformsMfcc } from '../src/features/melspectrogram.js';
import { FBANK_DEFAULTS, type WindowType } from '../src/features/options.js';

const FEAT_DIR = join(REFERENCE_DIR, 'features');
const INTERNALS = join(FEAT_DIR, 'internals.json');

function internal(name: string): { shape: number[]; data: Float32Array } {
  const j = readJson<{ arrays: Record<string, BinDescriptor> }>(INTERNALS);
  return readBin(INTERNALS, j.arrays[name]);
}

function readWavFloat(path: string): Float64Array {
  const s = new WaveFile(readFileSync(path)).getSamples(false, Float64Array) as unknown as Float64Array;
  return Float64Array.from(s, (v) => v / 32768);
}

describe.skipIf(!hasShared)(`feature building blocks vs torchaudio internals ${hasShared ? '' : SHARED_MISSING}`, () => {
  for (const type of ['povey', 'hamming', 'hanning', 'rectangular', 'blackman'] as WindowType[]) {
    it(`${type} window`, () => {
      expect(maxAbsDiff(featureWindow(type, 400, 0.42), internal(`window_${type}_400`).data)).toBeLessThan(1e-6);
    });
  }

  it('periodic Hann window', () => {
    expect(maxAbsDiff(periodicHannWindow(400), internal('hann_window_400_periodic').data)).toBeLessThan(1e-6);
  });

  for (const bins of [80, 23]) {
    it(`Kaldi mel banks ${bins} x 512 and their centre frequencies`, () => {
      const banks = kaldiMelBanks({ ...FBANK_DEFAULTS, numMelBins: bins }, 16000, 512);
      const ref = internal(`kaldi_mel_banks_${bins}_512`);
      expect(ref.shape).toEqual([bins, 256]);
      expect(maxAbsDiff(denseMelBanks(banks), ref.data)).toBeLessThan(2e-5);
      const centers = internal(`kaldi_mel_center_freqs_${bins}`).data;
      for (let b = 0; b < bins; b++) expect(Math.abs(banks.centerFreqs[b] - centers[b]) / centers[b]).toBeLessThan(1e-6);
    });
  }

  it('Kaldi DCT 13 x 23 and lifter 22', () => {
    expect(maxAbsDiff(orthoDctMatrix(13, 23), internal('kaldi_dct_13_23').data)).toBeLessThan(1e-6);
    expect(maxAbsDiff(cepstralLifter(13, 22), internal('kaldi_lifter_13_22').data)).toBeLessThan(1e-6);
  });

  it('HTK mel filterbank 201 x 80 and ortho DCT 13 x 80', () => {
    expect(maxAbsDiff(htkMelFilterbank(201, 0, 8000, 80, 16000), internal('htk_melscale_fbanks_201_80').data)).toBeLessThan(2e-5);
    expect(maxAbsDiff(orthoDctMatrix(13, 80), internal('transforms_dct_13_80_ortho').data)).toBeLessThan(1e-6);
  });

  it('torchaudio.transforms.MelSpectrogram (HTK, power, centred)', () => {
    const jsonPath = join(FEAT_DIR, 'flite_slt_16k.melspectrogram_htk80.json');
    const c = readJson<{ input_wav: string; output: BinDescriptor }>(jsonPath);
    const ref = readBin(jsonPath, c.output);
    const got = melSpectrogram(readWavFloat(join(dirname(jsonPath), c.input_wav)), { nMels: 80 });
    expect([got.numFrames, got.dim]).toEqual(ref.shape);
    let worst = 0;
    for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - ref.data[i]) / Math.max(Math.abs(ref.data[i]), 1e-6));
    expect(worst).toBeLessThan(1e-3);
  });

  it('torchaudio.transforms.MFCC (dB, top_db 80, ortho DCT)', () => {
    const jsonPath = join(FEAT_DIR, 'flite_slt_16k.mfcc13_transforms.json');
    const c = readJson<{ input_wav: string; output: BinDescriptor }>(jsonPath);
    const ref = readBin(jsonPath, c.output);
    const got = transformsMfcc(readWavFloat(join(dirname(jsonPath), c.input_wav)), 13, { nMels: 80 });
    expect([got.numFrames, got.dim]).toEqual(ref.shape);
    expect(maxAbsDiff(got.data, ref.data)).toBeLessThan(2e-3);
  });
});

describe('VTLN warp', () => {
  it('is the identity at warp 1 and keeps the band edges fixed', () => {
    for (const f of [20, 300, 1000, 4000, 7000, 8000]) expect(vtlnWarpFreq(100, 7500, 20, 8000, 1, f)).toBeCloseTo(f, 9);
    for (const w of [0.85, 1.15]) {
      expect(vtlnWarpFreq(100, 7500, 20, 8000, w, 20)).toBeCloseTo(20, 9);
      expect(vtlnWarpFreq(100, 7500, 20, 8000, w, 8000)).toBeCloseTo(8000, 9);
      // between the inflection points frequencies scale by 1/warp
      expect(vtlnWarpFreq(100, 7500, 20, 8000, w, 2000)).toBeCloseTo(2000 / w, 9);
    }
  });

  it('warped banks move the filters and stay non-negative', () => {
    const plain = kaldiMelBanks({ ...FBANK_DEFAULTS, numMelBins: 23 }, 16000, 512);
    const warped = kaldiMelBanks({ ...FBANK_DEFAULTS, numMelBins: 23, vtlnWarp: 1.1 }, 16000, 512);
    expect(warped.centerFreqs[10]).not.toBeCloseTo(plain.centerFreqs[10], 0);
    for (const w of warped.weights) for (const v of w) expect(v).toBeGreaterThanOrEqual(0);
  });
});
