#!/usr/bin/env python3
"""Writes the GGUF test fixtures under tests/data/gguf/ with gguf-py, llama.cpp's own Python GGUF
library (pure Python + NumPy), so the engine is tested against files and numbers it did not make.

  dequant-<type>.gguf   for F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K: a tensor
                        "packed" of that type (random blocks with finite scales, plus, for the types
                        gguf-py can quantize, blocks quantized from random floats) and a tensor
                        "expected" (F32) holding gguf-py's dequantization of it. Tests check Fathom's
                        dequantization equals it bit for bit.
  v2lite-mixed.gguf     tests/data/golden/v2lite as llama.cpp's converter lays it out (deepseek2
                        metadata, split attn_k_b / attn_v_b, merged ffn_*_exps, shared experts), its
                        tensors in F32 / F16 / BF16 / Q8_0 / Q4_0 / Q4_1 / Q5_0 / Q5_1, and the tiny
                        V2 tokenizer of tests/data/tokenizer/tiny-v2 as tokenizer.ggml metadata with
                        its chat template.

llama.cpp's source (for gguf-py) ships in the npm package node-llama-cpp@3.22.1:
  npm pack node-llama-cpp@3.22.1 && tar xzf node-llama-cpp-3.22.1.tgz package/llama/gitRelease.bundle
  git clone package/llama/gitRelease.bundle llama
Nothing of it is copied into Fathom; only the files this script writes are committed.

Usage: /usr/bin/python3 tools/make-gguf-fixtures.py LLAMA_SRC [OUT_DIR]   (needs NumPy only)
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if len(sys.argv) < 2:
    sys.exit(__doc__)
sys.path.insert(0, str(Path(sys.argv[1]) / "gguf-py"))
OUT = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "tests/data/gguf"
OUT.mkdir(parents=True, exist_ok=True)

import gguf  # noqa: E402
from gguf import GGMLQuantizationType as Q  # noqa: E402
from gguf import quants  # noqa: E402

rng = np.random.default_rng(20261202)

# Byte offsets of the f16 scale fields inside one block, per type (ggml-common.h layouts).
F16_FIELDS = {Q.Q8_0: [0], Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2],
              Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}
QUANTIZABLE = {Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1}


def finite_f16(n):
    """Random finite f16 values: normals of both signs across the range, subnormals, zeros."""
    v = rng.normal(0, 0.05, n).astype(np.float16)
    v[::7] = np.float16(rng.uniform(-2, 2))            # larger scales
    v[3::11] = np.float16(2.0 ** -20)                  # a subnormal
    v[5::13] = np.float16(-0.0)
    return v


def random_blocks(qtype, n_blocks):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, (n_blocks, size), dtype=np.uint8)
    for off in F16_FIELDS[qtype]:
        raw[:, off:off + 2] = finite_f16(n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return raw


def dequant_fixture(qtype):
    name = qtype.name.lower()
    w = gguf.GGUFWriter(str(OUT / f"dequant-{name}.gguf"), "fixture")
    w.add_string("fixture.about", f"{qtype.name} blocks and gguf-py's dequantization of them")
    if qtype == Q.F16:
        bits = rng.integers(0, 1 << 16, 2048, dtype=np.uint16)
        bits = bits[(bits & 0x7c00) != 0x7c00]                     # no inf / nan
        bits = np.concatenate([bits[:1017], np.array([0, 0x8000, 1, 0x3ff, 0x400, 0x7bff, 0xfbff], np.uint16)])
        packed = bits.view(np.float16).reshape(8, -1)
        expected = packed.astype(np.float32)
        w.add_tensor("packed", packed)
    elif qtype == Q.BF16:
        bits = rng.integers(0, 1 << 16, 1024, dtype=np.uint16)
        bits[(bits & 0x7f80) == 0x7f80] = 0x3f80                  # no inf / nan
        raw = bits.view(np.uint8).reshape(8, -1)
        expected = quants.dequantize(raw, qtype)
        w.add_tensor("packed", raw, raw_dtype=qtype)
    else:
        block, _ = gguf.GGML_QUANT_SIZES[qtype]
        rows, per_row = 4, 2 if block == 256 else 8
        raw = random_blocks(qtype, rows * per_row).reshape(rows, -1)
        if qtype in QUANTIZABLE:  # one more row quantized from floats by gguf-py's own encoder
            floats = rng.normal(0, 1, (1, per_row * block)).astype(np.float32)
            raw = np.concatenate([raw, quants.quantize(floats, qtype)], axis=0)
        expected = quants.dequantize(raw, qtype)
        w.add_tensor("packed", raw, raw_dtype=qtype)
    w.add_tensor("expected", np.ascontiguousarray(expected, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def read_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=np.uint8)
        if info["dtype"] == "BF16":
            arr = (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] == "F16":
            arr = buf.view(np.float16).astype(np.float32)
        else:
            arr = buf.view(np.float32)
        out[name] = arr.reshape(info["shape"])
    return out


def add_weight(w, name, arr, qtype):
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if qtype == Q.F32:
        w.add_tensor(name, arr)
    elif qtype == Q.F16:
        w.add_tensor(name, arr.astype(np.float16))
    else:
        w.add_tensor(name, quants.quantize(arr, qtype), raw_dtype=qtype)


def tokenizer_metadata(w, vocab_size):
    """tiny-v2's tokenizer as llama.cpp's converter writes a BPE vocab (unused ids become [PADi])."""
    tdir = ROOT / "tests/data/tokenizer/tiny-v2"
    tj = json.loads((tdir / "tokenizer.json").read_text())
    tc = json.loads((tdir / "tokenizer_config.json").read_text())
    by_id = {i: (t, gguf.TokenType.NORMAL) for t, i in tj["model"]["vocab"].items()}
    for a in tj["added_tokens"]:
        by_id[a["id"]] = (a["content"], gguf.TokenType.CONTROL if a["special"] else gguf.TokenType.USER_DEFINED)
    tokens, types = [], []
    for i in range(vocab_size):
        t, ty = by_id.get(i, (f"[PAD{i}]", gguf.TokenType.UNUSED))
        tokens.append(t)
        types.append(ty)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("deepseek-llm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(tokens.index(tc["bos_token"]["content"]))
    w.add_eos_token_id(tokens.index(tc["eos_token"]["content"]))
    w.add_add_bos_token(bool(tc.get("add_bos_token", True)))
    w.add_chat_template(tc["chat_template"])


def v2lite_model():
    src = ROOT / "tests/data/golden/v2lite"
    c = json.loads((src / "config.json").read_text())
    t = read_safetensors(src / "model.safetensors")
    H, L, heads = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
    nope, rope, v, kvr = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"], c["kv_lora_rank"]
    rs = c["rope_scaling"]
    w = gguf.GGUFWriter(str(OUT / "v2lite-mixed.gguf"), "deepseek2")
    w.add_name("fathom golden v2lite (mixed quantization)")
    w.add_block_count(L)
    w.add_context_length(c["max_position_embeddings"])
    w.add_embedding_length(H)
    w.add_feed_forward_length(c["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(1)  # MLA as MQA over the latent, as the converter writes it
    w.add_rope_freq_base(c["rope_theta"])
    w.add_layer_norm_rms_eps(c["rms_norm_eps"])
    w.add_expert_count(c["n_routed_experts"])
    w.add_expert_used_count(c["num_experts_per_tok"])
    w.add_expert_group_count(c["n_group"])
    w.add_expert_group_used_count(c["topk_group"])
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SOFTMAX)
    w.add_leading_dense_block_count(c["first_k_dense_replace"])
    w.add_vocab_size(c["vocab_size"])
    w.add_kv_lora_rank(kvr)
    w.add_key_length(kvr + rope)
    w.add_value_length(kvr)
    w.add_key_length_mla(nope + rope)
    w.add_value_length_mla(v)
    w.add_expert_feed_forward_length(c["moe_intermediate_size"])
    w.add_expert_shared_count(c["n_shared_experts"])
    w.add_expert_weights_scale(c["routed_scaling_factor"])
    w.add_rope_dimension_count(rope)
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(rs["factor"])
    w.add_rope_scaling_orig_ctx_len(rs["original_max_position_embeddings"])
    w.add_rope_scaling_yarn_beta_fast(rs["beta_fast"])
    w.add_rope_scaling_yarn_beta_slow(rs["beta_slow"])
    w.add_rope_scaling_yarn_log_mul(0.1 * rs["mscale_all_dim"])
    w.add_array("fixture.nested", [[1, 2, 3], [4], ["five"]])  # an array of arrays, as GGUF allows
    tokenizer_metadata(w, c["vocab_size"])

    add_weight(w, "token_embd.weight", t["model.embed_tokens.weight"], Q.Q8_0)
    add_weight(w, "output_norm.weight", t["model.norm.weight"], Q.F32)
    add_weight(w, "output.weight", t["lm_head.weight"], Q.Q8_0)
    for i in range(L):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        add_weight(w, b + "attn_norm.weight", t[p + "input_layernorm.weight"], Q.F32)
        add_weight(w, b + "ffn_norm.weight", t[p + "post_attention_layernorm.weight"], Q.F32)
        add_weight(w, b + "attn_q.weight", t[p + "self_attn.q_proj.weight"], Q.Q4_0)
        add_weight(w, b + "attn_kv_a_mqa.weight", t[p + "self_attn.kv_a_proj_with_mqa.weight"], Q.Q8_0)
        add_weight(w, b + "attn_kv_a_norm.weight", t[p + "self_attn.kv_a_layernorm.weight"], Q.F32)
        # The converter's MLA split: per head W_uk transposed to [kv_lora, nope], W_uv as [v, kv_lora].
        kv_b = t[p + "self_attn.kv_b_proj.weight"].reshape(heads, nope + v, kvr)
        add_weight(w, b + "attn_k_b.weight", kv_b[:, :nope, :].transpose(0, 2, 1), Q.F16)  # rows of 16: no block type
        add_weight(w, b + "attn_v_b.weight", kv_b[:, nope:, :], Q.Q5_0)
        add_weight(w, b + "attn_output.weight", t[p + "self_attn.o_proj.weight"], Q.Q4_1)
        if i < c["first_k_dense_replace"]:
            add_weight(w, b + "ffn_gate.weight", t[p + "mlp.gate_proj.weight"], Q.Q5_1)
            add_weight(w, b + "ffn_up.weight", t[p + "mlp.up_proj.weight"], Q.Q5_1)
            add_weight(w, b + "ffn_down.weight", t[p + "mlp.down_proj.weight"], Q.Q8_0)
            continue
        add_weight(w, b + "ffn_gate_inp.weight", t[p + "mlp.gate.weight"], Q.F32)
        for proj, qt in (("gate", Q.Q4_0), ("up", Q.Q4_1), ("down", Q.Q8_0)):
            stacked = np.stack([t[p + f"mlp.experts.{e}.{proj}_proj.weight"] for e in range(c["n_routed_experts"])])
            add_weight(w, b + f"ffn_{proj}_exps.weight", stacked, qt)
            add_weight(w, b + f"ffn_{proj}_shexp.weight", t[p + f"mlp.shared_experts.{proj}_proj.weight"], Q.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


for qt in (Q.F16, Q.BF16, Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q4_K, Q.Q5_K, Q.Q6_K):
    dequant_fixture(qt)
v2lite_model()
for f in sorted(OUT.glob("*.gguf")):
    print(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}: {f.stat().st_size} bytes")
