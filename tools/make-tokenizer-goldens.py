#!/usr/bin/env python3
"""Makes tests/data/tokenizer/golden_deepseek_v3.json from texts.json with HF `tokenizers` (ids) and
transformers' apply_chat_template (chat renders), and times HF's encoder on the bench corpus.

Run where tokenizers + transformers are installed (the GPU machine):
    python3 tools/make-tokenizer-goldens.py --tokenizer-dir DIR_WITH_tokenizer.json --out tests/data/tokenizer
"""
import argparse
import json
import os
import time


def bench_corpus(texts):
    """The corpus both HF and Fathom's tokenizer bench encode: every text, joined, repeated to 4 MiB."""
    one = "\n".join(texts)
    reps = (4 * 1024 * 1024) // max(1, len(one.encode())) + 1
    return one * reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer-dir", required=True)
    ap.add_argument("--out", default="tests/data/tokenizer")
    args = ap.parse_args()
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer
    import tokenizers
    import transformers

    src = json.load(open(os.path.join(args.out, "texts.json")))
    tok = Tokenizer.from_file(os.path.join(args.tokenizer_dir, "tokenizer.json"))
    out = {"tokenizers_version": tokenizers.__version__, "transformers_version": transformers.__version__,
           "texts": [], "chats": []}
    for t in src["texts"]:
        enc = tok.encode(t, add_special_tokens=False)
        out["texts"].append({"text": t, "ids": enc.ids, "decoded": tok.decode(enc.ids, skip_special_tokens=False)})
    hf = AutoTokenizer.from_pretrained(args.tokenizer_dir)
    for c in src["chats"]:
        rendered = hf.apply_chat_template(c["messages"], tokenize=False,
                                          add_generation_prompt=c["add_generation_prompt"])
        out["chats"].append(dict(c, rendered=rendered))

    corpus = bench_corpus(src["texts"])
    mb = len(corpus.encode()) / 1e6
    tok.encode(corpus[:10000], add_special_tokens=False)  # warm-up
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        tok.encode(corpus, add_special_tokens=False)
        best = min(best, time.perf_counter() - t0)
    lines = corpus.split("\n")
    t0 = time.perf_counter()
    tok.encode_batch(lines, add_special_tokens=False)
    batch = time.perf_counter() - t0
    out["hf_encode_corpus"] = "texts.json texts joined with '\\n', repeated to >= 4 MiB"
    out["hf_encode_mb_per_s"] = round(mb / best, 2)
    out["hf_encode_batch_lines_mb_per_s"] = round(mb / batch, 2)
    out["hf_bench_cpu_threads"] = os.cpu_count()
    json.dump(out, open(os.path.join(args.out, "golden_deepseek_v3.json"), "w"), ensure_ascii=False, indent=1)
    print(f"goldens: {len(out['texts'])} texts, {len(out['chats'])} chats; HF encode {out['hf_encode_mb_per_s']} MB/s "
          f"(one call, one thread), {out['hf_encode_batch_lines_mb_per_s']} MB/s (encode_batch, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
