/**
 * Licenses of the voices `asr data synth` can use. What matters for a speech corpus is not the program's license but
 * whether a model trained on the voice's audio may be redistributed, commercially included: `modelRedistributable`.
 * `--license-free` keeps only voices for which it is true.
 */
export interface VoiceLicense {
  /** Short key used in the voice table and the manifest. */
  id: string;
  /** The license as its authors name it. */
  name: string;
  modelRedistributable: boolean;
  /** Why, in one line. */
  note: string;
}

export const LICENSES = {
  'espeak-ng': {
    id: 'espeak-ng',
    name: 'GPL-3.0-or-later (eSpeak NG program and data)',
    modelRedistributable: true,
    note: 'rule-based formant synthesis from no recorded speaker; the GPL covers the program, not the audio it outputs',
  },
  gnuspeech: {
    id: 'gnuspeech',
    name: 'GPL-3.0-or-later (GnuSpeech program and data)',
    modelRedistributable: true,
    note: 'articulatory synthesis from no recorded speaker; the GPL covers the program, not the audio it outputs',
  },
  'cmu-arctic': {
    id: 'cmu-arctic',
    name: 'CMU ARCTIC / Flite voice license (BSD-style)',
    modelRedistributable: true,
    note: 'use, modification and redistribution permitted for any purpose, commercial included, keeping the notice',
  },
  'flite-kal': {
    id: 'flite-kal',
    name: 'Flite license (BSD-style, CMU)',
    modelRedistributable: true,
    note: 'BSD-style; this speaker is reserved for testing anyway',
  },
  'festvox-diphone': {
    id: 'festvox-diphone',
    name: 'CSTR Edinburgh festival diphone license (MIT-style)',
    modelRedistributable: true,
    note: 'use and distribute without restriction, keeping the notice (Debian main)',
  },
  'festvox-hts': {
    id: 'festvox-hts',
    name: 'HTS / CMU ARCTIC voice license (BSD-style)',
    modelRedistributable: true,
    note: 'BSD-style; this speaker is reserved for testing anyway',
  },
  'festvox-gpl': {
    id: 'festvox-gpl',
    name: 'GPL-2.0-or-later (festival voice database)',
    modelRedistributable: true,
    note: 'recordings of a real speaker under the GPL; the GPL covers the voice and program, not the audio they output',
  },
  'festvox-lgpl': {
    id: 'festvox-lgpl',
    name: 'LGPL-2.1-or-later (UPC Catalan HTS voice)',
    modelRedistributable: true,
    note: 'the LGPL covers the voice and program, not the audio they output (Debian main)',
  },
  'festvox-ru': {
    id: 'festvox-ru',
    name: 'MSU Russian festival voice license (BSD-like)',
    modelRedistributable: true,
    note: 'use and distribute free of charge, keeping the notice (Debian main)',
  },
  mbrola: {
    id: 'mbrola',
    name: 'MBROLA voice license (non-commercial)',
    modelRedistributable: false,
    note: 'the diphone databases may be used for non-commercial, non-military purposes only (Debian contrib/non-free)',
  },
  'pico-lingware': {
    id: 'pico-lingware',
    name: 'Apache-2.0 (SVOX Pico lingware)',
    modelRedistributable: true,
    note: 'Apache-2.0, though Debian ships the voice data in non-free because its sources are not published',
  },
  rhvoice: {
    id: 'rhvoice',
    name: 'RHVoice voice license (varies by voice)',
    modelRedistributable: false,
    note: 'voice licenses differ (some CC BY-NC-ND); treated as not free until checked per voice',
  },
} as const satisfies Record<string, VoiceLicense>;

export type LicenseId = keyof typeof LICENSES;
