"""Ladder's LoRA worker: trains a PEFT LoRA on a GGUF base with TRL's SFTTrainer, exports it to a GGUF LoRA.

Started by Ladder (src/training/run-trainer.ts) as `python train_lora.py --config config.json`.
Config fields (JSON; defaults in DEFAULTS):
  base_gguf      path of the base model's GGUF (transformers de-quantizes it to float32 for training)
  train_file     JSONL, one {"messages": [{role, content}, ...]} per line; the LAST message is the
                 assistant answer and the only part the loss is computed on (prompt-completion SFT)
  output_dir     where adapter/ (PEFT), base/ (config + tokenizer) and adapter.gguf are written
  r, alpha, dropout, target_modules, steps (or epochs), lr, batch_size, grad_accum, max_seq_len,
  scheduler, warmup_steps, seed, device ("auto": cuda when present, else cpu), threads,
  llama_cpp_dir  llama.cpp checkout with convert_lora_to_gguf.py (null: skip the GGUF export)
  general_check  measure base vs adapter loss on trainer/general_check.jsonl (the capability cost)
Protocol: JSON lines on stdout (see events.py); exit code 0 after "done", 1 after "error".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# Before torch is imported: with OpenMP's default (active) wait policy, idle threads spin, and on a shared
# 2-core machine a training step was measured 10-20x slower than with PASSIVE (3 s vs 40-85 s, 200 tokens).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from events import EventStream  # noqa: E402

DEFAULTS: dict[str, Any] = {
    "r": 8, "alpha": 16, "dropout": 0.05,
    "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "steps": 30, "epochs": None, "lr": 1e-3, "batch_size": 4, "grad_accum": 1,
    "max_seq_len": 512, "scheduler": "constant", "warmup_steps": 0, "seed": 0,
    "device": "auto", "threads": 0, "llama_cpp_dir": None, "general_check": False,
    "export_outtype": "f32",
}
REQUIRED = ("base_gguf", "train_file", "output_dir")


def load_config(path: str) -> dict[str, Any]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if not raw.get(k)]
    if missing:
        raise ValueError(f"config {path} lacks {', '.join(missing)}")
    config = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    if not Path(config["base_gguf"]).is_file():
        raise ValueError(f"base GGUF not found: {config['base_gguf']}")
    return config


def load_rows(train_file: str) -> list[dict[str, Any]]:
    """Chat rows → TRL conversational prompt-completion rows (so the loss covers only the answer)."""
    rows = []
    for n, line in enumerate(Path(train_file).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        messages = json.loads(line).get("messages")
        if not messages or messages[-1].get("role") != "assistant" or len(messages) < 2:
            raise ValueError(f"{train_file}:{n}: messages must end with an assistant answer")
        rows.append({"prompt": messages[:-1], "completion": [messages[-1]]})
    if not rows:
        raise ValueError(f"{train_file} has no training rows")
    return rows


def pick_device(wanted: str) -> str:
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def load_base(base_gguf: str, device: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(base_gguf).resolve()
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    # The weights are de-quantized to float32; the GGUF marker would make Trainer treat the model as
    # quantized, so it goes (the export re-adds nothing: the base folder is written from the config).
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    for attr in ("hf_quantizer", "quantization_method"):
        if getattr(model, attr, None) is not None:
            setattr(model, attr, None)
    model.is_quantized = False
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model.to(device)


def run(config: dict[str, Any], events: EventStream) -> None:
    t0 = time.time()
    import torch

    threads = int(config["threads"]) or (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    device = pick_device(config["device"])
    rows = load_rows(config["train_file"])
    out = Path(config["output_dir"]).resolve()
    out.mkdir(parents=True, exist_ok=True)

    import peft
    import transformers
    import trl

    events.emit("start", base_gguf=config["base_gguf"], train_rows=len(rows), device=device, threads=threads,
                versions={"torch": torch.__version__, "transformers": transformers.__version__,
                          "peft": peft.__version__, "trl": trl.__version__},
                hyperparameters={k: config[k] for k in DEFAULTS if k not in ("llama_cpp_dir", "general_check")})
    events.emit("phase", phase="loading")
    tokenizer, model = load_base(config["base_gguf"], device)
    load_seconds = time.time() - t0
    events.emit("phase", phase="loaded", seconds=round(load_seconds, 2))

    general: dict[str, Any] = {}
    if config["general_check"]:
        from general_check import answer_loss, load_rows as load_general

        general_rows = load_general()
        general["base_loss"] = answer_loss(model, tokenizer, general_rows)

    peft_model, train_seconds, losses = train(config, events, model, tokenizer, rows, out, device)
    adapter_dir = out / "adapter"
    peft_model.save_pretrained(str(adapter_dir))

    if config["general_check"]:
        general["adapter_loss"] = answer_loss(peft_model, tokenizer, general_rows)
        general["delta"] = general["adapter_loss"] - general["base_loss"]
        events.emit("general_check", questions=len(general_rows), **general)

    adapter_gguf = None
    t_export = time.time()
    if config["llama_cpp_dir"]:
        from lora_export import convert_adapter, write_base_folder

        events.emit("phase", phase="exporting")
        base_dir = write_base_folder(peft_model.get_base_model(), tokenizer, out / "base")
        adapter_gguf = convert_adapter(adapter_dir, base_dir, out / "adapter.gguf", Path(config["llama_cpp_dir"]),
                                       outtype=config["export_outtype"])
        events.emit("export", adapter_gguf=str(adapter_gguf), bytes=adapter_gguf.stat().st_size)

    events.emit("done", adapter_dir=str(adapter_dir), adapter_gguf=str(adapter_gguf) if adapter_gguf else None,
                train_loss_first=losses[0] if losses else None, train_loss_last=losses[-1] if losses else None,
                steps=len(losses), train_rows=len(rows), train_seconds=round(train_seconds, 3),
                seconds=round(time.time() - t0, 3), load_seconds=round(load_seconds, 3),
                export_seconds=round(time.time() - t_export, 3), general_check=general or None)


def train(config: dict[str, Any], events: EventStream, model: Any, tokenizer: Any, rows: list[dict[str, Any]],
          out: Path, device: str) -> tuple[Any, float, list[float]]:
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    losses: list[float] = []
    started = time.time()

    class Progress(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
            if logs and "loss" in logs:
                loss = float(logs["loss"])
                losses.append(loss)
                events.emit("progress", step=state.global_step, total=state.max_steps, loss=loss,
                            elapsed_s=round(time.time() - started, 3),
                            token_accuracy=logs.get("mean_token_accuracy"))

    steps = int(config["steps"]) if config["epochs"] is None else -1
    args = SFTConfig(
        output_dir=str(out / "hf"), max_steps=steps, num_train_epochs=float(config["epochs"] or 1),
        per_device_train_batch_size=int(config["batch_size"]),
        gradient_accumulation_steps=int(config["grad_accum"]), learning_rate=float(config["lr"]),
        lr_scheduler_type=config["scheduler"], warmup_steps=int(config["warmup_steps"]),
        logging_steps=1, save_strategy="no", report_to=[], disable_tqdm=True, seed=int(config["seed"]),
        data_seed=int(config["seed"]), use_cpu=device == "cpu", bf16=False, fp16=False,
        max_length=int(config["max_seq_len"]), completion_only_loss=True, packing=False,
        dataloader_num_workers=0, dataset_num_proc=None,
    )
    lora = LoraConfig(r=int(config["r"]), lora_alpha=int(config["alpha"]), lora_dropout=float(config["dropout"]),
                      target_modules=list(config["target_modules"]), bias="none", task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                         processing_class=tokenizer, peft_config=lora, callbacks=[Progress()])
    events.emit("phase", phase="training")
    trainer.train()
    return trainer.model, time.time() - started, losses


def main() -> int:
    events = EventStream()
    parser = argparse.ArgumentParser(description="Ladder LoRA worker")
    parser.add_argument("--config", required=True)
    try:
        args = parser.parse_args()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        run(load_config(args.config), events)
        return 0
    except BaseException as error:  # noqa: BLE001 — every failure must reach Ladder as an event
        traceback.print_exc()
        if isinstance(error, SystemExit) and error.code == 0:
            return 0
        message = str(error) or type(error).__name__
        events.emit("error", message=message, type=type(error).__name__)
        return 1


if __name__ == "__main__":
    sys.exit(main())
