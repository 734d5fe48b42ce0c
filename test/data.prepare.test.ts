import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAudio, writeWav } from '../src/audio/index.js';
import { prepareLibriSpeech } from '../src/data/prepare/librispeech.js';
import { prepareKaldi } from '../src/data/prepare/kaldi.js';
import { prepareNemo } from '../src/data/prepare/nemo.js';
import { speedPerturbRecords, parseSpeedFactors } from '../src/data/prepare/perturb.js';
import { splitBySpeaker } from '../src/data/prepare/split.js';
import { writeManifest, type ManifestRecord } from '../src/data/manifest-write.js';
import { loadManifest } from '../src/data/manifest.js';
import { DATA_DIR, hasShared, SHARED_MISSING } from './helpers/reference.js';
import { buildOnce } from './helpers/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');
const LIBRI = join(DATA_DIR, 'librispeech_test_clean_1089');

function asr(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', cwd });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A tone of `seconds` at `rate`, a different pitch per call so files differ. */
function tone(seconds: number, rate: number, freq: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * freq * i) / rate));
}

/**
 * A small Kaldi data folder: three recordings (an absolute path, a path relative to the root, and a `cat ... |` pipe),
 * five segments, transcripts and speakers.
 */
async function kaldiFixture(): Promise<{ root: string; data: string }> {
  const root = mkdtempSync(join(tmpdir(), 'asr-kaldi-'));
  mkdirSync(join(root, 'audio'));
  await writeWav(join(root, 'audio', 'rec1.wav'), tone(3, 16000, 300), 16000);
  await writeWav(join(root, 'audio', 'rec2.wav'), tone(2, 8000, 400), 8000);
  await writeWav(join(root, 'audio', 'rec3.wav'), tone(1.5, 16000, 500), 16000);
  const data = join(root, 'data', 'train');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'wav.scp'), `rec1 ${join(root, 'audio', 'rec1.wav')}\nrec2 audio/rec2.wav\nrec3 cat ${join(root, 'audio', 'rec3.wav')} |\n`);
  writeFileSync(join(data, 'segments'), 'spkA-u1 rec1 0.0 1.5\nspkA-u2 rec1 1.5 3.0\nspkB-u1 rec2 0.25 1.75\nspkC-u1 rec3 0 -1\nspkC-u2 rec3 0.5 1.0\n');
  writeFileSync(join(data, 'text'), 'spkA-u1 HELLO WORLD\nspkA-u2 good morning\nspkB-u1 one two three\nspkC-u1 the whole thing\nspkC-u2 a part\n');
  writeFileSync(join(data, 'utt2spk'), 'spkA-u1 spkA\nspkA-u2 spkA\nspkB-u1 spkB\nspkC-u1 spkC\nspkC-u2 spkC\n');
  return { root, data };
}

describe.skipIf(!hasShared)(`LibriSpeech folder ${hasShared ? '' : SHARED_MISSING}`, () => {
  it('reads FLAC + trans.txt into records matching the reference manifest', async () => {
    const records = await prepareLibriSpeech(join(LIBRI, 'test-clean'));
    const ref = readFileSync(join(LIBRI, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { audio_filepath: string; duration: number; text: string; speaker: string });
    expect(records).toHaveLength(4);
    for (const [i, r] of records.entries()) {
      expect(r.audioPath).toBe(join(LIBRI, ref[i].audio_filepath));
      expect(r.text).toBe(ref[i].text);
      expect(r.extra?.speaker).toBe(ref[i].speaker);
      expect(r.duration).toBeCloseTo(ref[i].duration, 3);
    }
    const out = join(mkdtempSync(join(tmpdir(), 'asr-libri-')), 'm', 'train.jsonl');
    await writeManifest(out, records);
    const back = await loadManifest(out);
    expect(back.map((e) => e.audioFilepath)).toEqual(records.map((r) => r.audioPath));
    expect(back[0].extra).toEqual({ speaker: '1089', chapter: '134686', id: '1089-134686-0000' });
  });

  it('`asr data prepare librispeech` writes the manifest; a folder without transcripts is one clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-libri-'));
    buildOnce();
    const r = asr(['data', 'prepare', 'librispeech', LIBRI, '--out', join(dir, 'all.jsonl')]);
    expect(r.stderr).toMatch(/4 utterances, 0\.006 h/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'all.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    const bad = asr(['data', 'prepare', 'librispeech', dir, '--out', join(dir, 'x.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`asr: error: ${dir}: no LibriSpeech transcripts (*.trans.txt) under this folder\n`);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
  });
});

