/** English number words, for reading digits in text aloud. */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion'];

/** Digit names; `zero` is read "zero" (digit strings may also say "oh", see digits.ts). */
export const DIGIT_WORDS = ONES.slice(0, 10);

function below1000(n: number): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) out.push(ONES[h], 'hundred');
  if (r > 0) {
    if (r < 20) out.push(ONES[r]);
    else out.push(r % 10 ? `${TENS[Math.floor(r / 10)]} ${ONES[r % 10]}` : TENS[r / 10]);
  }
  return out;
}

/** Cardinal words of a non-negative integer below 10^15, e.g. 1204 -> "one thousand two hundred four". */
export function cardinalWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1e15) throw new RangeError(`cardinalWords: ${n} out of range`);
  if (n === 0) return 'zero';
  const groups: string[] = [];
  let rest = n;
  for (let s = 0; rest > 0; s++) {
    const g = rest % 1000;
    rest = Math.floor(rest / 1000);
    if (g > 0) groups.unshift([...below1000(g), SCALES[s]].filter(Boolean).join(' '));
  }
  return groups.join(' ');
}

const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Ordinal words, e.g. 21 -> "twenty first", 100 -> "one hundredth". */
export function ordinalWords(n: number): string {
  const words = cardinalWords(n).split(' ');
  const last = words[words.length - 1];
  let ord: string;
  if (ORDINAL_IRREGULAR[last]) ord = ORDINAL_IRREGULAR[last];
  else if (last.endsWith('y')) ord = `${last.slice(0, -1)}ieth`;
  else ord = `${last}th`;
  words[words.length - 1] = ord;
  return words.join(' ');
}

/**
 * A year as people say it: 1984 -> "nineteen eighty four", 1905 -> "nineteen oh five", 1900 -> "nineteen hundred",
 * 2000 -> "two thousand", 2007 -> "two thousand seven", 2019 -> "twenty nineteen".
 */
export function yearWords(n: number): string {
  if (n % 1000 === 0 || (n >= 2000 && n < 2010)) return cardinalWords(n);
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  if (lo === 0) return `${cardinalWords(hi)} hundred`;
  return `${cardinalWords(hi)} ${lo < 10 ? `oh ${ONES[lo]}` : cardinalWords(lo)}`;
}

/** Each digit by name: "305" -> "three zero five". */
export function digitByDigit(digits: string): string {
  return [...digits].map((d) => DIGIT_WORDS[Number(d)]).join(' ');
}
