"""all-MiniLM-L6-v2 run by the sentence-transformers package itself (trainer venv, see
trainer/requirements-bench.txt) on the same safetensors weights the GGUF was converted from: its own tokenizer,
max_seq_length, pooling and normalization, as a user of the package would run it.

usage: python st_embed.py MODEL_DIR TEXTS_JSON THREADS BATCH OUT_NPY
  -> prints {"seconds": s, "n": n, "version": "...", "torch": "...", "max_seq_length": m}
"""
import json
import sys
import time

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

model_dir, texts_file, threads, batch, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
texts = json.load(open(texts_file))
model = SentenceTransformer(model_dir, device="cpu")

model.encode(texts[:2], batch_size=batch)  # warm-up
start = time.perf_counter()
vectors = model.encode(texts, batch_size=batch, convert_to_numpy=True)
seconds = time.perf_counter() - start
np.save(out, vectors.astype(np.float32))
print(json.dumps({
    "seconds": seconds,
    "n": len(texts),
    "version": sentence_transformers.__version__,
    "torch": torch.__version__,
    "max_seq_length": model.max_seq_length,
}))
