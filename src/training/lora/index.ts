export { runTrainer, type RunTrainerOptions } from './run-trainer.js';
export { trainerAvailable, trainerEnv, repoRoot, SETUP_HINT, type TrainerAvailability, type TrainerEnv } from './trainer-env.js';
export { convertHfToGguf, type ConvertHfOptions } from './convert-hf.js';
export {
  defaultHyperparameters,
  toWorkerConfig,
  type GeneralCheck,
  type LoraHyperparameters,
  type TrainerConfig,
  type TrainerProgress,
  type TrainerResult,
} from './trainer-config.js';
