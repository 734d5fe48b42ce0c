import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cardinalWords, ordinalWords, yearWords, digitByDigit } from '../src/data/text/numbers.js';
import { normalizeForSpeech } from '../src/data/text/normalize.js';
import { digitStrings } from '../src/data/text/digits.js';
import { wordnetSentences } from '../src/data/text/wordnet.js';
import { readTextLines } from '../src/data/text-lines.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('number words', () => {
  it('cardinals, ordinals, years and digit strings', () => {
    expect(cardinalWords(0)).toBe('zero');
    expect(cardinalWords(13)).toBe('thirteen');
    expect(cardinalWords(40)).toBe('forty');
    expect(cardinalWords(105)).toBe('one hundred five');
    expect(cardinalWords(1_234_567)).toBe('one million two hundred thirty four thousand five hundred sixty seven');
    expect(cardinalWords(2_000_000_010)).toBe('two billion ten');
    expect(ordinalWords(1)).toBe('first');
    expect(ordinalWords(12)).toBe('twelfth');
    expect(ordinalWords(21)).toBe('twenty first');
    expect(ordinalWords(40)).toBe('fortieth');
    expect(ordinalWords(100)).toBe('one hundredth');
    expect(yearWords(1984)).toBe('nineteen eighty four');
    expect(yearWords(1905)).toBe('nineteen oh five');
    expect(yearWords(1900)).toBe('nineteen hundred');
    expect(yearWords(2000)).toBe('two thousand');
    expect(yearWords(2007)).toBe('two thousand seven');
    expect(yearWords(2019)).toBe('twenty nineteen');
    expect(digitByDigit('0427')).toBe('zero four two seven');
    expect(() => cardinalWords(-1)).toThrow(RangeError);
  });
});

describe('normalizeForSpeech', () => {
  it('writes out money, dates, times, percentages, abbreviations and acronyms', () => {
    const t = normalizeForSpeech('Dr. Smith paid $5.50 on Jan. 3rd, 1999.');
    expect(t.spoken).toBe('Doctor Smith paid five dollars fifty cents on January third, nineteen ninety nine.');
    expect(t.transcript).toBe('doctor smith paid five dollars fifty cents on january third nineteen ninety nine');
    expect(normalizeForSpeech("It's 10:30; 50% of the FBI left St. Louis.").transcript).toBe(
      "it's ten thirty fifty percent of the f b i left saint louis",
    );
    expect(normalizeForSpeech('NASA met at 9:05 p.m. on Main St. in the 1990s').transcript).toBe(
      'nasa met at nine oh five p m on main street in the nineteen nineties',
    );
    expect(normalizeForSpeech('Call 555-0123 & pay £1, -5 and 3.14').transcript).toBe(
      'call five five five zero one two three and pay one pound minus five and three point one four',
    );
    expect(normalizeForSpeech('1,234 people, the 2nd café — “quoted”').transcript).toBe('one thousand two hundred thirty four people the second cafe quoted');
  });

  it('reports what cannot be spoken instead of dropping it silently', () => {
    expect(normalizeForSpeech('hello 世界').unspeakable).toEqual(['世', '界']);
    expect(normalizeForSpeech('...').transcript).toBe('');
    expect(normalizeForSpeech('plain words').unspeakable).toEqual([]);
  });

  it('is idempotent on its own spoken output', () => {
    for (const s of ['Dr. Smith paid $5.50 on Jan. 3rd, 1999.', 'The U.S.A. has 1,234 people.', 'At 10:30 the BBC said 50%']) {
      const once = normalizeForSpeech(s);
      const twice = normalizeForSpeech(once.spoken);
      expect(twice.transcript).toBe(once.transcript);
    }
  });
});

describe('digitStrings', () => {
  it('is seeded, in range, and says both "oh" and "zero"', () => {
    const a = digitStrings({ count: 400, seed: 7 });
    expect(digitStrings({ count: 400, seed: 7 })).toEqual(a);
    expect(digitStrings({ count: 400, seed: 8 })).not.toEqual(a);
    const words = new Set(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
    const lengths = new Set<number>();
    let oh = 0;
    let zero = 0;
    for (const line of a) {
      const w = line.split(' ');
      lengths.add(w.length);
      expect(w.every((x) => words.has(x))).toBe(true);
      oh += w.filter((x) => x === 'oh').length;
      zero += w.filter((x) => x === 'zero').length;
    }
    expect([...lengths].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(oh).toBeGreaterThan(20);
    expect(zero).toBeGreaterThan(20);
    expect(digitStrings({ count: 50, minLength: 3, maxLength: 3, ohProbability: 0, seed: 1 }).every((l) => l.split(' ').length === 3 && !l.includes('oh'))).toBe(true);
    expect(() => digitStrings({ count: 1, minLength: 4, maxLength: 2 })).toThrow(RangeError);
  });
});

describe('text files', () => {
  it('reads lines with their numbers and normalizes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-text-'));
    const f = join(dir, 'a.txt');
    writeFileSync(f, 'Hello there.\n\n  It costs $3.  \r\n');
    const lines = await readTextLines(f);
    expect(lines).toEqual([
      { line: 1, spoken: 'Hello there.', transcript: 'hello there' },
      { line: 3, spoken: 'It costs three dollars.', transcript: 'it costs three dollars' },
    ]);
  });

  it('names the file and line of text no voice can speak', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-text-'));
    const f = join(dir, 'bad.txt');
    writeFileSync(f, 'fine\nalso fine\n日本語のテキスト\n');
    await expect(readTextLines(f)).rejects.toThrow(/bad\.txt: line 3: no voice can speak '日'/);
    writeFileSync(f, 'fine\n?!?\n');
    await expect(readTextLines(f)).rejects.toThrow(/bad\.txt: line 2: nothing to speak/);
    await expect(readTextLines(join(dir, 'missing.txt'))).rejects.toThrow(/missing\.txt: cannot read/);
  });
});

describe('WordNet sentence corpus', () => {
  it('extracts, filters, normalizes and deduplicates quoted examples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-wn-'));
    const header = '  1 This software and database is being provided to you\n';
    writeFileSync(
      join(dir, 'data.noun'),
      `${header}00001 03 n 01 dog 0 000 | a domestic animal; "the dog barked all night"; "dogs"; "he paid $5 for the dog"\n` +
        `00002 03 n 01 cat 0 000 | an animal; "the dog barked all night"; "a (bracketed) note here"; "the cat sat on the mat ..."\n`,
    );
    writeFileSync(join(dir, 'data.verb'), `${header}00003 29 v 01 run 0 | move fast; "she runs every day"\n`);
    writeFileSync(join(dir, 'data.adj'), header);
    writeFileSync(join(dir, 'data.adv'), `${header}00004 02 r 01 fast 0 | quickly; "he drove 日本 fast"\n`);
    expect(await wordnetSentences(dir)).toEqual(['the dog barked all night', 'he paid five dollars for the dog', 'she runs every day']);
    await expect(wordnetSentences(join(dir, 'nowhere'))).rejects.toThrow(/data\.noun: cannot read the WordNet database/);
  });

  it('the shipped corpus is normalized text: letters and sentence punctuation only, stable under normalization', () => {
    const lines = readFileSync(join(ROOT, 'recipes', 'common', 'text', 'wordnet-examples.txt'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(30000);
    expect(new Set(lines.map((l) => normalizeForSpeech(l).transcript)).size).toBe(lines.length);
    for (const l of lines.slice(0, 3000)) {
      expect(l).toMatch(/^[A-Za-z' ,.!?;:]+$/);
      expect(normalizeForSpeech(l).spoken).toBe(l);
    }
  });
});
