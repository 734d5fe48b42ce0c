import type { VadKind } from './vad.js';

/**
 * Endpoint rules as Kaldi (online-endpoint.h) and sherpa-onnx define them: an utterance ends when any rule fires,
 * a rule firing when (something was decoded, or the rule does not require it) and the trailing silence is at
 * least `minTrailingSilence` seconds and the utterance is at least `minUtteranceLength` seconds long. Silence is
 * the run of frames whose best token is the blank since the last non-blank one (sherpa-onnx's
 * num_trailing_blanks), or, when the streaming recognizer has a voice activity detector (vad.ts), the time since
 * the detector's last speech frame, and "something decoded" is then "the detector heard speech".
 */
export interface EndpointRule {
  mustContainNonSilence: boolean;
  minTrailingSilence: number;
  minUtteranceLength: number;
}

export interface EndpointConfig {
  rule1: EndpointRule;
  rule2: EndpointRule;
  rule3: EndpointRule;
}

/** sherpa-onnx's defaults: 2.4 s of silence with nothing decoded, 1.2 s after speech, 20 s utterances. */
export const DEFAULT_ENDPOINT: EndpointConfig = {
  rule1: { mustContainNonSilence: false, minTrailingSilence: 2.4, minUtteranceLength: 0 },
  rule2: { mustContainNonSilence: true, minTrailingSilence: 1.2, minUtteranceLength: 0 },
  rule3: { mustContainNonSilence: false, minTrailingSilence: 0, minUtteranceLength: 20 },
};

/**
 * Rule 2's trailing silence (seconds) when a VAD of each kind measures the silence. Blank runs stop at every token,
 * so they need sherpa-onnx's 1.2 s; a good VAD rarely hears that long a silence inside an utterance. From
 * `npm run bench -- vad` (its trailing-silence sweep over real speech, clean and in white/brown noise at 20-5 dB):
 * silero: no silence of 0.4 s inside a clip, so 0.5; webrtc (mode 2): none of 0.8 s; energy: some even at 1.2 s,
 * so it keeps 1.2.
 */
export const DEFAULT_VAD_TRAILING_SILENCE: Readonly<Record<VadKind, number>> = { silero: 0.5, webrtc: 0.8, energy: 1.2 };

export type EndpointConfigInput = { [K in keyof EndpointConfig]?: Partial<EndpointRule> };

export function resolveEndpointConfig(input: EndpointConfigInput = {}): EndpointConfig {
  return {
    rule1: { ...DEFAULT_ENDPOINT.rule1, ...input.rule1 },
    rule2: { ...DEFAULT_ENDPOINT.rule2, ...input.rule2 },
    rule3: { ...DEFAULT_ENDPOINT.rule3, ...input.rule3 },
  };
}

function ruleActivated(r: EndpointRule, containsNonSilence: boolean, trailingSilence: number, utteranceLength: number): boolean {
  return (containsNonSilence || !r.mustContainNonSilence) && trailingSilence >= r.minTrailingSilence && utteranceLength >= r.minUtteranceLength;
}

/** Which rule (1-3) fires for the state, or 0. Times in seconds. */
export function endpointRule(c: EndpointConfig, containsNonSilence: boolean, trailingSilence: number, utteranceLength: number): 0 | 1 | 2 | 3 {
  if (ruleActivated(c.rule1, containsNonSilence, trailingSilence, utteranceLength)) return 1;
  if (ruleActivated(c.rule2, containsNonSilence, trailingSilence, utteranceLength)) return 2;
  if (ruleActivated(c.rule3, containsNonSilence, trailingSilence, utteranceLength)) return 3;
  return 0;
}

/** Tracks trailing blanks per frame of one utterance. */
export class EndpointState {
  frames = 0;
  trailingBlanks = 0;
  containsNonSilence = false;

  /** logProbs [frames, vocab]: updates the counts from each frame's best token. */
  update(logProbs: Float32Array, frames: number, vocab: number, blank: number): void {
    for (let f = 0; f < frames; f++) {
      let best = 0;
      let bv = -Infinity;
      const o = f * vocab;
      for (let v = 0; v < vocab; v++) {
        if (logProbs[o + v] > bv) {
          bv = logProbs[o + v];
          best = v;
        }
      }
      this.frames++;
      if (best === blank) this.trailingBlanks++;
      else {
        this.trailingBlanks = 0;
        this.containsNonSilence = true;
      }
    }
  }

  reset(): void {
    this.frames = 0;
    this.trailingBlanks = 0;
    this.containsNonSilence = false;
  }
}
