#!/usr/bin/env python3
"""Write a full-size random-weight checkpoint in the hub's format, for benches of the real load path.

    python3 tools/random-checkpoint.py CONFIG.json OUT_DIR [--shard-gb 5]

OUT_DIR gets config.json, generation_config.json, model-0000N-of-0000M.safetensors and
model.safetensors.index.json, with every tensor the architecture needs (the names and shapes of
inference/model/expected_tensors.cpp) drawn anew, so no two layers share bytes and a decode step
reads a real model's bytes. Weights are bf16 N(0, 0.02), norms 1. Needs torch and safetensors (a
machine with an NVIDIA GPU makes them fastest; CPU works too). Nothing is written if OUT_DIR
already holds an index (delete it to make a new one).
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import save_file


def tensors(c):
    """(name, shape) of a DeepSeek-V2/V3 checkpoint, in the order the hub lists them."""
    H, V, L = c["hidden_size"], c["vocab_size"], c["num_hidden_layers"]
    nh, nope, rope, vd = c["num_attention_heads"], c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    kvr, qlr = c["kv_lora_rank"], c.get("q_lora_rank")
    yield "model.embed_tokens.weight", (V, H)
    for l in range(L):
        p = f"model.layers.{l}."
        yield p + "input_layernorm.weight", (H,)
        yield p + "post_attention_layernorm.weight", (H,)
        if qlr:
            yield p + "self_attn.q_a_proj.weight", (qlr, H)
            yield p + "self_attn.q_a_layernorm.weight", (qlr,)
            yield p + "self_attn.q_b_proj.weight", (nh * (nope + rope), qlr)
        else:
            yield p + "self_attn.q_proj.weight", (nh * (nope + rope), H)
        yield p + "self_attn.kv_a_proj_with_mqa.weight", (kvr + rope, H)
        yield p + "self_attn.kv_a_layernorm.weight", (kvr,)
        yield p + "self_attn.kv_b_proj.weight", (nh * (nope + vd), kvr)
        yield p + "self_attn.o_proj.weight", (H, nh * vd)
        if l < c.get("first_k_dense_replace", 0):
            inter = c["intermediate_size"]
            for n, s in (("gate_proj", (inter, H)), ("up_proj", (inter, H)), ("down_proj", (H, inter))):
                yield p + f"mlp.{n}.weight", s
            continue
        E, inter = c["n_routed_experts"], c["moe_intermediate_size"]
        yield p + "mlp.gate.weight", (E, H)
        if c.get("topk_method") == "noaux_tc":
            yield p + "mlp.gate.e_score_correction_bias", (E,)
        for e in range(E):
            for n, s in (("gate_proj", (inter, H)), ("up_proj", (inter, H)), ("down_proj", (H, inter))):
                yield p + f"mlp.experts.{e}.{n}.weight", s
        S = inter * c["n_shared_experts"]
        for n, s in (("gate_proj", (S, H)), ("up_proj", (S, H)), ("down_proj", (H, S))):
            yield p + f"mlp.shared_experts.{n}.weight", s
    yield "model.norm.weight", (H,)
    if not c.get("tie_word_embeddings", False):
        yield "lm_head.weight", (V, H)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("out")
    ap.add_argument("--shard-gb", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if os.path.exists(os.path.join(a.out, "model.safetensors.index.json")):
        print(f"{a.out}: already holds a checkpoint", file=sys.stderr)
        return 0
    c = json.load(open(a.config))
    json.dump(c, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    json.dump({"bos_token_id": c.get("bos_token_id"), "eos_token_id": c.get("eos_token_id")},
              open(os.path.join(a.out, "generation_config.json"), "w"))
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    g = torch.Generator(device=dev).manual_seed(a.seed)
    specs = list(tensors(c))
    # Plan shards by size first, so file names can say "of N".
    shards, cur, size = [], [], 0
    for name, shape in specs:
        n = 2 * torch.Size(shape).numel()
        if cur and size + n > a.shard_gb * 1e9:
            shards.append(cur)
            cur, size = [], 0
        cur.append((name, shape))
        size += n
    shards.append(cur)
    weight_map, total = {}, 0
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        out = {}
        for name, shape in shard:
            if name.endswith("norm.weight"):
                t = torch.ones(shape, dtype=torch.bfloat16)
            elif name.endswith("e_score_correction_bias"):
                t = (torch.randn(shape, generator=g, device=dev) * 0.01).float().cpu()
            else:
                t = (torch.randn(shape, generator=g, device=dev, dtype=torch.float32) * 0.02).to(torch.bfloat16).cpu()
            out[name] = t
            weight_map[name] = fname
            total += t.numel() * t.element_size()
        save_file(out, os.path.join(a.out, fname), metadata={"format": "pt"})
        print(f"{fname}: {len(shard)} tensors", flush=True)
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map},
              open(os.path.join(a.out, "model.safetensors.index.json"), "w"), indent=1)
    print(f"{a.out}: {total / 1e9:.2f} GB in {len(shards)} shards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
