"""The "capability cost" of training: mean answer loss of the base vs base+adapter on general questions.

A LoRA that learns a narrow task can forget general knowledge. This measures it cheaply: the mean
per-token cross-entropy of the reference answers in trainer/general_check.jsonl (short general-knowledge
Q/A written for Ladder, CC0), under the base model and under the trained model. A positive `delta`
means the adapter made the model worse at ordinary questions.

Run alone:  python general_check.py --base model.gguf --adapter <peft adapter dir>
(the trainer also runs it in-process with `"general_check": true` in its config, reusing the loaded model).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_SET = Path(__file__).with_name("general_check.jsonl")


def load_rows(path: Path = DEFAULT_SET) -> list[dict[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def answer_loss(model: Any, tokenizer: Any, rows: list[dict[str, str]]) -> float:
    """Mean cross-entropy over answer tokens only (the question is context, not scored)."""
    import torch

    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        for row in rows:
            prompt = [{"role": "user", "content": row["question"]}]
            prompt_ids = tokenizer.apply_chat_template(prompt, tokenize=True, add_generation_prompt=True)
            full_ids = tokenizer.apply_chat_template(
                prompt + [{"role": "assistant", "content": row["answer"]}], tokenize=True)
            prompt_ids, full_ids = _ids(prompt_ids), _ids(full_ids)
            ids = torch.tensor([full_ids], device=device)
            labels = ids.clone()
            labels[0, : len(prompt_ids)] = -100
            out = model(input_ids=ids, labels=labels)
            n = int((labels[0, 1:] != -100).sum())
            total += float(out.loss) * n
            count += n
    if was_training:
        model.train()
    return total / max(count, 1)


def _ids(value: Any) -> list[int]:
    # transformers 5 returns a BatchEncoding from apply_chat_template(tokenize=True); 4.x a list.
    if isinstance(value, dict) or hasattr(value, "keys"):
        value = value["input_ids"]
    return list(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="base GGUF file")
    parser.add_argument("--adapter", help="PEFT adapter directory (omit to measure the base alone)")
    parser.add_argument("--set", default=str(DEFAULT_SET))
    args = parser.parse_args()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = Path(args.base).resolve()
    tok = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name)
    rows = load_rows(Path(args.set))
    result: dict[str, Any] = {"event": "general_check", "questions": len(rows), "base_loss": answer_loss(model, tok, rows)}
    if args.adapter:
        from peft import PeftModel

        tuned = PeftModel.from_pretrained(model, args.adapter)
        result["adapter_loss"] = answer_loss(tuned, tok, rows)
        result["delta"] = result["adapter_loss"] - result["base_loss"]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
