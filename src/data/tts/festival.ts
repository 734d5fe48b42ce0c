import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAudioFromWav, type EngineAudio, type EngineParams, type TtsEngine } from './engine.js';
import { respell, type RespellLanguage } from './respell.js';

/**
 * Where Debian's festvox packages put voices: the English diphone voices under `english/`, the HTS voices
 * (festvox-us-slt-hts) under `us/`, and the other languages under their names.
 */
export const FESTIVAL_VOICE_DIRS = ['english', 'us', 'italian', 'czech', 'finnish', 'catalan', 'russian'].map((d) => `/usr/share/festival/voices/${d}`);

/** Festival voices of other languages, which say English words through src/data/tts/respell.ts. */
export const FESTIVAL_VOICE_LANGUAGE: Record<string, RespellLanguage> = {
  lp_diphone: 'it',
  pc_diphone: 'it',
  czech_dita: 'cs',
  czech_krb: 'cs',
  czech_machac: 'cs',
  czech_ph: 'cs',
  suo_fi_lj_diphone: 'fi',
  hy_fi_mv_diphone: 'fi',
  upc_ca_ona_hts: 'ca',
  msu_ru_nsh_clunits: 'ru',
};

/** Whether Debian's `text2wave` and the named voice are installed. */
export function festivalVoiceInstalled(voice: string): boolean {
  return existsSync('/usr/bin/text2wave') && FESTIVAL_VOICE_DIRS.some((d) => existsSync(join(d, voice)));
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd}: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * The Festival speech synthesis system from Debian (`apt-get install festival festvox-kdlpc16k`), run as
 * `text2wave` once per utterance. params: `duration_stretch` (> 1 slower), `f0_mean` and `f0_std` in Hz (the
 * targets of the linear-regression intonation model the diphone voices use; ked's defaults are 105 and 15).
 * Festival is deterministic, so `seed` is not needed. Voices of other languages get the text respelled
 * (FESTIVAL_VOICE_LANGUAGE); the intonation parameters only steer voices that use festival's linear-regression
 * model, the others ignore them.
 */
export function createFestivalEngine(): TtsEngine {
  return {
    name: 'festival',
    async synthesize(text: string, voice: string, params: EngineParams): Promise<EngineAudio> {
      // the name goes into a Scheme expression: allow only what festival voice names look like
      if (!/^[a-z0-9_]+$/.test(voice)) throw new Error(`festival: bad voice name '${voice}'`);
      if (!festivalVoiceInstalled(voice)) throw new Error(`festival: voice '${voice}' is not installed (Debian: festival and the festvox package for it)`);
      const dir = await mkdtemp(join(tmpdir(), 'asr-festival-'));
      try {
        const txt = join(dir, 'utt.txt');
        const wav = join(dir, 'utt.wav');
        const lang = FESTIVAL_VOICE_LANGUAGE[voice];
        await writeFile(txt, `${lang ? respell(text, lang, `festival ${voice}`) : text}\n`);
        const args = ['-eval', `(voice_${voice})`];
        if (params.duration_stretch !== undefined) args.push('-eval', `(Parameter.set 'Duration_Stretch ${Number(params.duration_stretch)})`);
        if (params.f0_mean !== undefined || params.f0_std !== undefined) {
          const mean = Number(params.f0_mean ?? 105);
          const std = Number(params.f0_std ?? 15);
          args.push('-eval', `(set! int_lr_params '((target_f0_mean ${mean}) (target_f0_std ${std}) (model_f0_mean 170) (model_f0_std 34)))`);
        }
        args.push(txt, '-o', wav);
        const r = await run('text2wave', args);
        // festival reports Scheme errors on stderr but still exits 0
        if (/SIOD ERROR|^Error/m.test(r.stderr) || !existsSync(wav)) {
          throw new Error(`festival: voice '${voice}': ${r.stderr.trim().split('\n')[0] || 'no audio produced'}`);
        }
        return await engineAudioFromWav(new Uint8Array(await readFile(wav)), `festival ${voice}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
