/** Wire shapes of the OpenAI-compatible fine-tuning API (the fields Ladder reads). */

export type FineTuningStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const terminalStatuses: ReadonlySet<FineTuningStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
}

export interface FineTuningJob {
  id: string;
  object: 'fine_tuning.job';
  model: string;
  status: FineTuningStatus;
  training_file: string;
  fine_tuned_model: string | null;
  trained_tokens: number | null;
  created_at: number;
  finished_at: number | null;
  error: { code: string; message: string; param: string | null } | null;
  hyperparameters?: Record<string, unknown>;
}

export interface FineTuningEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type?: 'message' | 'metrics';
  data?: Record<string, unknown> | null;
}

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface CreateJobRequest {
  training_file: string;
  model: string;
  validation_file?: string;
  suffix?: string;
  seed?: number;
  hyperparameters?: { n_epochs?: number | 'auto'; batch_size?: number | 'auto'; learning_rate_multiplier?: number | 'auto' };
}
