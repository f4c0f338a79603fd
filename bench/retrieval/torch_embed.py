"""The same all-MiniLM-L6-v2 weights on PyTorch (the trainer venv), as sentence-transformers runs them:
WordPiece tokenizer, inputs cut at 256 tokens, mean pooling over the attention mask. Plain transformers, because
sentence-transformers is not installed in trainer/.venv (its pooling config here is mean tokens, no normalize layer
in the forward pass compared).

usage: python torch_embed.py MODEL_DIR TEXTS_JSON THREADS BATCH OUT_NPY  -> prints {"seconds": s, "n": n}
"""
import json
import sys
import time

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

model_dir, texts_file, threads, batch, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
texts = json.load(open(texts_file))
tokenizer = AutoTokenizer.from_pretrained(model_dir)
model = AutoModel.from_pretrained(model_dir).eval()


def embed(chunk):
    enc = tokenizer(chunk, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


embed(texts[:2])  # warm-up
start = time.perf_counter()
vectors = [embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
seconds = time.perf_counter() - start
np.save(out, torch.cat(vectors).numpy())
print(json.dumps({"seconds": seconds, "n": len(texts)}))
