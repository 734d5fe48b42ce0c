/**
 * Spelling out numbers in English words for transcript normalization: "42" -> "forty two", "1,000" -> "one
 * thousand", "3.14" -> "three point one four", "21st" -> "twenty first", "50%" -> "fifty percent",
 * "-5" -> "minus five". American style (no "and"); years are read as plain numbers ("1999" -> "one thousand nine
 * hundred ninety nine"). Words are separated by single spaces (no hyphens), as ASR references usually are.
 */

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = [
  '', 'thousand', 'million', 'billion', 'trillion', 'quadrillion', 'quintillion', 'sextillion', 'septillion',
  'octillion', 'nonillion', 'decillion',
];
const IRREGULAR_ORDINALS: Readonly<Record<string, string>> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Words for 1..999. */
function below1000(n: number): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) out.push(ONES[h], 'hundred');
  if (r >= 20) {
    out.push(TENS[Math.floor(r / 10)]);
    if (r % 10) out.push(ONES[r % 10]);
  } else if (r > 0) {
    out.push(ONES[r]);
  }
  return out;
}

/** Each digit as a word: "007" -> "zero zero seven". */
function digitWords(digits: string): string[] {
  return Array.from(digits, (d) => ONES[d.charCodeAt(0) - 48]);
}

/**
 * Words for a string of ASCII digits. Leading zeros are read as "zero" each; numbers too long for the scale
 * words are read digit by digit.
 */
export function integerToWords(digits: string): string {
  if (!/^[0-9]+$/.test(digits)) throw new RangeError(`not a digit string: '${digits}'`);
  const lead = /^0+/.exec(digits)?.[0].length ?? 0;
  if (lead === digits.length) return digitWords(digits).join(' ');
  const body = digits.slice(lead);
  const zeros = digitWords(digits.slice(0, lead));
  if (body.length > SCALES.length * 3) return [...zeros, ...digitWords(body)].join(' ');
  const out: string[] = [];
  const groups = Math.ceil(body.length / 3);
  for (let g = 0; g < groups; g++) {
    const end = body.length - (groups - 1 - g) * 3;
    const v = Number(body.slice(Math.max(0, end - 3), end));
    if (v === 0) continue;
    out.push(...below1000(v));
    const scale = SCALES[groups - 1 - g];
    if (scale) out.push(scale);
  }
  return [...zeros, ...out].join(' ');
}

/** The ordinal form of a cardinal in words: "twenty one" -> "twenty first". */
export function ordinalWords(cardinal: string): string {
  const words = cardinal.split(' ');
  const last = words[words.length - 1];
  words[words.length - 1] = IRREGULAR_ORDINALS[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return words.join(' ');
}

// A number token: optional minus (only at the start or after whitespace, so "1-2" keeps its hyphen), an integer
// with or without thousands commas, an optional decimal part, then an optional ordinal suffix or percent sign.
const NUMBER_RE = /(?:(?<=^|\s)-)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:(?:st|nd|rd|th)(?![\p{L}\p{N}])|%)?/giu;

/** Spells out one number token as matched by the expansion (see {@link expandNumbers}). */
function numberTokenToWords(tok: string): string {
  let t = tok;
  const words: string[] = [];
  if (t.startsWith('-')) {
    words.push('minus');
    t = t.slice(1);
  }
  let suffix = '';
  const m = /(st|nd|rd|th|%)$/i.exec(t);
  if (m) {
    suffix = m[1].toLowerCase();
    t = t.slice(0, -m[1].length);
  }
  const [int, frac] = t.replace(/,/g, '').split('.');
  let spoken = integerToWords(int);
  if (frac !== undefined) spoken += ` point ${digitWords(frac).join(' ')}`;
  else if (suffix !== '' && suffix !== '%') spoken = ordinalWords(spoken);
  words.push(spoken);
  if (suffix === '%') words.push('percent');
  return words.join(' ');
}

/** Replaces every number in `text` by its English words, with spaces around them ("mp3" -> "mp three"). */
export function expandNumbers(text: string): string {
  return text.replace(NUMBER_RE, (tok) => ` ${numberTokenToWords(tok)} `);
}