describe('Kaldi data folder', () => {
  beforeAll(() => buildOnce(), 120_000);

  it('cuts segments from plain files and pipes into WAVs with durations, speakers and transcripts', async () => {
    const { root, data } = await kaldiFixture();
    const wavDir = join(root, 'wav');
    const records = await prepareKaldi(data, { wavDir, root });
    expect(records.map((r) => r.extra?.id)).toEqual(['spkA-u1', 'spkA-u2', 'spkB-u1', 'spkC-u1', 'spkC-u2']);
    expect(records.map((r) => r.duration)).toEqual([1.5, 1.5, 1.5, 1.5, 0.5]);
    expect(records.map((r) => r.extra?.speaker)).toEqual(['spkA', 'spkA', 'spkB', 'spkC', 'spkC']);
    expect(records[0].text).toBe('HELLO WORLD');
    // the cut audio is the recording's own samples at its own rate
    const seg = await readAudio(join(wavDir, 'spkB-u1.wav'));
    const rec = await readAudio(join(root, 'audio', 'rec2.wav'));
    expect(seg.sampleRate).toBe(8000);
    expect(seg.channels[0]).toEqual(rec.channels[0].subarray(2000, 14000));
    const piped = await readAudio(join(wavDir, 'spkC-u2.wav'));
    expect(piped.channels[0]).toEqual((await readAudio(join(root, 'audio', 'rec3.wav'))).channels[0].subarray(8000, 16000));
  });

  it('without segments, plain files are referenced where they are', async () => {
    const { root } = await kaldiFixture();
    const data = join(root, 'data', 'plain');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'wav.scp'), 'rec1 audio/rec1.wav\nrec2 audio/rec2.wav\n');
    writeFileSync(join(data, 'text'), 'rec1 first\nrec2 second\n');
    const records = await prepareKaldi(data, { root });
    expect(records.map((r) => [r.audioPath, r.duration, r.extra?.speaker])).toEqual([
      [join(root, 'audio', 'rec1.wav'), 3, 'rec1'],
      [join(root, 'audio', 'rec2.wav'), 2, 'rec2'],
    ]);
  });

  it('bad folders: errors name the file and line', async () => {
    const { root, data } = await kaldiFixture();
    const wavDir = join(root, 'wav');
    writeFileSync(join(data, 'wav.scp'), `rec1 ${join(root, 'audio', 'rec1.wav')}\nrec2 audio/nowhere.wav\nrec3 cat x |\n`);
    await expect(prepareKaldi(data, { wavDir, root })).rejects.toThrow(`${join(data, 'wav.scp')}: line 2: recording 'rec2': audio file not found: audio/nowhere.wav`);
    writeFileSync(join(data, 'wav.scp'), `rec1 ${join(root, 'audio', 'rec1.wav')}\nrec2 audio/rec2.wav\nrec3 false |\n`);
    await expect(prepareKaldi(data, { wavDir, root })).rejects.toThrow(`${join(data, 'wav.scp')}: line 3: the command failed (exit code 1)`);
    writeFileSync(join(data, 'wav.scp'), `rec1 audio/rec1.wav\nrec2 audio/rec2.wav\nrec3 audio/rec3.wav\n`);
    writeFileSync(join(data, 'segments'), 'spkA-u1 rec1 0.0 1.5\nspkA-u2 rec1 1.5 9.0\nspkB-u1 rec2 0.25 1.75\nspkC-u1 rec3 0 -1\nspkC-u2 rec3 0.5 1.0\n');
    await expect(prepareKaldi(data, { wavDir, root })).rejects.toThrow(`${join(data, 'segments')}: line 2: segment 1.5..9 s is outside recording 'rec1' (3.000 s)`);
    writeFileSync(join(data, 'segments'), 'spkA-u1 rec1 0.0 1.5\nspkA-u2 rec1 1.5 3.0\nspkB-u1 rec9 0.25 1.75\n');
    await expect(prepareKaldi(data, { wavDir, root })).rejects.toThrow(`${join(data, 'segments')}: line 3: recording 'rec9' is not in wav.scp`);
    writeFileSync(join(data, 'segments'), 'spkA-u1 rec1 0.0 1.5\nspkX-u9 rec1 1.5 3.0\n');
    await expect(prepareKaldi(data, { wavDir, root })).rejects.toThrow(`${join(data, 'segments')}: line 2: utterance 'spkX-u9' has no transcript in ${join(data, 'text')}`);
    writeFileSync(join(data, 'segments'), 'spkA-u1 rec1 0.0 1.5\nspkA-u2 rec1 1.5 3.0\nspkB-u1 rec2 0.25 1.75\nspkC-u1 rec3 0 -1\nspkC-u2 rec3 0.5 1.0\n');
    await expect(prepareKaldi(data, { root })).rejects.toThrow(/has segments.*--wav-dir/);
  });

  it('`asr data prepare kaldi`: wav.scp pointing nowhere is one line, exit 1, no manifest', async () => {
    const { root, data } = await kaldiFixture();
    writeFileSync(join(data, 'wav.scp'), 'rec1 audio/rec1.wav\nrec2 audio/gone.wav\nrec3 audio/rec3.wav\n');
    const out = join(root, 'm.jsonl');
    const r = asr(['data', 'prepare', 'kaldi', 'data/train', '--out', out, '--wav-dir', 'wav'], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("asr: error: data/train/wav.scp: line 2: recording 'rec2': audio file not found: audio/gone.wav\n");
    expect(existsSync(out)).toBe(false);
  });
});

