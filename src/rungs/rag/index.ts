export { ragRung, ragIndexPath } from './rag-rung.js';
export { ragDefaults, ragParams, validateRagParams, type RagParams } from './rag-params.js';
export { formatPassages } from './format-passages.js';
