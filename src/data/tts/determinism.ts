import { createRng } from '../../util/random.js';

/** The Web Crypto method Emscripten reads entropy through (typed here: the project does not load DOM types). */
interface CryptoLike {
  getRandomValues<V extends ArrayBufferView | null>(view: V): V;
}

/**
 * Runs `fn` with the two sources of entropy that Emscripten-built synthesizers read pinned: `Date.now()` (time(),
 * which eSpeak NG uses to seed rand() for breath noise and jitter) and `crypto.getRandomValues` (std::random_device,
 * which GnuSpeech uses for intonation drift), the latter replaced by a generator seeded with `seed`. Combined with a
 * fresh module instance per utterance this makes every rendering a pure function of (text, voice, parameters, seed),
 * whatever ran before it in the same process, which is what makes parallel and resumed corpora byte-identical.
 *
 * The patch is global to the thread for the duration of `fn` (including its awaits), so synthesis runs in worker
 * threads that do nothing else; tests may call it in-process.
 */
export async function withPinnedEntropy<T>(seed: number, fn: () => Promise<T> | T): Promise<T> {
  const realNow = Date.now;
  const c = (globalThis as unknown as { crypto: CryptoLike }).crypto;
  const hadOwn = Object.prototype.hasOwnProperty.call(c, 'getRandomValues');
  const realGet = c.getRandomValues;
  const rng = createRng(seed);
  Date.now = () => FROZEN_EPOCH_MS;
  c.getRandomValues = <V extends ArrayBufferView | null>(view: V): V => {
    if (view) {
      const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rng.uniform() * 256);
    }
    return view;
  };
  try {
    return await fn();
  } finally {
    Date.now = realNow;
    if (hadOwn) c.getRandomValues = realGet;
    else delete (c as { getRandomValues?: unknown }).getRandomValues;
  }
}

/** 2024-01-01T00:00:00Z: any fixed instant does; this one is recent enough not to look odd in file dates. */
export const FROZEN_EPOCH_MS = 1_704_067_200_000;
