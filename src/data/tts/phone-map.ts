import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Open English text said by festival's recorded voices of other languages: festival's English front end (the
 * `ked` voice's lexicon, letter-to-sound rules, durations and intonation) turns a sentence into phones of the radio
 * set with durations and F0 targets; each phone is replaced by the nearest phones of the target voice's language
 * (what a speaker of that language does with English sounds: no schwa in Italian, retroflex t and d in Indian
 * English, w said as v in Czech), and the voice's own diphones render the sequence with ked's timing and a pitch
 * moved to the voice's range. respell.ts covers the digit vocabulary by spelling; this covers any text.
 */
export type PhoneLanguage = 'it' | 'cs' | 'fi' | 'hi';

/** One phone of festival's English front end (radio phone set). Times in seconds, F0 targets in Hz. */
export interface FrontEndSegment {
  name: string;
  /** Segment duration. */
  dur: number;
  /** Whether its syllable carries lexical stress. */
  stressed: boolean;
  /** F0 targets: position from the segment's start, Hz. */
  targets: Array<[pos: number, f0: number]>;
}

/** A phone of the target voice with its duration and F0 targets, as festival's `Segments` utterance takes it. */
export interface VoiceSegment {
  name: string;
  dur: number;
  targets: Array<[pos: number, f0: number]>;
}

interface LanguageMap {
  /** Radio phone -> candidate realizations, best first; each a sequence of the language's phones. */
  phones: Record<string, string[][]>;
  /** The silence phone. */
  silence: string;
  /** The vowel a speaker of the language puts between consonants it cannot join (epenthesis). */
  epenthetic: string;
  /** Stressed vowel variants (Italian marks stress on the vowel: a -> a1). */
  stressed?: Record<string, string>;
}

const seq = (...alts: string[]): string[][] => alts.map((a) => (a === '' ? [] : a.split(' ')));

/** Radio phones shared by every map below (consonants most languages have as they are). */
const COMMON: Record<string, string[][]> = {
  b: seq('b'), d: seq('d'), f: seq('f'), g: seq('g'), k: seq('k'), l: seq('l'), m: seq('m'), n: seq('n'), p: seq('p'),
  r: seq('r'), s: seq('s'), t: seq('t'), v: seq('v'), nx: seq('n'), dx: seq('d', 't'),
};

const LANGUAGES: Record<PhoneLanguage, LanguageMap> = {
  it: {
    silence: '#',
    epenthetic: 'e',
    stressed: { a: 'a1', e: 'e1', E: 'E1', i: 'i1', o: 'o1', O: 'O1', u: 'u1' },
    phones: {
      ...COMMON,
      aa: seq('a'), ae: seq('E'), ah: seq('a'), ao: seq('O'), aw: seq('a u'), ax: seq('e'), axr: seq('e r'), ay: seq('a i'),
      eh: seq('E'), er: seq('e r'), ey: seq('e i'), ih: seq('i'), iy: seq('i'), ow: seq('o u'), oy: seq('O i'), uh: seq('u'), uw: seq('u'),
      ch: seq('tS'), dh: seq('d'), el: seq('e l'), em: seq('e m'), en: seq('e n'), hh: seq(''), hv: seq(''), jh: seq('dZ'),
      ng: seq('ng', 'n'), sh: seq('S'), th: seq('t'), w: seq('w', 'u'), y: seq('j', 'i'), z: seq('z', 's'), zh: seq('Z', 'S'),
    },
  },
  cs: {
    silence: '#',
    epenthetic: 'e',
    phones: {
      ...COMMON,
      aa: seq('a:'), ae: seq('e'), ah: seq('a'), ao: seq('o:'), aw: seq('a u'), ax: seq('e'), axr: seq('e r'), ay: seq('a j'),
      eh: seq('e'), er: seq('e r'), ey: seq('e j'), ih: seq('i'), iy: seq('i:'), ow: seq('o u'), oy: seq('o j'), uh: seq('u'), uw: seq('u:'),
      ch: seq('c~'), dh: seq('d'), el: seq('l'), em: seq('e m'), en: seq('e n'), hh: seq('h'), hv: seq('h'), jh: seq('dz~'),
      ng: seq('n*', 'n'), sh: seq('s~'), th: seq('t'), w: seq('u', 'v'), y: seq('j'), z: seq('z'), zh: seq('z~'),
    },
  },
  fi: {
    silence: '#',
    epenthetic: 'e',
    phones: {
      ...COMMON,
      aa: seq('a:'), ae: seq('@'), ah: seq('a'), ao: seq('o:'), aw: seq('a u'), ax: seq('&', 'e'), axr: seq('& r', 'e r'), ay: seq('a i'),
      eh: seq('e'), er: seq('7 r', 'e r'), ey: seq('e i'), ih: seq('i'), iy: seq('i:'), ow: seq('o u'), oy: seq('o i'), uh: seq('u'), uw: seq('u:'),
      ch: seq('t S', 't s'), dh: seq('d'), el: seq('e l'), em: seq('e m'), en: seq('e n'), hh: seq('h'), hv: seq('h'), jh: seq('d j'),
      ng: seq('N', 'n'), sh: seq('S', 's'), th: seq('T', 't'), w: seq('w', 'v'), y: seq('j'), z: seq('s'), zh: seq('S', 's'),
    },
  },
  // festival's Hindi and Telugu phone set: a is the inherent schwa, eh is long e, ay is ai (said as in English
  // "hat"), oh is o, oo is the open o of loanwords, T/D retroflex, th/dh dental, tth aspirated dental
  hi: {
    silence: 'pau',
    epenthetic: 'a',
    phones: {
      ...COMMON,
      d: seq('D'), t: seq('T'), dx: seq('D'),
      aa: seq('aa'), ae: seq('ay'), ah: seq('a'), ao: seq('oo'), aw: seq('aa uh'), ax: seq('a'), axr: seq('a r'), ay: seq('aa ih'),
      eh: seq('eh'), er: seq('a r'), ey: seq('eh'), ih: seq('ih'), iy: seq('iy'), ow: seq('oh'), oy: seq('oo ih'), uh: seq('uh'), uw: seq('uw'),
      ch: seq('ch'), dh: seq('dh'), el: seq('a l'), em: seq('a m'), en: seq('a n'), hh: seq('h'), hv: seq('h'), jh: seq('j'),
      ng: seq('n g', 'n'), sh: seq('sh'), th: seq('tth', 'th'), w: seq('v'), y: seq('y'), z: seq('j', 's'), zh: seq('zh', 'sh'),
    },
  },
};

/** The diphones a festival UniSyn voice has, read from its group file's index (`A-B` names). */
export function voiceDiphones(voiceDir: string): Set<string> {
  const groupDir = join(voiceDir, 'group');
  const file = existsSync(groupDir) ? readdirSync(groupDir).find((f) => f.endsWith('.group')) : undefined;
  if (file === undefined) throw new Error(`${voiceDir}: no diphone group file`);
  const fd = openSync(join(groupDir, file), 'r');
  let text: string;
  try {
    // the index is text at the head of the file: a few tens of KB for ~2,000 entries
    const buf = Buffer.alloc(256 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
  const count = Number(/NumEntries (\d+)/.exec(text)?.[1] ?? NaN);
  const at = text.indexOf('EST_Header_End\n');
  if (!Number.isFinite(count) || at < 0) throw new Error(`${voiceDir}: unreadable diphone index in ${file}`);
  const names = text.slice(at + 15).split('\n', count).map((l) => l.split(' ')[0]);
  return new Set(names);
}

/** Which phones occur in a diphone set. */
function phonesOf(diphones: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const d of diphones) {
    const i = d.indexOf('-', 1);
    if (i > 0) {
      out.add(d.slice(0, i));
      out.add(d.slice(i + 1));
    }
  }
  return out;
}

/**
 * ked's segments in `lang`'s phones for a voice with these diphones: each radio phone becomes its first
 * realization whose phones the voice has (a diphthong's two parts share its duration 60/40, a dropped phone gives
 * its time to the next); a consonant pair the voice has no diphone for gets a short epenthetic vowel, as a
 * speaker of the language would insert; F0 targets are scaled by `f0Scale` (ked is a low male voice).
 */
export function mapSegments(segs: FrontEndSegment[], lang: PhoneLanguage, diphones: Set<string>, f0Scale = 1): VoiceSegment[] {
  const map = LANGUAGES[lang];
  const have = phonesOf(diphones);
  const out: VoiceSegment[] = [];
  let carry = 0;
  for (const s of segs) {
    const targets = s.targets.map(([pos, f0]): [number, number] => [pos, f0 * f0Scale]);
    let phones: string[];
    if (s.name === 'pau' || s.name === 'h#' || s.name === 'brth') phones = [map.silence];
    else {
      const alts = map.phones[s.name];
      if (alts === undefined) throw new Error(`phone map ${lang}: no entry for festival phone '${s.name}'`);
      phones = alts.find((a) => a.every((p) => have.has(p))) ?? alts[0];
      if (s.stressed && map.stressed && phones.length > 0) {
        const v = map.stressed[phones[0]];
        if (v !== undefined && have.has(v)) phones = [v, ...phones.slice(1)];
      }
    }
    const dur = s.dur + carry;
    if (phones.length === 0) {
      carry = dur;
      continue;
    }
    carry = 0;
    if (phones.length === 1) {
      out.push({ name: phones[0], dur, targets });
      continue;
    }
    // two parts (diphthongs, affricates split in two): 60 / 40, targets to the part they fall in
    const d0 = dur * 0.6;
    out.push({ name: phones[0], dur: d0, targets: targets.filter(([p]) => p < d0) });
    out.push({ name: phones[1], dur: dur - d0, targets: targets.filter(([p]) => p >= d0).map(([p, f]): [number, number] => [p - d0, f]) });
  }
  if (carry > 0 && out.length > 0) out[out.length - 1].dur += carry;
  // merge repeated silences
  const merged: VoiceSegment[] = [];
  for (const s of out) {
    const last = merged[merged.length - 1];
    if (last && last.name === map.silence && s.name === map.silence) last.dur += s.dur;
    else merged.push(s);
  }
  const vowel = have.has(map.epenthetic) ? map.epenthetic : null;
  if (vowel === null) return merged;
  const repaired: VoiceSegment[] = [];
  for (let i = 0; i < merged.length; i++) {
    const a = merged[i];
    const b = merged[i + 1];
    repaired.push(a);
    if (b === undefined || diphones.has(`${a.name}-${b.name}`)) continue;
    if (!diphones.has(`${a.name}-${vowel}`) || !diphones.has(`${vowel}-${b.name}`)) continue;
    // up to 30 ms: 15 ms (at most a sixth of each neighbour) taken from the end of one and the start of the other
    const take = Math.min(0.015, a.dur / 6, b.dur / 6);
    a.dur -= take;
    b.dur -= take;
    b.targets = b.targets.map(([p, f]): [number, number] => [Math.max(0, p - take), f]);
    repaired.push({ name: vowel, dur: 2 * take, targets: [] });
  }
  return repaired;
}

/** Diphones a sequence needs that the voice lacks (a measure of how well a map fits a voice). */
export function missingDiphones(segs: VoiceSegment[], diphones: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < segs.length; i++) {
    const d = `${segs[i].name}-${segs[i + 1].name}`;
    if (!diphones.has(d)) out.push(d);
  }
  return out;
}

/** A festival `Segments` utterance form for the sequence (times in seconds, F0 in Hz, 4 decimals). */
export function segmentsUtterance(segs: VoiceSegment[]): string {
  const f = (x: number): string => x.toFixed(4);
  const items = segs.map((s) => `(${s.name} ${f(s.dur)}${s.targets.map(([p, hz]) => ` (${f(p)} ${f(hz)})`).join('')})`);
  return `(Utterance Segments (${items.join(' ')}))`;
}

/** Parses the lines the front end writes: `name end stress [pos f0]...` with absolute times. */
export function parseFrontEnd(text: string): FrontEndSegment[] {
  const out: FrontEndSegment[] = [];
  let start = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || f[0] === '') continue;
    const end = Number(f[1]);
    const targets: Array<[number, number]> = [];
    for (let i = 3; i + 1 < f.length; i += 2) targets.push([Math.max(0, Number(f[i]) - start), Number(f[i + 1])]);
    out.push({ name: f[0], dur: Math.max(0.005, end - start), stressed: f[2] === '1', targets });
    start = end;
  }
  return out;
}

export { LANGUAGES as PHONE_LANGUAGES };
