/**
 * Seeded pseudo-random numbers (Mulberry32 for uniforms, Box-Muller for normals), so dither, SpecAugment and
 * data shuffling are reproducible from a seed. The state is one uint32 and can be saved and restored.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal. */
  normal(): number;
  /** The generator's state, for checkpoints. */
  state(): number;
}

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  let spare: number | null = null;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    int(lo, hi) {
      return lo + Math.floor(uniform() * (hi - lo + 1));
    },
    normal() {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = uniform();
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    state() {
      return s;
    },
  };
}
