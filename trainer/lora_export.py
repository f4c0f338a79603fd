"""Export a trained PEFT LoRA adapter to a GGUF LoRA that llama.cpp (node-llama-cpp) loads on the same base.

Uses llama.cpp's own convert_lora_to_gguf.py from the checkout that scripts/setup-trainer.sh clones out of
node-llama-cpp's bundled source, so the GGUF matches the llama.cpp version that will load it.

The converter wants a Hugging Face "base" folder with a config.json. A model loaded from a GGUF cannot
save_pretrained its weights, but its config and tokenizer can be saved; the converter reads only those.
Two fixes are needed on that config (seen on this machine): `architectures` is empty for GGUF-loaded
models (the converter picks its model class from it) and `quantization_config` (the GGUF marker) must go.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def write_base_folder(base_model: Any, tokenizer: Any, base_dir: Path) -> Path:
    base_dir.mkdir(parents=True, exist_ok=True)
    base_model.config.save_pretrained(str(base_dir))
    tokenizer.save_pretrained(str(base_dir))
    config_path = base_dir / "config.json"
    config = json.loads(config_path.read_text())
    config.pop("quantization_config", None)
    if not config.get("architectures"):
        config["architectures"] = [type(base_model).__name__]
    config_path.write_text(json.dumps(config, indent=2))
    return base_dir


def convert_adapter(adapter_dir: Path, base_dir: Path, out_file: Path, llama_cpp_dir: Path,
                    outtype: str = "f32", python: str | None = None) -> Path:
    """Runs convert_lora_to_gguf.py; raises RuntimeError with the converter's stderr tail on failure."""
    script = llama_cpp_dir / "convert_lora_to_gguf.py"
    if not script.is_file():
        raise RuntimeError(f"llama.cpp converter not found at {script}; run scripts/setup-trainer.sh")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [python or sys.executable, str(script), str(adapter_dir), "--base", str(base_dir),
           "--outfile", str(out_file), "--outtype", outtype]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("NO_LOCAL_GGUF", None)  # use the checkout's gguf-py, matching the loader's version
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(llama_cpp_dir))
    sys.stderr.write(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not out_file.is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise RuntimeError(f"convert_lora_to_gguf.py failed (exit {proc.returncode}): {tail}")
    return out_file
