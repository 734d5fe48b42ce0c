import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAudioFromWav, type EngineAudio, type EngineParams, type TtsEngine } from './engine.js';
import { mapSegments, parseFrontEnd, segmentsUtterance, voiceDiphones, type PhoneLanguage } from './phone-map.js';
import { RESPELLINGS, respell, type RespellLanguage } from './respell.js';

/**
 * Where Debian's festvox packages put voices: the English diphone voices under `english/`, the HTS voices
 * (festvox-us-slt-hts) under `us/`, and the other languages under their names.
 */
export const FESTIVAL_VOICE_DIRS = ['english', 'us', 'italian', 'czech', 'finnish', 'catalan', 'russian', 'hindi', 'telugu'].map((d) => `/usr/share/festival/voices/${d}`);

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
  hindi_NSK_diphone: 'hi',
  telugu_NSK_diphone: 'te',
};

/**
 * The diphone voices of other languages that also say open English text through src/data/tts/phone-map.ts (ked's
 * English front end, phones mapped to the voice's language), with the scale that moves ked's pitch (mean 105 Hz)
 * to the voice's own: the mean of the F0 targets each voice's own intonation model gives a sentence of its
 * language (pc 118 Hz, lp 209, dita 225, krb 261, machac 75, ph 137, lj 161, mv 83, NSK 120). The Catalan HTS
 * and Russian unit-selection voices choose their own durations and units, so they stay digit words only.
 */
export const FESTIVAL_PHONE_VOICES: Record<string, { lang: PhoneLanguage; f0Scale: number }> = {
  lp_diphone: { lang: 'it', f0Scale: 1.99 },
  pc_diphone: { lang: 'it', f0Scale: 1.12 },
  czech_dita: { lang: 'cs', f0Scale: 2.14 },
  czech_krb: { lang: 'cs', f0Scale: 2.49 },
  czech_machac: { lang: 'cs', f0Scale: 0.72 },
  czech_ph: { lang: 'cs', f0Scale: 1.3 },
  suo_fi_lj_diphone: { lang: 'fi', f0Scale: 1.53 },
  hy_fi_mv_diphone: { lang: 'fi', f0Scale: 0.79 },
  hindi_NSK_diphone: { lang: 'hi', f0Scale: 1.14 },
  telugu_NSK_diphone: { lang: 'hi', f0Scale: 1.14 },
};

/** The English voice whose front end (lexicon, durations, intonation) the phone-mapped voices read with. */
const FRONT_END_VOICE = 'ked_diphone';

/**
 * Language support a voice loads from outside its own folder: the NSK voices require festival-hi and festival-te,
 * which their packages only recommend (so `apt-get install --no-install-recommends` leaves them out and the voice
 * fails with "could not open file hindi_phones.scm").
 */
const FESTIVAL_VOICE_SUPPORT: Record<string, string> = {
  hindi_NSK_diphone: '/usr/share/festival/hindi_scm',
  telugu_NSK_diphone: '/usr/share/festival/telugu_scm',
};

/** Whether Debian's festival and the named voice, with any language support it loads, are installed. */
export function festivalVoiceInstalled(voice: string): boolean {
  const support = FESTIVAL_VOICE_SUPPORT[voice];
  return existsSync('/usr/bin/festival') && FESTIVAL_VOICE_DIRS.some((d) => existsSync(join(d, voice))) && (support === undefined || existsSync(support));
}

/**
 * Festival's Scheme, loaded once per session. `asr_render` is what text2wave does with a text file (tts_file with
 * the file's text mode, every utterance's wave appended in order); the state a voice and our parameters set is put
 * back to the start-up values before each request, as a fresh text2wave process would have it. The audio is then
 * text2wave's sample for sample, with one measured exception: after a dozen or more utterances in one process, a
 * rendering now and then differs from a fresh process's at about -60 dB (ked, "seven eight" after 14 other digit
 * strings: 1,718 of 20,802 samples, at most 0.0009 of full scale; not after any one of them alone, and never when
 * the same utterance repeats; festival appears to reuse memory its garbage collector recycled). The same
 * utterances in the same order render the same, so a corpus is repeatable with the same --jobs; split differently
 * over threads, festival's share can differ at that level.
 */
