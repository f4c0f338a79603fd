/**
 * What Ladder asks the LoRA worker (trainer/train_lora.py) to do, and what it reports back. Field names here
 * are camelCase; toWorkerConfig maps them to the worker's snake_case JSON.
 */

export interface LoraHyperparameters {
  /** LoRA rank. */
  r: number;
  alpha: number;
  dropout: number;
  targetModules: string[];
  /** Optimizer steps; ignored when `epochs` is set. */
  steps: number;
  epochs?: number;
  lr: number;
  batchSize: number;
  gradAccum: number;
  maxSeqLen: number;
  scheduler: 'constant' | 'linear' | 'cosine' | 'constant_with_warmup';
  warmupSteps: number;
  seed: number;
}

export interface TrainerConfig extends LoraHyperparameters {
  /** Base model GGUF (absolute path). */
  baseGguf: string;
  /** JSONL of {"messages": [...]} rows whose last message is the assistant answer (extra fields ignored). */
  trainFile: string;
  /** Folder the worker writes adapter/, base/ and adapter.gguf into. */
  outputDir: string;
  /** "auto" uses CUDA when the worker sees it, else the CPU. */
  device: 'auto' | 'cpu' | 'cuda';
  /** CPU threads for PyTorch; 0 = all cores. */
  threads: number;
  /** Measure base vs adapter loss on trainer/general_check.jsonl (the capability cost). */
  generalCheck: boolean;
}

export const defaultHyperparameters: LoraHyperparameters = {
  r: 8,
  alpha: 16,
  dropout: 0.05,
  targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  steps: 30,
  lr: 1e-3,
  batchSize: 2,
  gradAccum: 1,
  maxSeqLen: 512,
  scheduler: 'constant',
  warmupSteps: 0,
  seed: 0,
};

export interface TrainerProgress {
  step: number;
  total: number;
  loss: number | null;
  elapsedSeconds: number;
}

export interface GeneralCheck {
  questions: number;
  baseLoss: number;
  adapterLoss: number;
  /** adapterLoss − baseLoss: positive = the adapter made ordinary answers less likely. */
  delta: number;
}

export interface TrainerResult {
  adapterDir: string;
  /** GGUF LoRA for llama.cpp / node-llama-cpp. */
  adapterGguf: string;
  trainLossFirst: number | null;
  trainLossLast: number | null;
  /** Loss of every logged step, in order. */
  losses: number[];
  steps: number;
  trainRows: number;
  /** Optimizer time only. */
  trainSeconds: number;
  /** Whole worker run: start-up, model load, training, export. */
  seconds: number;
  /** Python start-up + GGUF load (de-quantization). */
  loadSeconds: number;
  /** Saving the adapter + GGUF conversion. */
  exportSeconds: number;
  device: string;
  versions: Record<string, string>;
  generalCheck?: GeneralCheck;
}

export function toWorkerConfig(config: TrainerConfig, llamaCppDir: string | undefined): Record<string, unknown> {
  return {
    base_gguf: config.baseGguf,
    train_file: config.trainFile,
    output_dir: config.outputDir,
    r: config.r,
    alpha: config.alpha,
    dropout: config.dropout,
    target_modules: config.targetModules,
    steps: config.steps,
    epochs: config.epochs ?? null,
    lr: config.lr,
    batch_size: config.batchSize,
    grad_accum: config.gradAccum,
    max_seq_len: config.maxSeqLen,
    scheduler: config.scheduler,
    warmup_steps: config.warmupSteps,
    seed: config.seed,
    device: config.device,
    threads: config.threads,
    llama_cpp_dir: llamaCppDir ?? null,
    general_check: config.generalCheck,
  };
}
