/**
 * Learning-rate schedules, as a function of the optimizer step (0-based). Both warm up linearly from 0 to
 * `peakLr` over `warmupSteps`, then decay:
 * - 'noam': peakLr * sqrt(warmup / step) (inverse square root, as in the Transformer paper, peak at the warmup end);
 * - 'cosine': from peakLr to minLr along half a cosine, reaching minLr at `totalSteps`;
 * - 'constant': peakLr.
 */
export interface ScheduleConfig {
  kind: 'noam' | 'cosine' | 'constant';
  peakLr: number;
  warmupSteps: number;
  minLr: number;
  totalSteps: number;
}

export function learningRate(s: ScheduleConfig, step: number): number {
  const n = step + 1;
  const w = Math.max(1, s.warmupSteps);
  if (n <= s.warmupSteps) return (s.peakLr * n) / w;
  switch (s.kind) {
    case 'constant':
      return s.peakLr;
    case 'noam':
      return Math.max(s.minLr, s.peakLr * Math.sqrt(w / n));
    case 'cosine': {
      const span = Math.max(1, s.totalSteps - s.warmupSteps);
      const frac = Math.min(1, (n - s.warmupSteps) / span);
      return s.minLr + 0.5 * (s.peakLr - s.minLr) * (1 + Math.cos(Math.PI * frac));
    }
  }
}
