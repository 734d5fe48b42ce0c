import { describe, expect, it } from 'vitest';
import { VOICES, VOICE_GROUPS, findVoice, resolveVoices, debianInstallCommand, debianVoicesToInstall } from '../src/data/voices.js';
import { festivalVoiceInstalled } from '../src/data/tts/festival.js';
import { LICENSES } from '../src/data/licenses.js';
import { pseudoSpeaker, utteranceParams } from '../src/data/pseudo-speaker.js';
import { createRng } from '../src/util/random.js';
import { planFingerprint, planSynthesis } from '../src/data/synth-plan.js';
import { renderTask } from '../src/data/synth-task.js';
import { augmentProfile } from '../src/data/augment/chain.js';

/** The test-set speakers the issue reserves: never in training data unless explicitly allowed. */
const RESERVED = ['festival:kal_diphone', 'festival:cmu_us_slt_arctic_hts', 'flite:kal', 'flite:kal16', 'flite:slt', 'rhvoice:slt'];

describe('voice table', () => {
  it('marks exactly the reserved speakers as reserved', () => {
    expect(VOICES.filter((v) => v.reserved).map((v) => v.id).sort()).toEqual([...RESERVED].sort());
    expect(new Set(VOICES.map((v) => v.id)).size).toBe(VOICES.length);
  });

  it('has a license for every voice, and MBROLA voices are not free to redistribute models from', () => {
    for (const v of VOICES) expect(Object.values(LICENSES)).toContain(v.license);
    const mb = VOICES.filter((v) => v.engine === 'espeak-mbrola');
    expect(mb.length).toBeGreaterThan(0);
    expect(mb.every((v) => !v.license.modelRedistributable)).toBe(true);
  });

  it('the default group is npm voices only, with no reserved voice, across engines and accents', () => {
    const d = resolveVoices('default');
    expect(d.length).toBeGreaterThan(500);
    expect(d.some((v) => v.reserved)).toBe(false);
    expect(d.every((v) => v.source === 'npm')).toBe(true);
    expect(new Set(d.map((v) => v.engine))).toEqual(new Set(['espeak', 'flite', 'gnuspeech']));
    expect(new Set(d.map((v) => v.accent)).size).toBeGreaterThanOrEqual(8);
    expect(d.map((v) => v.id)).toContain('flite:awb');
    expect(d.map((v) => v.id)).not.toContain('espeak:en-us+whisper');
  });
});

describe('resolveVoices', () => {
  it('refuses a reserved voice unless --allow-reserved, and groups skip them', () => {
    for (const id of ['flite:slt', 'flite:kal', 'flite:kal16']) {
      expect(() => resolveVoices(id)).toThrow(/reserved for testing.*--allow-reserved/);
      expect(resolveVoices(id, { allowReserved: true }).map((v) => v.id)).toEqual([id]);
    }
    expect(resolveVoices('flite').map((v) => v.id)).toEqual(['flite:awb', 'flite:rms']);
    expect(resolveVoices('flite', { allowReserved: true }).map((v) => v.id)).toEqual(['flite:awb', 'flite:rms', 'flite:kal', 'flite:kal16', 'flite:slt']);
    expect(resolveVoices('all').some((v) => v.reserved)).toBe(false);
  });

  it('supports patterns, exclusions and table order', () => {
    const v = resolveVoices('espeak:en-us+f*,flite:rms,-espeak:en-us+f5,-espeak:en-us+fast,gnuspeech:female');
    expect(v.map((x) => x.id)).toEqual(['espeak:en-us+f1', 'espeak:en-us+f2', 'espeak:en-us+f3', 'espeak:en-us+f4', 'flite:rms', 'gnuspeech:female']);
  });

  it('names unknown voices and empty results', () => {
    expect(() => resolveVoices('flite:nobody')).toThrow(/unknown voice 'flite:nobody'/);
    expect(() => resolveVoices('espeak:xx*')).toThrow(/'espeak:xx\*' matches no voice/);
    expect(() => resolveVoices('flite:awb,-flite:awb')).toThrow(/no voice left/);
    expect(() => resolveVoices(' , ')).toThrow(/empty voice list/);
  });

  it('--license-free drops non-free voices and refuses a named one', () => {
    expect(() => resolveVoices('espeak-mbrola:mb-us1', { licenseFree: true })).toThrow(/MBROLA.*--license-free/);
    expect(resolveVoices('default', { licenseFree: true }).every((v) => v.license.modelRedistributable)).toBe(true);
  });

  it('refuses voices this machine cannot run, saying how to get them', () => {
    expect(() => resolveVoices('pico:en-US')).toThrow(/pico:en-US cannot be used here: .*libttspico-data/);
  });
});

