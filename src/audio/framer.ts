/**
 * Cuts a stream of sample blocks of any length into frames of `size` samples, holding the unfinished last frame
 * between calls (the VAD's and the segmenter's fixed frames).
 */
export interface Framer {
  /** Feeds samples; calls `onFrame` for each frame they complete (the view is reused: copy it to keep it). */
  push(samples: Float32Array | Float64Array, onFrame: (frame: Float32Array) => void): void;
  /** The samples of the unfinished frame (a view). */
  readonly pending: Float32Array;
  /** Drops the unfinished frame. */
  clear(): void;
}

export function createFramer(size: number): Framer {
  const frame = new Float32Array(size);
  let filled = 0;
  return {
    push(samples, onFrame) {
      let i = 0;
      while (i < samples.length) {
        const k = Math.min(size - filled, samples.length - i);
        for (let j = 0; j < k; j++) frame[filled + j] = samples[i + j];
        filled += k;
        i += k;
        if (filled === size) {
          onFrame(frame);
          filled = 0;
        }
      }
    },
    get pending() {
      return frame.subarray(0, filled);
    },
    clear() {
      filled = 0;
    },
  };
}
