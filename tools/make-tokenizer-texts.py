#!/usr/bin/env python3
"""Writes tests/data/tokenizer/texts.json: the texts and chats the tokenizer goldens are made from.
Kept as code so the odd characters (tabs, CRLF, ZWJ, NUL-free control chars) are spelled explicitly."""
import json
import sys

texts = [
    "Hello, world!",
    "def add(a, b):\n    return a + b\n",
    "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 0\n",
    "int main(int argc, char** argv) {\r\n    printf(\"%d\\n\", argc);\r\n    return 0;\r\n}\r\n",
    "#include <vector>\ntemplate <typename T>\nstd::vector<T> twice(const std::vector<T>& v) { auto r = v; r.insert(r.end(), v.begin(), v.end()); return r; }\n",
    "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
    "const sum = (xs) => xs.reduce((a, b) => a + b, 0);\nexport default sum;\n",
    "public class Hello { public static void main(String[] args) { System.out.println(\"Hello\"); } }",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;",
    "<html><body><p class=\"x\">Text &amp; more</p></body></html>",
    "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"a\": \"b\"}}",
    "3.14159265358979 1234567890 0xDEADBEEF 1e-9 -42 1,000,000 12345678901234567890",
    "Phone: +1 (555) 123-4567, date 2026-11-29 08:19:00",
    "你好，世界！这是一个测试。",
    "深度求索的模型在代码生成方面表现出色，支持中文和英文。",
    "日本語のテキストとカタカナ、ひらがなが混ざっています。",
    "한국어 문장도 포함되어 있습니다.",
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🤖",
    "Café naïve façade résumé Ångström Øresund Straße ĳ œuvre",
    "Ελληνικά κείμενα και Русский текст и العربية والعبرית",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "=" * 300,
    " " * 50 + "x",
    "   ",
    "\n\n\n",
    "\t\t\t",
    " \n \t \r\n ",
    "",
    "trailing spaces   \nand lines\n\n\n   \n",
    "<｜begin▁of▁sentence｜>Hello<｜end▁of▁sentence｜>",
    "User: hi<｜end▁of▁sentence｜>Assistant: there",
    "<｜fim▁begin｜>def f(x):\n    <｜fim▁hole｜>\n    return y<｜fim▁end｜>",
    "text with <｜User｜> inside and <｜Assistant｜> too",
    "<think>\nreasoning here\n</think>\n\nanswer",
    "It's a test. They're here; we'll see. I'd've known. DON'T SHOUT.",
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE __dunder__",
    "path/to/file.py:123:45: error: undefined name 'foo'",
    "https://example.com/a/b?c=d&e=f#g user@example.com",
    "Mixed 中文English混合text123数字",
    "   indented\n        more indented\n    back\n",
    "x" * 1000,
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 ∑∫∂∇ ≤ ≥ ≠ → ⇒ ∀ ∃",
    "zero\u200bwidth\u200cjoin\u200dchars and\u00a0nbsp",
    "tab\tseparated\tvalues\n1\t2\t3\n",
    "import numpy as np\n\nclass Model:\n    def __init__(self, n: int = 3) -> None:\n        self.n = n\n",
]

chats = [
    {"messages": [{"role": "user", "content": "Write a hello world in C."}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "You are a helpful coding assistant."},
                  {"role": "user", "content": "What is 2+2?"}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
                  {"role": "user", "content": "Tell me a joke."}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "A"},
                  {"role": "assistant", "content": "B"}, {"role": "user", "content": "C"},
                  {"role": "assistant", "content": "D"}], "add_generation_prompt": False},
    {"messages": [{"role": "user", "content": "Solve x+1=2"},
                  {"role": "assistant", "content": "<think>\nSubtract 1.\n</think>\n\nx = 1"},
                  {"role": "user", "content": "And x+2=5?"}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "多行\n输入\n\n测试"}], "add_generation_prompt": True},
]

json.dump({"texts": texts, "chats": chats}, open(sys.argv[1] if len(sys.argv) > 1 else
          "tests/data/tokenizer/texts.json", "w"), ensure_ascii=False, indent=1)
print(len(texts), "texts,", len(chats), "chats")
