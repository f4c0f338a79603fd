import type { RungFactory } from '../core/rung.js';
import { fewShotRung } from './few-shot/few-shot-rung.js';
import { zeroShotRung } from './zero-shot/zero-shot-rung.js';
import { ragRung } from './rag/index.js';
import { longContextRung } from './long-context/index.js';
import { classifierRung } from './classifier/classifier-rung.js';
import { distillRung } from './distill/index.js';
import { fineTuneRung } from './fine-tune/index.js';
import { selfConsistencyRung } from './self-consistency/self-consistency-rung.js';

/** Every rung Ladder can climb. Adding a rung = one module + one line here. */
export const rungRegistry: RungFactory[] = [zeroShotRung, fewShotRung, ragRung, longContextRung, classifierRung, distillRung, fineTuneRung, selfConsistencyRung];

export function findRung(kind: string, registry: RungFactory[] = rungRegistry): RungFactory | undefined {
  return registry.find((rung) => rung.kind === kind);
}
