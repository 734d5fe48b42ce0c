import { AsrError } from '../../util/errors.js';

/**
 * English words spelled so that a non-English festival voice says them the way a speaker of that language would
 * say the English word: accented English from a recorded human voice. Debian main has only three English festival
 * voices (two of them reserved), but ten more recorded voices in other languages; through these spellings they add
 * real voices and real accents to a digit corpus.
 *
 * Each language's letter-to-sound rules read the spelling, so it is written in that language's orthography
 * (Cyrillic for Russian, Devanagari for Hindi, Telugu script for Telugu: the spellings Indian writers use for these
 * English words). The Hindi ones have no nukta (जीरो, not ज़ीरो): festival's Hindi voice crashes on ज़ and फ़.
 * The spellings were checked by ear-free means: PocketSphinx's en-us model (trained on real English speech)
 * restricted to one digit word recognized 91 of 110 single words rendered by the ten voices (the misses are mostly
 * "three", which these languages say as "tri", as their speakers do), and 18 of 22 by the two NSK voices.
 *
 * Only the digit vocabulary is covered: open English text would need a grapheme-to-phoneme step first.
 */
export type RespellLanguage = 'it' | 'cs' | 'fi' | 'ca' | 'ru' | 'hi' | 'te';

const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

function table(spellings: readonly string[]): Record<string, string> {
  return Object.fromEntries(DIGITS.map((w, i) => [w, spellings[i]]));
}

export const RESPELLINGS: Record<RespellLanguage, Record<string, string>> = {
  it: table(['ziro', 'ou', 'uan', 'tu', 'tri', 'for', 'faiv', 'sics', 'seven', 'eit', 'nain']),
  cs: table(['ziro', 'ou', 'uan', 'tu', 'tri', 'for', 'fajv', 'siks', 'sevn', 'ejt', 'najn']),
  fi: table(['siirou', 'ou', 'uan', 'tuu', 'trii', 'foor', 'faiv', 'siks', 'seven', 'eit', 'nain']),
  ca: table(['ziro', 'ou', 'uan', 'tu', 'tri', 'for', 'faiv', 'sics', 'seven', 'eit', 'nain']),
  ru: table(['зироу', 'оу', 'уан', 'ту', 'сри', 'фо', 'файв', 'сикс', 'севен', 'эйт', 'найн']),
  hi: table(['जीरो', 'ओ', 'वन', 'टू', 'थ्री', 'फोर', 'फाइव', 'सिक्स', 'सेवन', 'एट', 'नाइन']),
  te: table(['జీరో', 'ఓ', 'వన్', 'టూ', 'త్రీ', 'ఫోర్', 'ఫైవ్', 'సిక్స్', 'సెవెన్', 'ఎయిట్', 'నైన్']),
};

/**
 * `text` (English words, any case, spaces between) in `lang`'s spelling. A word without a spelling is an error
 * naming it and `who` (the voice), since silently skipping it would make the audio disagree with the transcript.
 */
export function respell(text: string, lang: RespellLanguage, who: string): string {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return words
    .map((w) => {
      const s = RESPELLINGS[lang][w];
      if (s === undefined) throw new AsrError(`${who}: speaks English through a respelling table of digit words only; '${w}' is not in it`);
      return s;
    })
    .join(' ');
}
