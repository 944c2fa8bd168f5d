#!/usr/bin/env python3
"""Trains "Fathom Tiny Coder": a small DeepSeek-V2-architecture code model (MLA with q_lora_rank null,
MoE with shared + routed experts, first layer dense, YaRN rope) on the Python source present on the
machine, with FIM (PSM) on half the samples and docstring->code chat examples in the deepseek-v2
format. Writes a hub-format folder (config.json, model.safetensors bf16, tokenizer.json,
tokenizer_config.json, generation_config.json, README.md, CORPUS.md) plus held-out test cases and
golden logits for Fathom's tests.

Run on a machine with torch + transformers + tokenizers + a GPU:
    python3 tools/train-tiny-coder.py --out resources/models/fathom-tiny-coder \
        --tests-out tests/data/tiny_coder --minutes 4
"""
import argparse
import ast
import glob
import hashlib
import json
import math
import os
import random
import sys
import sysconfig
import time

import numpy as np
import torch

SPECIAL = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<｜fim▁begin｜>",
           "<｜fim▁end｜>", "<｜▁pad▁｜>", "<|EOT|>", "<think>", "</think>"]
BOS, EOS, HOLE, FBEGIN, FEND = SPECIAL[:5]
# DeepSeek's own pre-tokenizer (digits in runs of 1-3, CJK runs, then words/punctuation/space), so
# Fathom's tokenizer is exercised on the same structure the real models use.
PRETOK = [r"\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
          "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
          " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]
CHAT_TEMPLATE = ("{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
                 "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}"
                 "{{ message['content'] + '\n\n' }}{% elif message['role'] == 'user' %}"
                 "{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}"
                 "{{ 'Assistant: ' + message['content'] + eos_token }}{% endif %}{% endfor %}"
                 "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}")

CONFIG = {
    "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
    "vocab_size": 4096, "hidden_size": 256, "intermediate_size": 768, "moe_intermediate_size": 192,
    "num_hidden_layers": 4, "first_k_dense_replace": 1, "moe_layer_freq": 1,
    "num_attention_heads": 4, "num_key_value_heads": 4, "q_lora_rank": None, "kv_lora_rank": 64,
    "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32,
    "n_routed_experts": 8, "n_shared_experts": 1, "num_experts_per_tok": 2,
    "topk_method": "greedy", "n_group": 1, "topk_group": 1, "scoring_func": "softmax",
    "norm_topk_prob": False, "routed_scaling_factor": 1.0, "aux_loss_alpha": 0.001, "seq_aux": True,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 16384,
    "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 4096,
                     "beta_fast": 32, "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707},
    "hidden_act": "silu", "attention_bias": False, "attention_dropout": 0.0, "initializer_range": 0.02,
    "tie_word_embeddings": False, "use_cache": True, "bos_token_id": 0, "eos_token_id": 1,
}


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- corpus
def package_licenses(site):
    """dist-info METADATA License / classifier per top-level package: what CORPUS.md lists."""
    out = {}
    for meta in glob.glob(os.path.join(site, "*.dist-info", "METADATA")):
        name, lic = None, None
        classifiers = []
        with open(meta, errors="replace") as f:
            for line in f:
                if line.startswith("Name:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("License-Expression:") or (line.startswith("License:") and not lic):
                    lic = line.split(":", 1)[1].strip()[:60]
                elif line.startswith("Classifier: License ::"):
                    classifiers.append(line.split("::")[-1].strip())
                elif line.strip() == "":
                    break
        top = os.path.join(os.path.dirname(meta), "top_level.txt")
        tops = open(top).read().split() if os.path.exists(top) else [name.lower().replace("-", "_")] if name else []
        for t in tops:
            out[t] = (name, lic or ", ".join(classifiers) or "unknown")
    return out


PERMISSIVE = ("MIT", "BSD", "Apache", "PSF", "Python", "ISC", "Unlicense", "Zlib", "HPND", "MPL")


def collect_files(max_mb):
    stdlib = sysconfig.get_paths()["stdlib"]
    site = sysconfig.get_paths()["purelib"]
    lic = package_licenses(site)
    files, used = [], {}
    for p in sorted(glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True)):
        if "site-packages" in p or "dist-packages" in p:
            continue
        files.append(p)
    used["Python standard library (" + stdlib + ")"] = ("cpython", "PSF-2.0")
    for top, (name, l) in sorted(lic.items()):
        if not any(k.lower() in l.lower() for k in PERMISSIVE):
            continue
        ps = sorted(glob.glob(os.path.join(site, top, "**", "*.py"), recursive=True))
        if ps:
            files += ps
            used[name] = (top, l)
    total, kept = 0, []
    for p in files:
        try:
            s = os.path.getsize(p)
        except OSError:
            continue
        if 200 <= s <= 200_000:
            kept.append(p)
            total += s
            if total > max_mb * 1e6:
                break
    # List only the sources that contributed files before the size limit cut the walk off.
    used = {k: v for k, v in used.items()
            if k.startswith("Python standard library") or any(f"/{v[0]}/" in p for p in kept)}
    return kept, used, stdlib, site


def read(p):
    try:
        with open(p, encoding="utf-8") as f:
            return f.read()
    except (UnicodeDecodeError, OSError):
        return None


def is_heldout(path):
    return int(hashlib.sha1(path.encode()).hexdigest(), 16) % 40 == 0


def chunks_of(text, max_chars=2400):
    """Split a file at top-level blank-line boundaries into pieces of <= max_chars."""
    out, cur = [], []
    size = 0
    for line in text.splitlines(keepends=True):
        if size + len(line) > max_chars and cur and (not line.startswith((" ", "\t")) or size > 2 * max_chars):
            out.append("".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line)
    if cur:
        out.append("".join(cur))
    return out


def fim_sample(piece, rng):
    """PSM: prefix, suffix, then the middle — a span of 1-8 lines, as an editor completion asks."""
    lines = piece.splitlines(keepends=True)
    if len(lines) < 3:
        return None
    a = rng.randrange(0, len(lines) - 1)
    b = min(len(lines), a + rng.randint(1, 8))
    # Start the hole mid-line sometimes, as a cursor would be.
    pre = "".join(lines[:a])
    cut = rng.randint(0, len(lines[a])) if rng.random() < 0.5 else 0
    pre += lines[a][:cut]
    mid = lines[a][cut:] + "".join(lines[a + 1:b])
    suf = "".join(lines[b:])
    return FBEGIN + pre + HOLE + suf + FEND + mid


def chat_examples(text, limit):
    """User: a function's docstring -> Assistant: its code, in the deepseek-v2 chat format."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out = []
    src = text.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef,)) and ast.get_docstring(node) and node.end_lineno - node.lineno < 30:
            doc = ast.get_docstring(node).strip().split("\n\n")[0]
            if not (20 <= len(doc) <= 300) or node.col_offset != 0:
                continue
            code = "".join(src[node.lineno - 1:node.end_lineno])
            body = code.replace('"""' + ast.get_docstring(node, clean=False) + '"""', "", 1)
            out.append(f"User: {doc}\n\nAssistant: ```python\n{body.rstrip()}\n```" + EOS)
            if len(out) >= limit:
                break
    return out


def init_cases(text, path):
    """Held-out classes with known fields: prompt ends at `def __init__(self`."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out = []
    src = text.splitlines(keepends=True)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__" and item.col_offset == 4:
                head = "".join(src[node.lineno - 1:item.lineno - 1])
                line = src[item.lineno - 1]
                if not line.startswith("    def __init__(self") or len(head) > 1500:
                    continue
                out.append({"file": path, "prompt": head + "    def __init__(self",
                            "reference": "".join(src[item.lineno - 1:item.end_lineno])})
                break
    return out


# ---------------------------------------------------------------- tokenizer
def train_tokenizer(texts, vocab):
    from tokenizers import Tokenizer, Regex, models, pre_tokenizers, decoders, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(p), behavior="isolated") for p in PRETOK] +
        [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


# ---------------------------------------------------------------- export
def hub_state_dict(model, cfg):
    """transformers may keep experts fused ([E, ...] tensors); the hub layout is one tensor per expert."""
    out = {}
    for k, v in model.state_dict().items():
        v = v.detach().to(torch.bfloat16).cpu().contiguous()
        if ".mlp.experts." in k and not any(f".mlp.experts.{j}." in k for j in range(cfg["n_routed_experts"])):
            pre = k.split(".mlp.experts.")[0] + ".mlp.experts."
            leaf = k.split(".mlp.experts.")[1]
            e = v.shape[0]
            for j in range(e):
                if leaf in ("gate_up_proj", "gate_up_proj.weight"):
                    g, u = v[j].chunk(2, dim=0)
                    out[f"{pre}{j}.gate_proj.weight"], out[f"{pre}{j}.up_proj.weight"] = g.contiguous(), u.contiguous()
                elif leaf in ("down_proj", "down_proj.weight"):
                    out[f"{pre}{j}.down_proj.weight"] = v[j].contiguous()
                else:
                    sys.exit(f"unknown fused expert tensor {k} {tuple(v.shape)}")
        else:
            out[k] = v
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tests-out", required=True)
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--corpus-mb", type=float, default=120)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--smoke", action="store_true", help="tiny run to check the pipeline end to end")
    args = ap.parse_args()
    rng = random.Random(20261129)
    torch.manual_seed(20261129)
    t_start = time.time()
    from transformers import AutoModelForCausalLM, DeepseekV2Config, DeepseekV2ForCausalLM
    import transformers
    from safetensors.torch import save_file

    files, used, stdlib, site = collect_files(5 if args.smoke else args.corpus_mb)
    train_docs, held_docs, inits, chats = [], [], [], []
    for p in files:
        t = read(p)
        if not t:
            continue
        rel = os.path.relpath(p, os.path.dirname(stdlib) if p.startswith(stdlib) else site)
        if is_heldout(rel):
            held_docs.append(t)
            inits += init_cases(t, rel)
        else:
            train_docs.append(t)
            chats += chat_examples(t, 3)
    log(f"corpus: {len(files)} files, {len(train_docs)} train, {len(held_docs)} held out, "
        f"{len(chats)} chat examples, {len(inits)} held-out __init__ cases, "
        f"{sum(map(len, train_docs)) / 1e6:.1f} MB train text ({time.time() - t_start:.0f}s)")

    tok = train_tokenizer(train_docs[: 2000 if args.smoke else 20000], CONFIG["vocab_size"])
    assert tok.get_vocab_size() <= CONFIG["vocab_size"], tok.get_vocab_size()
    ids_of = {s: tok.token_to_id(s) for s in SPECIAL}
    assert ids_of[BOS] == 0 and ids_of[EOS] == 1, ids_of
    log(f"tokenizer: {tok.get_vocab_size()} tokens ({time.time() - t_start:.0f}s)")

    # Samples: each train chunk plain or (50 %) FIM; chat examples repeated so chat is learnt.
    samples = []
    for d in train_docs:
        for piece in chunks_of(d):
            s = fim_sample(piece, rng) if rng.random() < 0.5 else None
            samples.append(BOS + (s if s else piece) + EOS)
    samples += [BOS + c for c in chats] * 4
    rng.shuffle(samples)
    enc = tok.encode_batch(samples, add_special_tokens=False)
    stream = np.fromiter((i for e in enc for i in e.ids), dtype=np.int32)
    held_stream = np.fromiter((i for e in tok.encode_batch([BOS + d + EOS for d in held_docs],
                                                           add_special_tokens=False) for i in e.ids), dtype=np.int32)
    log(f"tokens: {len(stream) / 1e6:.1f} M train, {len(held_stream) / 1e6:.2f} M held out "
        f"({time.time() - t_start:.0f}s)")

    dev = "cuda"
    cfg = DeepseekV2Config(**{k: v for k, v in CONFIG.items() if k not in ("architectures", "model_type")})
    model = DeepseekV2ForCausalLM(cfg).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f} M params, transformers {transformers.__version__}")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    data = torch.from_numpy(stream.astype(np.int64)).to(dev)
    held = torch.from_numpy(held_stream.astype(np.int64)).to(dev)
    seq, bs = args.seq, args.batch

    def batch_from(src, n, g=None):
        idx = torch.randint(0, len(src) - seq - 1, (n,), device=dev, generator=g)
        x = torch.stack([src[i:i + seq] for i in idx.tolist()])
        return x

    def held_loss():
        g = torch.Generator(device=dev).manual_seed(7)
        model.eval()
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
            ls = [model(input_ids=x, labels=x).loss.item() for x in (batch_from(held, 32, g) for _ in range(8))]
        model.train()
        return sum(ls) / len(ls)

    budget = (0.3 if args.smoke else args.minutes) * 60
    t0, step, curve = time.time(), 0, []
    warm = 100
    model.train()
    while True:
        el = time.time() - t0
        if el > budget:
            break
        frac = el / budget
        lr = 3e-3 * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for gp in opt.param_groups:
            gp["lr"] = lr
        x = batch_from(data, bs)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=x, labels=x).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            curve.append({"step": step, "seconds": round(el, 1), "train_loss": round(loss.item(), 4), "lr": lr})
            if step % 500 == 0:
                curve[-1]["heldout_loss"] = round(held_loss(), 4)
            log(json.dumps(curve[-1]))
        step += 1
    final_held = held_loss()
    tokens_seen = step * bs * seq
    log(f"trained {step} steps, {tokens_seen / 1e6:.0f} M tokens, held-out loss {final_held:.4f}")

    # ---- export in the hub's layout, then prove transformers reads it back identically
    os.makedirs(args.out, exist_ok=True)
    model = model.float().eval()
    sd = hub_state_dict(model, CONFIG)
    save_file(sd, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    json.dump(dict(CONFIG, torch_dtype="bfloat16", _name_or_path="fathom-tiny-coder"),
              open(os.path.join(args.out, "config.json"), "w"), indent=2, sort_keys=True)
    json.dump({"bos_token_id": 0, "eos_token_id": 1, "do_sample": False},  # FIM middles end with EOS too
              open(os.path.join(args.out, "generation_config.json"), "w"), indent=2)
    tok.save(os.path.join(args.out, "tokenizer.json"))
    json.dump({"add_bos_token": True, "add_eos_token": False, "bos_token": BOS, "eos_token": EOS,
               "pad_token": EOS, "model_max_length": 16384, "tokenizer_class": "LlamaTokenizerFast",
               "clean_up_tokenization_spaces": False, "legacy": True, "chat_template": CHAT_TEMPLATE},
              open(os.path.join(args.out, "tokenizer_config.json"), "w"), indent=2, ensure_ascii=False)
    back, info = AutoModelForCausalLM.from_pretrained(args.out, dtype=torch.float32, output_loading_info=True)
    back.eval()
    bad = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if bad:
        sys.exit(f"export is not read back as written: {bad}")
    with torch.no_grad():
        probe = torch.tensor([[0, 5, 9, 17, 33]])
        diff = (back(probe).logits - model.cpu()(probe).logits).abs().max().item()
    log(f"export check: max |logit diff| vs trained model (bf16 rounding) = {diff:.4f}")
    prompt_text = "import os\n\n\ndef read_lines(path):\n    with open(path) as f:\n"
    prompt = tok.encode(BOS + prompt_text, add_special_tokens=False).ids
    with torch.no_grad():
        logits = back(torch.tensor([prompt])).logits[0].float().numpy()
        seq_ids = list(prompt)
        for _ in range(16):
            seq_ids.append(int(back(torch.tensor([seq_ids])).logits[0, -1].argmax()))
    gdir = os.path.join(args.tests_out, "golden")
    os.makedirs(gdir, exist_ok=True)
    np.save(os.path.join(gdir, "logits.npy"), logits.astype(np.float32))
    json.dump({"prompt_tokens": prompt, "greedy_tokens": seq_ids[len(prompt):], "logits": "logits.npy",
               "prompt_text": prompt_text, "greedy_text": tok.decode(seq_ids[len(prompt):]),
               "note": "transformers fp32 logits of resources/models/fathom-tiny-coder (bf16 weights)"},
              open(os.path.join(gdir, "golden.json"), "w"), indent=1, ensure_ascii=False)
    log("greedy sample:", repr(prompt_text + tok.decode(seq_ids[len(prompt):])))

    # ---- held-out cases for the tests: 20 __init__ completions and FIM holes
    rng.shuffle(inits)
    fims = []
    for d in held_docs:
        for piece in chunks_of(d, 1200):
            lines = piece.splitlines(keepends=True)
            cand = [i for i, l in enumerate(lines) if l.strip().startswith(("return ", "self.")) and 3 < i < len(lines) - 2]
            if cand:
                i = cand[0]
                fims.append({"prefix": "".join(lines[:i]), "suffix": "".join(lines[i + 1:]), "reference": lines[i]})
                break
        if len(fims) >= 10:
            break
    json.dump({"init_cases": inits[:20], "fim_cases": fims}, open(os.path.join(args.tests_out, "heldout.json"), "w"),
              indent=1)

    size_mb = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out)) / 1e6
    with open(os.path.join(args.out, "CORPUS.md"), "w") as f:
        f.write("# Training corpus of Fathom Tiny Coder\n\nPython source files found on the training machine "
                f"({len(files)} files, {sum(map(len, train_docs)) / 1e6:.1f} MB used for training; files whose "
                "path hash is 0 mod 40 held out). Only packages whose metadata names a permissive license "
                "were used.\n\n| source | package | license |\n|---|---|---|\n")
        for k, (top, l) in sorted(used.items()):
            f.write(f"| {k} | {top} | {l} |\n")
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(f"""# Fathom Tiny Coder

A {n_params / 1e6:.1f} M-parameter DeepSeek-V2-architecture code model (MLA, q_lora_rank null; MoE with
{CONFIG['n_routed_experts']} routed experts (top-{CONFIG['num_experts_per_tok']}) + {CONFIG['n_shared_experts']} shared;
first layer dense; YaRN rope), trained by `tools/train-tiny-coder.py` so that Fathom can chat and
complete code out of the box. It is small: expect plausible Python, not correct programs.

- Tokenizer: byte-level BPE, {tok.get_vocab_size()} tokens, DeepSeek's pre-tokenizer and special tokens
  (including the three FIM tokens).
- Objective: next-token prediction; 50 % of code chunks in FIM PSM form
  (`<｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>middle`); {len(chats)} docstring -> code chat examples in
  the deepseek-v2 format (`User: ...\\n\\nAssistant: ...`), repeated 4x.
- Training: {step} steps of {bs} x {seq} tokens ({tokens_seen / 1e6:.0f} M tokens) in {budget / 60:.1f} min on one
  NVIDIA H200, AdamW lr 3e-3 cosine, bf16 autocast. transformers {transformers.__version__}, torch {torch.__version__}.
- Held-out loss (files never trained on): **{final_held:.3f}** nats/token.
- Folder size: {size_mb:.1f} MB (bf16).

## Loss curve

| step | seconds | train loss | held-out loss |
|---|---|---|---|
""")
        for c in curve:
            if c["step"] % 500 == 0 or c is curve[-1]:
                f.write(f"| {c['step']} | {c['seconds']} | {c['train_loss']} | {c.get('heldout_loss', '')} |\n")
        f.write("\nCorpus and licenses: CORPUS.md.\n")
    json.dump(curve, open(os.path.join(args.tests_out, "loss_curve.json"), "w"))
    log(f"wrote {args.out} ({size_mb:.1f} MB) in {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