describe('pseudo-speakers', () => {
  it('speaker 0 is the voice as it comes; others are seeded, varied and within range', () => {
    const awb = findVoice('flite:awb');
    if (!awb) throw new Error('no flite:awb');
    expect(pseudoSpeaker(awb, 0, 1)).toMatchObject({ id: 'flite:awb#0', params: {}, speed: 1, warp: 1 });
    const a = pseudoSpeaker(awb, 3, 1);
    expect(pseudoSpeaker(awb, 3, 1)).toEqual(a);
    expect(pseudoSpeaker(awb, 3, 2)).not.toEqual(a);
    const es = findVoice('espeak:en-us+m3');
    if (!es) throw new Error('no espeak voice');
    const speakers = Array.from({ length: 40 }, (_, i) => pseudoSpeaker(es, i + 1, 9));
    for (const s of speakers) {
      expect(s.speed).toBeGreaterThanOrEqual(0.9);
      expect(s.speed).toBeLessThanOrEqual(1.1);
      expect(s.warp).toBeGreaterThanOrEqual(0.9);
      expect(s.warp).toBeLessThanOrEqual(1.12);
      expect(s.params.pitch).toBeGreaterThanOrEqual(25);
      expect(s.params.pitch).toBeLessThanOrEqual(75);
    }
    expect(new Set(speakers.map((s) => `${s.params.pitch}/${s.params.wpm}/${s.warp}`)).size).toBe(40);
    const p = utteranceParams(speakers[0], createRng(5));
    expect(p.wpm).not.toBe(speakers[0].params.wpm);
    expect(Math.abs((p.wpm as number) / (speakers[0].params.wpm as number) - 1)).toBeLessThan(0.09);
  });
});

describe('installing Debian voices', () => {
  it('selects installable voices, guards reserved ones, and refuses what Debian main lacks', () => {
    const accented = ['lp_diphone', 'pc_diphone', 'czech_dita', 'czech_krb', 'czech_machac', 'czech_ph', 'suo_fi_lj_diphone', 'hy_fi_mv_diphone', 'upc_ca_ona_hts', 'msu_ru_nsh_clunits'].map((v) => `festival:${v}`);
    const indian = ['festival:hindi_NSK_diphone', 'festival:telugu_NSK_diphone'];
    expect(debianVoicesToInstall('festival').map((v) => v.id)).toEqual(['festival:ked_diphone', ...accented, ...indian]);
    expect(debianVoicesToInstall('festival', true).map((v) => v.id)).toEqual(['festival:ked_diphone', 'festival:kal_diphone', 'festival:cmu_us_slt_arctic_hts', ...accented, ...indian]);
    // `accented` stays the ten voices the digits recipe's third pass used; the NSK voices are their own group
    expect(VOICES.filter(VOICE_GROUPS.accented).map((v) => v.id)).toEqual(accented);
    // the diphone voices of other languages say open text (phone-mapped); the HTS and unit-selection ones do not
    expect(VOICES.filter(VOICE_GROUPS['phone-mapped']).map((v) => v.id)).toEqual([...accented.filter((v) => !/ona_hts|nsh_clunits/.test(v)), ...indian]);
    expect(VOICES.filter(VOICE_GROUPS.indian).map((v) => v.id)).toEqual(indian);
    // the NSK voices need their language package too (only a Recommends of the voice's package)
    expect(debianInstallCommand(VOICES.filter((v) => v.id === 'festival:telugu_NSK_diphone'))?.slice(-3) ?? 'installed').toEqual(festivalVoiceInstalled('telugu_NSK_diphone') ? 'installed' : ['festival', 'festival-te', 'festvox-te-nsk']);
    expect(debianInstallCommand(VOICES.filter((v) => v.id === 'festival:czech_ph'))?.slice(-2) ?? 'installed').toEqual(festivalVoiceInstalled('czech_ph') ? 'installed' : ['festival', 'festvox-czech-ph']);
    expect(() => debianVoicesToInstall('festival:kal_diphone')).toThrow(/reserved for testing/);
    expect(() => debianVoicesToInstall('flite:awb')).toThrow(/comes with npm install/);
    expect(() => debianInstallCommand(debianVoicesToInstall('espeak-mbrola:mb-us1'))).toThrow(/not installable from Debian main/);
    const kal = debianVoicesToInstall('festival:kal_diphone', true);
    const cmd = debianInstallCommand(kal);
    if (festivalVoiceInstalled('kal_diphone')) expect(cmd).toBeNull();
    else expect(cmd).toEqual(['apt-get', 'install', '-y', '--no-install-recommends', 'festival', 'festvox-kallpc16k']);
  });
});

