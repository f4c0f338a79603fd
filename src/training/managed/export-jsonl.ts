import { readFile } from 'node:fs/promises';
import { LadderError } from '../../core/errors.js';
import type { ChatMessage } from '../../core/types.js';
import { writeFileAtomic } from '../../datasets/atomic-write.js';
import { sha256Text } from '../../core/hash.js';
import type { DatasetRow } from '../../datasets/types.js';
import { renderAnswer } from '../../rungs/prompt.js';

/**
 * OpenAI chat fine-tuning format: one `{"messages":[...]}` per line, each ending with the assistant turn to
 * learn. Input/output rows become [system?, user: input, assistant: output] (JSON outputs as compact JSON),
 * so the fine-tuned model is trained on exactly the prompt shape it will be served with.
 */
export function toChatExample(row: Pick<DatasetRow, 'id' | 'input' | 'output' | 'messages'>, system?: string): { messages: ChatMessage[] } {
  let messages: ChatMessage[];
  if (row.messages) messages = row.messages.map((m) => ({ role: m.role, content: m.content }));
  else if (row.input !== undefined && row.output !== undefined) {
    messages = [
      { role: 'user', content: row.input },
      { role: 'assistant', content: typeof row.output === 'string' ? row.output : renderAnswer(row.output) },
    ];
  } else throw new LadderError('INPUT_INVALID', `row ${row.id}: needs messages or input + output`, { exitCode: 2 });
  if (system && messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: system });
  if (messages.at(-1)?.role !== 'assistant') throw new LadderError('INPUT_INVALID', `row ${row.id}: the last message must be the assistant's answer`, { exitCode: 2 });
  return { messages };
}

export interface ExportResult {
  path: string;
  rows: number;
  sha256: string;
}

/** Reads a dataset written by writeDataset and writes the chat JSONL a managed fine-tuning API accepts. */
export async function exportOpenAIChatJsonl(datasetPath: string, outPath: string, options: { system?: string } = {}): Promise<ExportResult> {
  const lines = (await readFile(datasetPath, 'utf8')).split('\n').filter((l) => l.trim());
  const out = lines.map((line, i) => {
    let row: DatasetRow;
    try {
      row = JSON.parse(line) as DatasetRow;
    } catch (error) {
      throw new LadderError('INPUT_INVALID', `${datasetPath}:${i + 1}: not JSON`, { cause: error, exitCode: 2 });
    }
    return JSON.stringify(toChatExample(row, options.system));
  });
  const text = out.map((l) => `${l}\n`).join('');
  await writeFileAtomic(outPath, text);
  return { path: outPath, rows: out.length, sha256: sha256Text(text) };
}
