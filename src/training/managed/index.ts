export { FineTuningClient, type FineTuningClientOptions } from './fine-tuning-client.js';
export { runManagedFineTune, type ManagedFineTuneOptions, type ManagedFineTuneResult, type JobPersistence } from './run-managed-fine-tune.js';
export { exportOpenAIChatJsonl, toChatExample, type ExportResult } from './export-jsonl.js';
export type * from './types.js';
