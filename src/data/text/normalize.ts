import { cardinalWords, digitByDigit, ordinalWords, yearWords } from './numbers.js';

/**
 * English text made ready to be spoken and transcribed: numbers, money, times, percentages, ordinals, years and common
 * abbreviations written out in words, symbols named, acronyms spelled, accents stripped.
 */
export interface SpeechText {
  /** What a synthesizer is given: the words, with sentence punctuation kept for prosody. */
  spoken: string;
  /** The transcript: lowercase words of a-z and apostrophes, single spaces. */
  transcript: string;
  /** Characters that could not be turned into words (another script, emoji, ...); empty when all went well. */
  unspeakable: string[];
}

/** Abbreviations written with a period, read as words. */
const ABBREVIATIONS: Record<string, string> = {
  'Mr.': 'Mister', 'Mrs.': 'Missus', 'Ms.': 'Miz', 'Dr.': 'Doctor', 'Prof.': 'Professor', 'Jr.': 'Junior',
  'Sr.': 'Senior', 'Gen.': 'General', 'Col.': 'Colonel', 'Capt.': 'Captain', 'Lt.': 'Lieutenant', 'Sgt.': 'Sergeant',
  'Gov.': 'Governor', 'Rev.': 'Reverend', 'Mt.': 'Mount', 'Ft.': 'Fort', 'Ave.': 'Avenue', 'Rd.': 'Road',
  'Blvd.': 'Boulevard', 'Co.': 'Company', 'Corp.': 'Corporation', 'Inc.': 'Incorporated', 'Ltd.': 'Limited',
  'Bros.': 'Brothers', 'vs.': 'versus', 'etc.': 'et cetera', 'approx.': 'approximately', 'dept.': 'department',
  'Jan.': 'January', 'Feb.': 'February', 'Mar.': 'March', 'Apr.': 'April', 'Jun.': 'June', 'Jul.': 'July',
  'Aug.': 'August', 'Sep.': 'September', 'Sept.': 'September', 'Oct.': 'October', 'Nov.': 'November', 'Dec.': 'December',
  'e.g.': 'for example', 'i.e.': 'that is', 'a.m.': 'a m', 'p.m.': 'p m',
};

/** Unit words of currency symbols: [major singular, major plural, minor singular, minor plural]. */
const CURRENCIES: Record<string, [string, string, string, string]> = {
  $: ['dollar', 'dollars', 'cent', 'cents'],
  '£': ['pound', 'pounds', 'penny', 'pence'],
  '€': ['euro', 'euros', 'cent', 'cents'],
};

const SYMBOLS: Record<string, string> = { '&': ' and ', '+': ' plus ', '=': ' equals ', '@': ' at ', '%': ' percent ', '#': ' number ' };

/** Acronyms read as words, not letters, even though they are capitals (the rest of short capitals are spelled). */
const SAY_AS_WORD = new Set(['I', 'A', 'OK', 'TV']);

function plural(words: string): string {
  const w = words.split(' ');
  const last = w[w.length - 1];
  w[w.length - 1] = last.endsWith('y') ? `${last.slice(0, -1)}ies` : last.endsWith('x') ? `${last}es` : `${last}s`;
  return w.join(' ');
}

/** An integer written with digits (commas allowed) in words: leading zeros and long strings are read digit by digit. */
function integerWords(raw: string): string {
  const digits = raw.replace(/,/g, '');
  if (digits.length > 1 && digits.startsWith('0')) return digitByDigit(digits);
  if (digits.length > 12) return digitByDigit(digits);
  return cardinalWords(Number(digits));
}

function decimalWords(int: string, frac: string): string {
  return `${integerWords(int)} point ${digitByDigit(frac)}`;
}

function moneyWords(symbol: string, amount: string, cents: string | undefined): string {
  const [one, many, centOne, centMany] = CURRENCIES[symbol];
  const major = Number(amount.replace(/,/g, ''));
  const parts = [`${integerWords(amount)} ${major === 1 ? one : many}`];
  if (cents !== undefined) {
    const c = Number(cents.length === 1 ? `${cents}0` : cents);
    if (c > 0) parts.push(`${cardinalWords(c)} ${c === 1 ? centOne : centMany}`);
  }
  return ` ${parts.join(' ')} `;
}

function timeWords(h: string, m: string): string {
  const hour = cardinalWords(Number(h));
  const min = Number(m);
  if (min === 0) return ` ${hour} o'clock `;
  return ` ${hour} ${min < 10 ? `oh ${cardinalWords(min)}` : cardinalWords(min)} `;
}

