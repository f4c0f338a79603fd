import type { ChatMessage, JsonObject, JsonValue } from '../core/types.js';

export type RowOrigin = 'human' | 'teacher' | 'synthetic';

/**
 * One training row as given to writeDataset: either chat `messages`, or `input` + `output`. Teacher rows may
 * carry several `samples` (answers to the same input); the majority answer becomes `output` when absent.
 */
export interface DatasetRowInput {
  id?: string;
  messages?: ChatMessage[];
  input?: string;
  output?: JsonValue;
  origin: RowOrigin;
  /** Where the row came from (an example id in a source file). */
  sourceId?: string;
  samples?: JsonValue[];
  /** The teacher's confidence in [0, 1], when it gives one. */
  confidence?: number;
}

/** One line of the written JSONL. */
export interface DatasetRow {
  id: string;
  input?: string;
  output?: JsonValue;
  messages?: ChatMessage[];
  origin: RowOrigin;
  sourceId?: string;
  /** Share of samples that agreed with `output`, when samples were given. */
  agreement?: number;
  confidence?: number;
}

export interface HashedFile {
  /** Relative to the manifest's folder when inside it, absolute otherwise. */
  path: string;
  sha256: string;
  bytes: number;
  role: string;
}

/**
 * A provenance manifest. Any JSON file named `manifest.json` or `*.manifest.json` with `kind` starting with
 * "ladder." and a `files` list is re-checked by verifyManifests; other fields are facts for people.
 */
export interface Manifest {
  kind: string;
  schemaVersion: 1;
  name: string;
  ladderVersion: string;
  createdAt: string;
  files: HashedFile[];
}

export interface DatasetManifest extends Manifest {
  kind: 'ladder.dataset';
  licence: string;
  rows: number;
  origins: Record<RowOrigin, number>;
  teacher: { modelRef: string; prompt: string; params: JsonObject } | null;
  filters: JsonObject;
  leakage: JsonObject;
}
