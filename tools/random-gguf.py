#!/usr/bin/env python3
"""Write a full-size random-weight GGUF through llama.cpp's own converter, for benches side by side.

    python3 tools/random-gguf.py CONFIG.json TOKENIZER_DIR LLAMA_SRC OUT.gguf [bf16|q8_0]

llama.cpp's convert_hf_to_gguf.py (from LLAMA_SRC, a checkout of llama.cpp's source) is run
unchanged except where it reads weights: its tensor index yields fresh random bf16 tensors with
the exact hub names and shapes of tools/random-checkpoint.py, drawn one by one (on the GPU when
there is one), so every layer has its own bytes and no hub weights touch the disk. The folder it
converts holds CONFIG (vocab_size raised to the tokenizer's size when smaller) and TOKENIZER_DIR's
tokenizer.json + tokenizer_config.json; the pre-tokenizer is declared deepseek-v3. The output is
what llama.cpp itself would write for such a model: quantize it further with llama-quantize.
Needs torch, numpy and the converter's own imports (llama.cpp's gguf-py is taken from LLAMA_SRC).
"""
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    config, tok_dir, src, out = sys.argv[1:5]
    outtype = sys.argv[5] if len(sys.argv) > 5 else "bf16"
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("random_checkpoint", os.path.join(here, "random-checkpoint.py"))
    rc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rc)

    sys.path.insert(0, src)
    sys.path.insert(0, os.path.join(src, "gguf-py"))
    import torch
    import conversion.base as cb
    import convert_hf_to_gguf as conv

    c = json.load(open(config))
    tok = json.load(open(os.path.join(tok_dir, "tokenizer.json")))
    n_tok = len(tok["model"]["vocab"]) + len(tok.get("added_tokens", []))
    c["vocab_size"] = max(c["vocab_size"], n_tok)
    folder = tempfile.mkdtemp(prefix="random-gguf-")
    json.dump(c, open(os.path.join(folder, "config.json"), "w"), indent=1)
    json.dump({"bos_token_id": c.get("bos_token_id"), "eos_token_id": c.get("eos_token_id")},
              open(os.path.join(folder, "generation_config.json"), "w"))
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok_dir, f), folder)

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    gen = torch.Generator(device=dev).manual_seed(1)

    def draw(name, shape):
        if len(shape) == 1:
            return torch.ones(shape, dtype=torch.bfloat16)
        return (torch.randn(shape, generator=gen, device=dev) * 0.02).to(torch.bfloat16).cpu()

    def index_tensors(self, remote_hf_model_id=None):
        tensors = {}
        for name, shape in rc.tensors(self.hparams):
            item = self.filter_tensors((name, lambda name=name, shape=shape: draw(name, shape)))
            if item:
                tensors[item[0]] = item[1]
        return tensors

    cb.ModelBase.index_tensors = index_tensors
    cb.TextModel.get_vocab_base_pre = lambda self, tokenizer: "deepseek-v3"
    sys.argv = ["convert_hf_to_gguf.py", folder, "--outtype", outtype, "--outfile", out, "--no-lazy"]
    try:
        conv.main()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{out}: {os.path.getsize(out) / 1e9:.2f} GB ({outtype}, {c['vocab_size']} tokens, "
          f"{sum(math.prod(s) for _, s in rc.tensors(c)) / 1e9:.2f} B parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