const SESSION_SETUP = [
  '(define (asr_collect utt) (set! asr_waves (cons (utt.wave utt) asr_waves)) utt)',
  '(set! tts_hooks (list utt.synth asr_collect))',
  "(defvar asr_stretch0 (Parameter.get 'Duration_Stretch))",
  '(defvar asr_lr0 int_lr_params)',
  '(define (asr_render in out) (set! asr_waves nil) (tts_file in (tts_find_text_mode in auto-text-mode-alist))' +
    " (let ((ws (reverse asr_waves))) (mapcar (lambda (w) (wave.append (car ws) w)) (cdr ws)) (wave.save (car ws) out 'riff)))",
  // the front end alone (Text utterance type up to Int_Targets, no waveform): one line per segment, "name end
  // stress [pos f0]..." with absolute times
  "(define (asr_tg s) (let ((r (item.relation s 'Target))) (if r (item.daughters r) nil)))",
  "(define (asr_segs text out) (let ((u (eval (list 'Utterance 'Text text))) (fd (fopen out \"w\")))" +
    ' (Initialize u) (Text u) (Token_POS u) (Token u) (POS u) (Phrasify u) (Word u) (Pauses u) (Intonation u) (PostLex u) (Duration u) (Int_Targets u)' +
    ' (mapcar (lambda (s) (format fd "%s %f %s" (item.name s) (item.feat s "end") (item.feat s "R:SylStructure.parent.stress"))' +
    ' (mapcar (lambda (x) (format fd " %f %f" (item.feat x "pos") (item.feat x "f0"))) (asr_tg s)) (format fd "\\n")) (utt.relation.items u \'Segment))' +
    ' (fclose fd)))',
].join('\n');

/**
 * One `festival --pipe` process that renders request after request, for one voice: festival's voices set the
 * global state they use but do not undo what other voices set (the Finnish diphone voice failed after others in
 * one process), so each voice gets its own process, as it gets a fresh one from text2wave. Starting festival and
 * loading a voice costs about half a second of CPU, several times the rendering of a digit string, so text2wave
 * once per utterance spent most of the corpus time starting up. Requests are serialised; each ends with a marker festival writes to
 * stderr (unbuffered), and what it wrote before the marker are that request's messages. The process is not
 * waited for by Node (unref'd while idle) and exits when its stdin closes with ours.
 */
interface FestivalSession {
  render(forms: string): Promise<string>;
  /** Ends the process once the requests sent so far are done. */
  close(): void;
}

function startSession(): FestivalSession {
  let child: ChildProcessWithoutNullStreams | null = null;
  let stderr = '';
  let exited: string | null = null;
  let pending: { marker: string; resolve: (messages: string) => void; reject: (e: Error) => void } | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let count = 0;
  const settle = (): void => {
    if (pending === null) return;
    const at = stderr.indexOf(pending.marker);
    if (at >= 0) {
      const messages = stderr.slice(0, at);
      stderr = stderr.slice(at + pending.marker.length);
      const p = pending;
      pending = null;
      p.resolve(messages);
    } else if (exited !== null) {
      const p = pending;
      pending = null;
      p.reject(new Error(`festival: ${stderr.trim().split('\n')[0] || exited}`));
    }
  };
  const spawnChild = (): ChildProcessWithoutNullStreams => {
    const c = spawn('festival', ['--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    stderr = '';
    exited = null;
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => {
      stderr += d;
      settle();
    });
    c.stdout.resume(); // nothing is read from it, but a full pipe would block festival
    c.on('error', (e) => {
      exited = e.message;
      child = null;
      settle();
    });
    c.on('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      child = null;
      settle();
    });
    c.stdin.on('error', () => {}); // a dead process is reported by 'exit'
    c.stdin.write(`${SESSION_SETUP}\n`);
    return c;
  };
  const idle = (c: ChildProcessWithoutNullStreams, on: boolean): void => {
    for (const h of [c, c.stdin, c.stdout, c.stderr] as Array<{ ref(): void; unref(): void }>) {
      if (on) h.unref();
      else h.ref();
    }
  };
  const one = (forms: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const c = child ?? (child = spawnChild());
      idle(c, false);
      const marker = `ASR-DONE-${++count}\n`;
      pending = {
        marker,
        resolve: (m) => {
          idle(c, true);
          resolve(m);
        },
        reject,
      };
      // the marker is a form of its own: a Scheme error aborts the request's form but not the next one
      c.stdin.write(`${forms}\n(format stderr "${marker.trim()}\\n")\n`);
    });
  return {
    render(forms: string): Promise<string> {
      const r = chain.then(() => one(forms));
      chain = r.catch(() => {});
      return r;
    },
    close(): void {
      void chain.then(() => child?.stdin.end());
    },
  };
}

/**
 * Festival processes kept per thread (one per voice, least recently used closed first; each holds ~330 MB with a
 * diphone voice). The ten voices of `--voices accented` fit; with fewer kept, random voice order restarted a
 * process every other utterance. Fewer are kept when the machine runs short of memory.
 */
const MAX_SESSIONS = 12;
const MIN_FREE_BYTES = 1.5e9;

