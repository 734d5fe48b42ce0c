import { describe, expect, it } from 'vitest';
import { mapSegments, missingDiphones, parseFrontEnd, segmentsUtterance, voiceDiphones, PHONE_LANGUAGES, type FrontEndSegment } from '../src/data/tts/phone-map.js';
import { engineFor } from '../src/data/tts/index.js';
import { FESTIVAL_PHONE_VOICES, festivalVoiceInstalled } from '../src/data/tts/festival.js';

/** Every diphone among these phones (a voice that can join anything). */
function allPairs(phones: string[]): Set<string> {
  const out = new Set<string>();
  for (const a of phones) for (const b of phones) out.add(`${a}-${b}`);
  return out;
}

const seg = (name: string, dur: number, stressed = false, targets: Array<[number, number]> = []): FrontEndSegment => ({ name, dur, stressed, targets });

describe('phone mapping from festival English to voices of other languages', () => {
  it('parses the front end lines into durations and segment-relative F0 targets', () => {
    const segs = parseFrontEnd('pau 0.22 0\ndh 0.256919 0 0.22 97.4\nax 0.300801 0 0.27886 105.7\n');
    expect(segs.map((s) => s.name)).toEqual(['pau', 'dh', 'ax']);
    expect(segs[0].dur).toBeCloseTo(0.22, 6);
    expect(segs[1].dur).toBeCloseTo(0.036919, 6);
    expect(segs[1].targets[0][0]).toBeCloseTo(0, 6);
    expect(segs[2].targets[0][0]).toBeCloseTo(0.27886 - 0.256919, 6);
    expect(segs[2].targets[0][1]).toBeCloseTo(105.7, 6);
  });

  it('maps every radio phone in every language, keeps the total duration, splits diphthongs and drops h in Italian', () => {
    const radio = ['aa', 'ae', 'ah', 'ao', 'aw', 'ax', 'axr', 'ay', 'b', 'ch', 'd', 'dh', 'dx', 'eh', 'el', 'em', 'en', 'er', 'ey', 'f', 'g', 'hh', 'hv', 'ih', 'iy', 'jh', 'k', 'l', 'm', 'n', 'nx', 'ng', 'ow', 'oy', 'p', 'r', 's', 'sh', 't', 'th', 'uh', 'uw', 'v', 'w', 'y', 'z', 'zh'];
    for (const lang of Object.keys(PHONE_LANGUAGES) as Array<keyof typeof PHONE_LANGUAGES>) {
      const map = PHONE_LANGUAGES[lang];
      const phones = new Set<string>([map.silence, map.epenthetic]);
      for (const alts of Object.values(map.phones)) for (const alt of alts) for (const p of alt) phones.add(p);
      for (const v of Object.values(map.stressed ?? {})) phones.add(v);
      const segs = [seg('pau', 0.2), ...radio.map((r) => seg(r, 0.1, true)), seg('pau', 0.2)];
      const out = mapSegments(segs, lang, allPairs([...phones]));
      const total = out.reduce((a, s) => a + s.dur, 0);
      expect(total, lang).toBeCloseTo(0.4 + radio.length * 0.1, 6);
      for (const s of out) expect(phones.has(s.name), `${lang} ${s.name}`).toBe(true);
    }
    const it1 = mapSegments([seg('hh', 0.05), seg('aw', 0.2, true, [[0.05, 100], [0.15, 120]])], 'it', allPairs(['a', 'a1', 'u', '#', 'e']), 2);
    // h dropped, its time given to the diphthong, which is split 60/40 with stress on its first part
    expect(it1.map((s) => s.name)).toEqual(['a1', 'u']);
    expect(it1[0].dur).toBeCloseTo(0.15, 6);
    expect(it1[1].dur).toBeCloseTo(0.1, 6);
    expect(it1[0].targets).toEqual([[0.05, 200]]);
    expect(it1[1].targets[0][0]).toBeCloseTo(0.0, 6);
    expect(it1[1].targets[0][1]).toBe(240);
    // Indian English: retroflex t and d, v for w
    expect(mapSegments([seg('t', 0.1), seg('w', 0.1), seg('d', 0.1)], 'hi', allPairs(['T', 'D', 'v', 'a'])).map((s) => s.name)).toEqual(['T', 'v', 'D']);
    expect(() => mapSegments([seg('qq', 0.1)], 'cs', allPairs(['a']))).toThrow(/no entry for festival phone 'qq'/);
  });

  it('falls back to a phone the voice has, and puts a short vowel between consonants it has no diphone for', () => {
    // no T in this voice: th -> t
    expect(mapSegments([seg('th', 0.1)], 'fi', allPairs(['t', 'e', '#'])).map((s) => s.name)).toEqual(['t']);
    const diphones = new Set(['s-e', 'e-k', 'k-s', '#-s', 'k-#']);
    const out = mapSegments([seg('pau', 0.1), seg('s', 0.09), seg('k', 0.09), seg('pau', 0.1)], 'cs', diphones);
    expect(out.map((s) => s.name)).toEqual(['#', 's', 'e', 'k', '#']);
    expect(out.reduce((a, s) => a + s.dur, 0)).toBeCloseTo(0.38, 6);
    expect(missingDiphones(out, diphones)).toEqual([]);
    expect(missingDiphones(mapSegments([seg('s', 0.09), seg('k', 0.09)], 'cs', new Set(['s-k'])), new Set(['k-s']))).toEqual(['s-k']);
  });

  it('writes a festival Segments utterance', () => {
    expect(segmentsUtterance([{ name: '#', dur: 0.2, targets: [] }, { name: 'a1', dur: 0.1, targets: [[0.05, 120]] }])).toBe(
      '(Utterance Segments ((# 0.2000) (a1 0.1000 (0.0500 120.0000))))',
    );
  });

  it.skipIf(!festivalVoiceInstalled('pc_diphone'))('reads the diphone index of an installed voice', () => {
    const d = voiceDiphones('/usr/share/festival/voices/italian/pc_diphone');
    expect(d.size).toBe(1299);
    expect(d.has('a-#')).toBe(true);
    expect(d.has('#-#')).toBe(true);
  });

  const voices = Object.keys(FESTIVAL_PHONE_VOICES);
  it.skipIf(!festivalVoiceInstalled('ked_diphone') || !voices.every(festivalVoiceInstalled))('renders open English text with every phone-mapped voice, its length following the front end rate', async () => {
    const e = engineFor('festival');
    for (const voice of voices) {
      const short = await e.synthesize('the cat', voice, {}, 0);
      const long = await e.synthesize('the appellate court demanded the production of all documents', voice, {}, 0);
      const loud = (x: Float32Array): number => x.filter((v) => Math.abs(v) > 0.02).length;
      expect(loud(long.samples), voice).toBeGreaterThan(loud(short.samples) * 3);
      // a slower front end gives longer audio
      const slow = await e.synthesize('the appellate court demanded the production of all documents', voice, { duration_stretch: 1.3 }, 0);
      expect(slow.samples.length / slow.sampleRate, voice).toBeGreaterThan((long.samples.length / long.sampleRate) * 1.15);
    }
  });
});
