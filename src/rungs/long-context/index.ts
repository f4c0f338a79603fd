export { longContextRung, longContextParams, type LongContextParams } from './long-context-rung.js';
export { orderDocuments, type DocOrder } from './order-documents.js';
export { packContext, countBlocks, docBlock, CONTEXT_HEADER, CUT_MARKER, type DocCut, type PackedContext } from './pack-context.js';