/** A Scheme string literal. */
function schemeString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The Festival speech synthesis system from Debian (`apt-get install festival festvox-kdlpc16k`), one persistent
 * `festival --pipe` process per voice and thread rendering as `text2wave` would. params: `duration_stretch` (> 1
 * slower), `f0_mean` and `f0_std` in Hz (the targets of the linear-regression intonation model the diphone voices use;
 * ked's defaults are 105 and 15). Festival is deterministic, so `seed` is not needed. Voices of other languages
 * get the text respelled (FESTIVAL_VOICE_LANGUAGE); the intonation parameters only steer voices that use
 * festival's linear-regression model, the others ignore them.
 */
export function createFestivalEngine(): TtsEngine {
  // per voice, most recently used last
  const sessions = new Map<string, FestivalSession>();
  const diphoneSets = new Map<string, Set<string>>();
  /** Runs forms in the voice's session (least recently used closed first); throws on a Scheme error or when `out` was not written. */
  const run = async (voice: string, forms: string[], out: string): Promise<void> => {
    let session = sessions.get(voice);
    if (session === undefined) {
      session = startSession();
      if (sessions.size > 0 && (sessions.size >= MAX_SESSIONS || freemem() < MIN_FREE_BYTES)) {
        const [oldest, old] = sessions.entries().next().value as [string, FestivalSession];
        old.close();
        sessions.delete(oldest);
      }
    } else sessions.delete(voice);
    sessions.set(voice, session);
    const messages = await session.render(`(begin ${forms.join(' ')})`);
    // festival reports Scheme errors on stderr and carries on
    if (/SIOD ERROR|^Error/m.test(messages) || !existsSync(out)) {
      throw new Error(`festival: voice '${voice}': ${messages.trim().split('\n')[0] || 'no output produced'}`);
    }
  };
  /** The state a voice and our parameters set, put back to the start-up values, then the voice and `params`. */
  const voiceForms = (voice: string, params: EngineParams): string[] => {
    const forms = ["(Parameter.set 'Duration_Stretch asr_stretch0)", '(set! int_lr_params asr_lr0)', `(voice_${voice})`];
    if (params.duration_stretch !== undefined) forms.push(`(Parameter.set 'Duration_Stretch ${Number(params.duration_stretch)})`);
    if (params.f0_mean !== undefined || params.f0_std !== undefined) {
      const mean = Number(params.f0_mean ?? 105);
      const std = Number(params.f0_std ?? 15);
      forms.push(`(set! int_lr_params '((target_f0_mean ${mean}) (target_f0_std ${std}) (model_f0_mean 170) (model_f0_std 34)))`);
    }
    return forms;
  };
  return {
    name: 'festival',
    async synthesize(text: string, voice: string, params: EngineParams): Promise<EngineAudio> {
      // the name goes into a Scheme expression: allow only what festival voice names look like
      if (!/^[A-Za-z0-9_]+$/.test(voice)) throw new Error(`festival: bad voice name '${voice}'`);
      if (!festivalVoiceInstalled(voice)) throw new Error(`festival: voice '${voice}' is not installed (Debian: festival and the festvox package for it)`);
      const dir = await mkdtemp(join(tmpdir(), 'asr-festival-'));
      try {
        const txt = join(dir, 'utt.txt');
        const wav = join(dir, 'utt.wav');
        const lang = FESTIVAL_VOICE_LANGUAGE[voice];
        const phoneVoice = FESTIVAL_PHONE_VOICES[voice];
        const words = text.toLowerCase().split(/\s+/).filter(Boolean);
        if (lang !== undefined && phoneVoice !== undefined && !words.every((w) => RESPELLINGS[lang][w] !== undefined)) {
          // open text: ked's front end, then the voice's diphones (the pitch and rate params steer the front end)
          if (!festivalVoiceInstalled(FRONT_END_VOICE)) throw new Error(`festival ${voice}: open English text needs the ${FRONT_END_VOICE} voice's front end (Debian festvox-kdlpc16k)`);
          const segFile = join(dir, 'utt.seg');
          await run(FRONT_END_VOICE, [...voiceForms(FRONT_END_VOICE, params), `(asr_segs ${schemeString(text)} ${schemeString(segFile)})`], segFile);
          const front = parseFrontEnd(await readFile(segFile, 'utf8'));
          let diphones = diphoneSets.get(voice);
          if (diphones === undefined) {
            const vdir = FESTIVAL_VOICE_DIRS.map((d) => join(d, voice)).find((d) => existsSync(d));
            diphones = voiceDiphones(vdir ?? voice);
            diphoneSets.set(voice, diphones);
          }
          const segs = mapSegments(front, phoneVoice.lang, diphones, phoneVoice.f0Scale);
          await run(voice, [`(voice_${voice})`, `(utt.save.wave (utt.synth ${segmentsUtterance(segs)}) ${schemeString(wav)} 'riff)`], wav);
        } else {
          await writeFile(txt, `${lang ? respell(text, lang, `festival ${voice}`) : text}\n`);
          await run(voice, [...voiceForms(voice, params), `(asr_render ${schemeString(txt)} ${schemeString(wav)})`], wav);
        }
        return await engineAudioFromWav(new Uint8Array(await readFile(wav)), `festival ${voice}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