/** Writes out everything numeric. Order matters: money and times before plain numbers. */
function expandNumbers(s: string): string {
  return s
    // phone numbers (555-0123, 212-555-0123) digit by digit
    .replace(/\b\d{3}(?:-\d{3})?-\d{4}\b/g, (m) => ` ${m.split('-').map(digitByDigit).join(', ')} `)
    .replace(/([$£€])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b/g, (_, sym: string, amt: string, c?: string) => moneyWords(sym, amt, c))
    .replace(/(\d+(?:\.\d+)?)\s?%/g, (_, n: string) => {
      const [i, f] = n.split('.');
      return ` ${f ? decimalWords(i, f) : integerWords(i)} percent `;
    })
    .replace(/\b(\d+)(st|nd|rd|th)\b/gi, (_, n: string) => ` ${ordinalWords(Number(n))} `)
    .replace(/\b([01]?\d|2[0-3]):([0-5]\d)\b/g, (_, h: string, m: string) => timeWords(h, m))
    .replace(/\b(1[1-9]\d\d|20\d\d)s\b/g, (_, y: string) => ` ${plural(yearWords(Number(y)))} `)
    .replace(/\b(\d+)\.(\d+)\b/g, (_, i: string, f: string) => ` ${decimalWords(i, f)} `)
    .replace(/(^|[\s(])-(\d)/g, '$1minus $2')
    .replace(/\b(\d{1,3}(?:,\d{3})+)\b/g, (_, n: string) => ` ${integerWords(n)} `)
    .replace(/\b(1[1-9]\d\d|20\d\d)\b/g, (_, y: string) => ` ${yearWords(Number(y))} `)
    .replace(/\b(\d+)s\b/g, (_, n: string) => ` ${plural(integerWords(n))} `)
    .replace(/\d+/g, (n) => ` ${integerWords(n)} `);
}

function expandAbbreviations(s: string): string {
  // St. is Saint before a name and Street otherwise
  let out = s.replace(/\bSt\.(?=\s+[A-Z])/g, 'Saint').replace(/\bSt\./g, 'Street');
  out = out.replace(/\bNo\.(?=\s*\d)/g, 'number');
  for (const [abbr, words] of Object.entries(ABBREVIATIONS)) {
    const re = new RegExp(`(^|[^A-Za-z])${abbr.replace(/\./g, '\\.')}`, 'g');
    out = out.replace(re, (_, pre: string) => `${pre}${words}`);
  }
  // dotted initials: U.S.A. -> U S A
  out = out.replace(/\b((?:[A-Za-z]\.){2,})/g, (m) => ` ${m.replace(/\./g, ' ')} `);
  return out;
}

/** Capital-letter acronyms: spelled letter by letter unless they read as a word (vowels and 4+ letters: NASA). */
function spellAcronyms(s: string): string {
  return s.replace(/\b[A-Z]{2,}\b/g, (w) => {
    if (SAY_AS_WORD.has(w) || (w.length >= 4 && /[AEIOU]/.test(w) && /[^AEIOU]/.test(w))) return w;
    return [...w].join(' ');
  });
}

/** Typographic characters folded to ASCII, accents stripped (café -> cafe). */
function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
    .replace(/[\u201c\u201d\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/[\u00a0\u2000-\u200b\u3000\t]/g, ' ');
}

/**
 * Normalizes one line of English for speech. The spoken form and the transcript hold the same words, so what a
 * voice says is exactly what the manifest says it said.
 */
export function normalizeForSpeech(line: string): SpeechText {
  let s = fold(line);
  s = expandAbbreviations(s);
  s = expandNumbers(s);
  s = s.replace(/[&+=@%#]/g, (c) => SYMBOLS[c]);
  s = spellAcronyms(s);
  const tokens: string[] = [];
  const unspeakable: string[] = [];
  const re = /([A-Za-z]+(?:'[A-Za-z]+)*)|([.,!?;:]+)|(\s+|['"()[\]{}<>*_~^`|\\/-])|(.)/gsu;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1]) tokens.push(m[1]);
    else if (m[2]) {
      // punctuation attaches to the previous word; none at the start
      if (tokens.length > 0 && !/[.,!?;:]$/.test(tokens[tokens.length - 1])) tokens[tokens.length - 1] += m[2][0];
    } else if (m[4] && !unspeakable.includes(m[4])) unspeakable.push(m[4]);
  }
  const words = tokens.map((t) => t.replace(/[.,!?;:]+$/, '').toLowerCase());
  return { spoken: tokens.join(' '), transcript: words.join(' '), unspeakable };
}