describe('NeMo manifests, perturbation and splits', () => {
  async function records(): Promise<ManifestRecord[]> {
    const { root, data } = await kaldiFixture();
    return prepareKaldi(data, { wavDir: join(root, 'wav'), root });
  }

  it('re-reads a manifest, fills missing durations, and names bad lines and missing files', async () => {
    const recs = await records();
    const dir = mkdtempSync(join(tmpdir(), 'asr-nemo-'));
    const m = join(dir, 'in.jsonl');
    await writeManifest(m, recs);
    const lines = readFileSync(m, 'utf8').trim().split('\n');
    const noDuration = JSON.parse(lines[0]) as Record<string, unknown>;
    delete noDuration.duration;
    writeFileSync(m, [JSON.stringify(noDuration), ...lines.slice(1)].join('\n'));
    const back = await prepareNemo(m);
    expect(back.map((r) => r.duration)).toEqual(recs.map((r) => r.duration));
    expect(back[0].extra?.speaker).toBe('spkA');
    writeFileSync(m, `${lines[0]}\n{"audio_filepath": "x.wav", "text": }\n`);
    await expect(prepareNemo(m)).rejects.toThrow(`${m}: line 2: not valid JSON`);
    writeFileSync(m, `${lines[0]}\n\n{"audio_filepath": "missing.wav", "text": "x"}\n`);
    await expect(prepareNemo(m)).rejects.toThrow(`${m}: line 3: audio file not found: missing.wav`);
  });

  it('speed perturbation writes copies with scaled durations and sp-prefixed speakers', async () => {
    const recs = (await records()).slice(0, 2);
    const wavDir = mkdtempSync(join(tmpdir(), 'asr-sp-'));
    const all = await speedPerturbRecords(recs, parseSpeedFactors('0.9,1.1'), wavDir);
    expect(all).toHaveLength(6);
    expect(all.slice(0, 2)).toEqual(recs);
    const copies = all.slice(2);
    expect(copies.map((r) => r.extra?.speaker)).toEqual(['sp0.9-spkA', 'sp1.1-spkA', 'sp0.9-spkA', 'sp1.1-spkA']);
    expect(copies.map((r) => r.extra?.id)).toEqual(['sp0.9-spkA-u1', 'sp1.1-spkA-u1', 'sp0.9-spkA-u2', 'sp1.1-spkA-u2']);
    expect(copies[0].duration).toBeCloseTo(1.5 / 0.9, 3);
    expect(copies[1].duration).toBeCloseTo(1.5 / 1.1, 3);
    expect(copies[0].audioPath).toBe(join(wavDir, 'sp0.9', 'spkA-u1.wav'));
    expect((await readAudio(copies[1].audioPath)).channels[0].length).toBe(Math.ceil((1.5 * 16000 * 10) / 11));
    expect(() => parseSpeedFactors('0.9,fast')).toThrow(/--factors/);
  });

  it('splits with no speaker on both sides, keeping perturbed copies with their speaker', async () => {
    const recs = await records();
    const wavDir = mkdtempSync(join(tmpdir(), 'asr-sp-'));
    const all = await speedPerturbRecords(recs, [0.9], wavDir);
    for (const seed of [0, 1, 2, 3]) {
      const r = splitBySpeaker(all, { validGroups: 1, seed });
      const spk = (x: ManifestRecord): string => String(x.extra?.speaker).replace(/^sp[\d.]+-/, '');
      const trainSpk = new Set(r.train.map(spk));
      expect(r.valid.length).toBeGreaterThan(0);
      expect(r.valid.every((x) => !trainSpk.has(spk(x)))).toBe(true);
      expect(r.train.length + r.valid.length).toBe(all.length);
      expect(r.validGroups).toHaveLength(1);
    }
    const seen = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => splitBySpeaker(all, { validGroups: 1, seed }).validGroups[0]));
    expect(seen.size).toBeGreaterThan(1);
    // by duration: close to the share asked for, never a big overshoot (speakers here: 6.3 s, 3.2 s, 4.2 s)
    const total = all.reduce((a, x) => a + (x.duration as number), 0);
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const byFraction = splitBySpeaker(all, { validFraction: 0.3, seed });
      const validSeconds = byFraction.valid.reduce((a, x) => a + (x.duration as number), 0);
      expect(validSeconds).toBeGreaterThan(0.2 * total);
      expect(validSeconds).toBeLessThanOrEqual(1.25 * 0.3 * total);
    }
    expect(() => splitBySpeaker(all.filter((x) => String(x.extra?.speaker).endsWith('spkA')), {})).toThrow(/at least 2 speakers/);
    const noSpeaker = [{ audioPath: 'a.wav', text: 'x', where: 'm.jsonl: line 4' }, ...all];
    expect(() => splitBySpeaker(noSpeaker, {})).toThrow('m.jsonl: line 4: no "speaker" field');
  });

  it('split by voice keeps every pseudo-speaker of a voice on one side', () => {
    const recs: ManifestRecord[] = [];
    for (const voice of ['espeak:en-us+m1', 'flite:awb', 'flite:rms']) {
      for (let k = 0; k < 4; k++) recs.push({ audioPath: `${voice}-${k}.wav`, duration: 1, text: 'x', extra: { speaker: `${voice}#${k}`, voice } });
    }
    const r = splitBySpeaker(recs, { validGroups: 1, by: 'voice', seed: 5 });
    expect(r.valid).toHaveLength(4);
    expect(new Set(r.valid.map((x) => x.extra?.voice)).size).toBe(1);
  });
});
