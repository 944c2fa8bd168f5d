#!/usr/bin/env python3
"""Makes the golden fixtures the CPU engine is tested against: tiny random DeepSeek checkpoints in
the hub's exact format (config.json + safetensors written here, by hand) and the fp32 logits and
greedy tokens HF transformers computes for them after loading them as hub checkpoints.

Run on a machine with torch + transformers + safetensors (the GPU machine):
    python3 tools/make-golden-fixtures.py --out tests/data/golden
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

# Three shapes, each exercising different parts of the architecture (docs/ARCHITECTURE.md, "Model
# shapes").
BASE = {
    "vocab_size": 512, "hidden_size": 64, "intermediate_size": 96, "moe_intermediate_size": 32,
    "num_attention_heads": 4, "num_key_value_heads": 4, "kv_lora_rank": 32,
    "qk_nope_head_dim": 16, "qk_rope_head_dim": 16, "v_head_dim": 24,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 163840,
    "hidden_act": "silu", "attention_bias": False, "attention_dropout": 0.0,
    "initializer_range": 0.02, "tie_word_embeddings": False, "use_cache": True,
    "moe_layer_freq": 1, "aux_loss_alpha": 0.001, "seq_aux": True,
    "bos_token_id": 0, "eos_token_id": 1,
}
FIXTURES = {
    # V2-Lite shape: no q-lora, greedy softmax routing, no normalisation, scaling 1, bf16, one file.
    "v2lite": dict(BASE, **{
        "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
        "num_hidden_layers": 3, "first_k_dense_replace": 1, "q_lora_rank": None,
        "n_routed_experts": 8, "n_shared_experts": 2, "num_experts_per_tok": 3,
        "topk_method": "greedy", "n_group": 1, "topk_group": 1, "scoring_func": "softmax",
        "norm_topk_prob": False, "routed_scaling_factor": 1.0,
        "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                         "beta_fast": 32, "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
        "_dtype": "bfloat16", "_shards": 1,
    }),
    # V2 shape: q-lora, group-limited greedy, scaling 16, an mscale ratio != 1 on cos/sin, f32, 3 shards.
    "v2": dict(BASE, **{
        "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
        "num_hidden_layers": 3, "first_k_dense_replace": 1, "q_lora_rank": 48,
        "n_routed_experts": 16, "n_shared_experts": 2, "num_experts_per_tok": 4,
        "topk_method": "group_limited_greedy", "n_group": 4, "topk_group": 2, "scoring_func": "softmax",
        "norm_topk_prob": False, "routed_scaling_factor": 16.0,
        "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                         "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 0.707},
        "_dtype": "float32", "_shards": 3,
    }),
    # V3 shape: sigmoid scores, correction bias, noaux_tc, normalised then x2.5, two dense layers, f16.
    "v3": dict(BASE, **{
        "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
        "num_hidden_layers": 4, "first_k_dense_replace": 2, "q_lora_rank": 48,
        "n_routed_experts": 16, "n_shared_experts": 1, "num_experts_per_tok": 4,
        "topk_method": "noaux_tc", "n_group": 4, "topk_group": 2, "scoring_func": "sigmoid",
        "norm_topk_prob": True, "routed_scaling_factor": 2.5,
        "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                         "beta_fast": 32, "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
        "_dtype": "float16", "_shards": 1,
    }),
}
PROMPT_LEN = 40
GREEDY = 16


def hub_tensors(c):
    """Exact hub names and shapes of a DeepSeek-V2/V3 checkpoint."""
    h, nh = c["hidden_size"], c["num_attention_heads"]
    qk = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
    out = {"model.embed_tokens.weight": (c["vocab_size"], h), "model.norm.weight": (h,),
           "lm_head.weight": (c["vocab_size"], h)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = (h,)
        out[p + "post_attention_layernorm.weight"] = (h,)
        a = p + "self_attn."
        if c["q_lora_rank"] is None:
            out[a + "q_proj.weight"] = (nh * qk, h)
        else:
            out[a + "q_a_proj.weight"] = (c["q_lora_rank"], h)
            out[a + "q_a_layernorm.weight"] = (c["q_lora_rank"],)
            out[a + "q_b_proj.weight"] = (nh * qk, c["q_lora_rank"])
        out[a + "kv_a_proj_with_mqa.weight"] = (c["kv_lora_rank"] + c["qk_rope_head_dim"], h)
        out[a + "kv_a_layernorm.weight"] = (c["kv_lora_rank"],)
        out[a + "kv_b_proj.weight"] = (nh * (c["qk_nope_head_dim"] + c["v_head_dim"]), c["kv_lora_rank"])
        out[a + "o_proj.weight"] = (h, nh * c["v_head_dim"])
        m = p + "mlp."
        if i < c["first_k_dense_replace"]:
            for n, s in (("gate_proj", (c["intermediate_size"], h)), ("up_proj", (c["intermediate_size"], h)),
                         ("down_proj", (h, c["intermediate_size"]))):
                out[m + n + ".weight"] = s
        else:
            e, mi = c["n_routed_experts"], c["moe_intermediate_size"]
            out[m + "gate.weight"] = (e, h)
            if c["topk_method"] == "noaux_tc":
                out[m + "gate.e_score_correction_bias"] = (e,)
            for j in range(e):
                for n, s in (("gate_proj", (mi, h)), ("up_proj", (mi, h)), ("down_proj", (h, mi))):
                    out[f"{m}experts.{j}.{n}.weight"] = s
            si = mi * c["n_shared_experts"]
            for n, s in (("gate_proj", (si, h)), ("up_proj", (si, h)), ("down_proj", (h, si))):
                out[f"{m}shared_experts.{n}.weight"] = s
    return out


def random_weights(c, gen):
    """Weights large enough that logits have real margins (transformers' 0.02 init gives near-ties)."""
    w = {}
    for name, shape in hub_tensors(c).items():
        if name.endswith("layernorm.weight") or name == "model.norm.weight":
            t = 1.0 + 0.2 * torch.randn(shape, generator=gen)
        elif name.endswith("e_score_correction_bias"):
            t = 0.3 * torch.randn(shape, generator=gen)
        elif name == "model.embed_tokens.weight":
            t = torch.randn(shape, generator=gen)
        else:
            t = torch.randn(shape, generator=gen) / math.sqrt(shape[1])
            if name.endswith("mlp.gate.weight"):
                t = t * 3.0  # sharper routing, so the chosen experts are not a coin toss
        w[name] = t
    return w


def write_checkpoint(d, c, weights):
    dtype = getattr(torch, c["_dtype"])
    cfg = {k: v for k, v in c.items() if not k.startswith("_")}
    cfg["torch_dtype"] = c["_dtype"]
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    with open(os.path.join(d, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": c["bos_token_id"], "eos_token_id": c["eos_token_id"]}, f, indent=2)
    stored = {k: v.to(dtype).contiguous() for k, v in weights.items()}
    names = sorted(stored)
    if c["_shards"] == 1:
        save_file(stored, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    else:
        n = c["_shards"]
        index = {"metadata": {"total_size": sum(t.numel() * t.element_size() for t in stored.values())},
                 "weight_map": {}}
        for s in range(n):
            fname = f"model-{s + 1:05d}-of-{n:05d}.safetensors"
            part = {k: stored[k] for k in names[s::n]}
            for k in part:
                index["weight_map"][k] = fname
            save_file(part, os.path.join(d, fname), metadata={"format": "pt"})
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2, sort_keys=True)
    # What the engine sees: the stored values, widened back to fp32.
    return {k: v.to(torch.float32) for k, v in stored.items()}


def save_npy(path, a):
    np.save(path, np.ascontiguousarray(a, dtype=np.float32))


def make(name, c, root, seed):
    from transformers import AutoModelForCausalLM
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    stored = write_checkpoint(d, c, random_weights(c, gen))

    model, info = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if bad:
        sys.exit(f"{name}: transformers did not read the checkpoint as written: {bad}")
    model.eval()
    # Prove transformers holds exactly the weights we wrote (no silent re-init or conversion).
    sd = model.state_dict()
    for k in ("model.embed_tokens.weight", "lm_head.weight", "model.layers.1.self_attn.kv_b_proj.weight"):
        if k in sd and not torch.equal(sd[k].float(), stored[k]):
            sys.exit(f"{name}: transformers' {k} differs from the file")
    print(name, type(model).__name__, "rope:", getattr(model.config, "rope_parameters", None)
          or getattr(model.config, "rope_scaling", None), flush=True)

    prompt = torch.randint(2, c["vocab_size"], (PROMPT_LEN,), generator=gen)
    with torch.no_grad():
        logits = model(prompt[None]).logits[0].float().numpy()
        seq = prompt.tolist()
        margins = []
        for _ in range(GREEDY):  # full passes, no KV cache: the plainest reference
            last = model(torch.tensor([seq])).logits[0, -1].float()
            top2 = torch.topk(last, 2).values
            margins.append(float(top2[0] - top2[1]))
            seq.append(int(torch.argmax(last)))
    save_npy(os.path.join(d, "logits.npy"), logits)
    golden = {"prompt_tokens": prompt.tolist(), "greedy_tokens": seq[PROMPT_LEN:], "logits": "logits.npy",
              "greedy_margins": margins, "transformers_class": type(model).__name__,
              "note": "fp32 logits from HF transformers over prompt_tokens; greedy by full forward passes"}
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
    print(f"{name}: logits {logits.shape} std {logits.std():.3f}, min greedy margin {min(margins):.4f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/data/golden")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    import transformers
    print("torch", torch.__version__, "transformers", transformers.__version__, flush=True)
    for i, (name, c) in enumerate(FIXTURES.items()):
        if not args.only or name in args.only:
            make(name, c, args.out, seed=1234 + i)


if __name__ == "__main__":
    main()