/** Median F0 (Hz) of the voiced 40 ms frames of 16 kHz samples, by autocorrelation over 70-400 Hz. */
function medianF0(x: Float32Array, rate = 16000): number {
  const n = 640;
  const f0s: number[] = [];
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  for (let s = 0; s + n <= x.length; s += 320) {
    let e = 0;
    for (let i = 0; i < n; i++) e += x[s + i] * x[s + i];
    if (Math.sqrt(e / n) < 0.1 * peak) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.floor(rate / 400); lag <= Math.ceil(rate / 70); lag++) {
      let c = 0;
      for (let i = 0; i + lag < n; i++) c += x[s + i] * x[s + i + lag];
      if (c > best) {
        best = c;
        bestLag = lag;
      }
    }
    if (best > 0.4 * e) f0s.push(rate / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)];
}

describe('the high speaker range (--speaker-range high)', () => {
  it('raises pitch and formants for every speaker, as voice#hN, apart from the default range', () => {
    const ked = findVoice('festival:ked_diphone');
    const awb = findVoice('flite:awb');
    if (!ked || !awb) throw new Error('voices missing');
    const high = Array.from({ length: 30 }, (_, i) => pseudoSpeaker(ked, i, 4, 'high'));
    expect(high[0].id).toBe('festival:ked_diphone#h0');
    for (const s of high) {
      expect(s.warp).toBeGreaterThanOrEqual(1.1);
      expect(s.warp).toBeLessThanOrEqual(1.22);
      expect(s.params.f0_mean).toBeGreaterThanOrEqual(140);
      expect(s.params.f0_mean).toBeLessThanOrEqual(185);
    }
    expect(new Set(high.map((s) => `${s.params.f0_mean}/${s.warp}`)).size).toBeGreaterThan(25);
    expect(pseudoSpeaker(ked, 3, 4, 'high')).toEqual(high[3]);
    expect(pseudoSpeaker(ked, 3, 4)).toEqual(pseudoSpeaker(ked, 3, 4, 'default'));
    expect(pseudoSpeaker(ked, 3, 4).id).toBe('festival:ked_diphone#3');
    expect(pseudoSpeaker(awb, 2, 4, 'high').params.f0_shift).toBeGreaterThanOrEqual(1.2);
  });

  it('a plan in the high range uses those speakers; its fingerprint differs, the default one is as before', () => {
    const awb = findVoice('flite:awb');
    if (!awb) throw new Error('no flite:awb');
    const lines = [{ line: 1, spoken: 'one two', transcript: 'one two' }, { line: 2, spoken: 'three', transcript: 'three' }];
    const base = { voices: [awb], perLine: 2, seed: 3, speakersPerVoice: 4, augment: { name: 'none', profile: augmentProfile('none') } };
    const tasks = planSynthesis(lines, { ...base, speakerRange: 'high' });
    expect(tasks.every((t) => /^flite:awb#h\d$/.test(t.speakerId) && t.warp >= 1.1)).toBe(true);
    expect(planSynthesis(lines, base).every((t) => /^flite:awb#\d$/.test(t.speakerId))).toBe(true);
    const bytes = new TextEncoder().encode('one two\nthree\n');
    const fp = planFingerprint(bytes, lines, base);
    expect(fp).not.toHaveProperty('speaker_range');
    expect(planFingerprint(bytes, lines, { ...base, speakerRange: 'default' })).toEqual(fp);
    expect(planFingerprint(bytes, lines, { ...base, speakerRange: 'high' })).toMatchObject({ speaker_range: 'high' });
  });

  it('renders flite awb at a much higher pitch than the voice as it comes', async () => {
    const awb = findVoice('flite:awb');
    if (!awb) throw new Error('no flite:awb');
    const lines = [{ line: 1, spoken: 'nine nine five', transcript: 'nine nine five' }];
    const opts = { voices: [awb], perLine: 1, seed: 3, speakersPerVoice: 1, augment: { name: 'none', profile: augmentProfile('none') } };
    const [plain] = planSynthesis(lines, opts);
    const [high] = planSynthesis(lines, { ...opts, speakerRange: 'high' });
    const f0Plain = medianF0(await renderTask(plain));
    const f0High = medianF0(await renderTask(high));
    // f0_shift 1.2-1.5 times a warp of 1.1-1.22
    expect(f0High / f0Plain).toBeGreaterThan(1.3);
    expect(f0High).toBeGreaterThan(150);
  });
});
