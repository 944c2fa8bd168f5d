// `fathom-cli bench-tokenizer --tokenizer FILE_OR_DIR [--corpus FILE | --texts-json FILE] [--mb N] [--seed S]`:
// encode throughput on a mixed code + English + CJK corpus, printed as JSON. The corpus is generated,
// read from a file, or built from a texts.json list the way tools/make-tokenizer-goldens.py builds
// the corpus it times HF on (texts joined by '\n', repeated to >= 4 MiB), so the numbers compare.
// "cold" starts with an empty piece cache; "warm" is the best of three passes after it.
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

#include "inference/tokenizer/tokenizer.h"
#include "inference/model/json_file.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace fathom::cli {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU time of this thread: on a shared, busy machine it is steadier than wall time.
double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Building blocks. Identifiers, words and numbers are drawn at random, so the corpus has a
// realistic mix of repeated and new pieces rather than one paragraph over and over.
const char* const kWords[] = {
    "the", "model", "cache", "request", "token", "memory", "value", "returns", "before", "after", "layer",
    "expert", "routing", "buffer", "stream", "latency", "throughput", "kernel", "engine", "prompt", "reply",
    "window", "editor", "download", "resume", "checksum", "because", "although", "quickly", "carefully",
    "Élodie", "naïve", "façade", "über", "Straße", "coöperate", "déjà", "smörgåsbord", "piñata", "résumé",
    "of", "and", "to", "in", "is", "that", "for", "with", "as", "on", "by", "this", "from", "at", "an",
};
const char* const kIdents[] = {"count", "index", "buffer", "result", "tokens", "offset", "length", "scale",
                               "weights", "hidden", "expertId", "kvCache", "prompt_len", "max_tokens", "row", "col"};
const char* const kChinese[] = {"模型", "推理", "缓存", "专家", "路由", "注意力", "我们", "今天", "天气",
                                "很好", "代码", "补全", "编辑器", "下载", "文件", "的", "了", "在", "是", "和"};
const char* const kJapanese[] = {"これは", "テスト", "です", "モデル", "キャッシュ", "の", "を", "に", "が",
                                 "ダウンロード", "ファイル", "ます", "日本語", "東京"};
const char* const kEmoji[] = {"🙂", "👍🏽", "👩‍💻", "🚀", "✅", "🇫🇷"};

template <std::size_t N>
const char* pick(const char* const (&list)[N], std::mt19937& rng)
{
    return list[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

void appendProse(std::string& out, std::mt19937& rng)
{
    const int words = 8 + static_cast<int>(rng() % 20);
    for (int i = 0; i < words; ++i) {
        std::string w = pick(kWords, rng);
        if (i == 0)
            w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
        if (i)
            out += ' ';
        out += w;
        if (rng() % 12 == 0) {
            out += ", ";
            out += std::to_string(rng() % 100000);
        }
    }
    if (rng() % 5 == 0) {
        out += "! ";
        out += pick(kEmoji, rng);
        out += '\n';
    } else {
        out += ".\n";
    }
}

void appendCode(std::string& out, std::mt19937& rng)
{
    const std::string a = pick(kIdents, rng), b = pick(kIdents, rng), n = std::to_string(rng() % 4096);
    switch (rng() % 4) {
    case 0:  // C++, tabs
        out += "static int " + a + "_for(const std::vector<int>& " + b + ") {\n\tint " + a + " = " + n +
               ";\n\tfor (size_t i = 0; i < " + b + ".size(); ++i)\n\t\t" + a + " += " + b + "[i] * 3;\n\treturn " + a +
               "; // fold\n}\n";
        break;
    case 1:  // Python, CRLF line ends
        out += "def " + a + "(" + b + ", scale=" + n + ".5):\r\n    \"\"\"Scale " + b + ".\"\"\"\r\n    return [x * scale for x in " +
               b + " if x != 0]\r\n\r\n";
        break;
    case 2:  // JavaScript
        out += "export const " + a + " = async (" + b + ") => {\n  const res = await fetch(`/api/" + a + "?n=" + n +
               "`);\n  return res.ok ? res.json() : { error: '" + b + " failed' };\n};\n";
        break;
    default:  // Rust
        out += "fn " + a + "(" + b + ": &[f32]) -> f32 {\n    " + b + ".iter().map(|v| v * " + n +
               ".0).sum::<f32>()\n}\n";
    }
}

void appendCjk(std::string& out, std::mt19937& rng)
{
    const int n = 6 + static_cast<int>(rng() % 12);
    const bool japanese = rng() % 3 == 0;
    for (int i = 0; i < n; ++i)
        out += japanese ? pick(kJapanese, rng) : pick(kChinese, rng);
    if (japanese) {
        out += "。\n";
    } else {
        out += "，";
        out += std::to_string(rng() % 1000);
        out += "个。\n";
    }
}

std::string makeCorpus(std::size_t bytes, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::string out;
    out.reserve(bytes + 512);
    while (out.size() < bytes) {
        const unsigned r = rng() % 10;  // about 40 % code, 40 % prose, 20 % CJK
        if (r < 4)
            appendCode(out, rng);
        else if (r < 8)
            appendProse(out, rng);
        else
            appendCjk(out, rng);
    }
    return out;
}

// texts.json ({"texts": [...]}) -> the texts joined by '\n', repeated to at least 4 MiB.
std::string corpusFromTexts(const std::string& path)
{
    const nlohmann::json doc = inference::readJsonFile(path, 64u << 20, 4u << 20);
    if (!doc.is_object() || !doc.contains("texts") || !doc["texts"].is_array())
        throwFileError(path, "expected {\"texts\": [...]}");
    std::string one;
    for (std::size_t i = 0; i < doc["texts"].size(); ++i) {
        if (!doc["texts"][i].is_string())
            throwFileError(path, "texts[" + std::to_string(i) + "] is not a string");
        if (i)
            one += '\n';
        one += doc["texts"][i].get<std::string>();
    }
    if (one.empty())
        throwFileError(path, "has no text");
    const std::size_t reps = (std::size_t{4} << 20) / one.size() + 1;
    std::string corpus;
    corpus.reserve(one.size() * reps);
    for (std::size_t i = 0; i < reps; ++i)
        corpus += one;
    return corpus;
}

}  // namespace

int runBenchTokenizer(int argc, char** argv)
{
    CliArgs args(argc, argv, 2, {}, {"tokenizer", "corpus", "texts-json", "mb", "seed"});
    const auto t0 = Clock::now();
    const auto tok = inference::Tokenizer::load(args.get("tokenizer"));
    const double loadMs = secondsSince(t0) * 1e3;

    const std::int64_t mb = args.getInt("mb", 4, 1, 4096);
    if (mb < 1 || mb > 1024)
        throwUserError("--mb must be between 1 and 1024");
    std::string corpus, corpusName = "generated code+prose+CJK";
    if (args.has("corpus")) {
        corpus = inference::readTextFile(args.get("corpus"), std::size_t{1} << 30);
        corpusName = args.get("corpus");
    } else if (args.has("texts-json")) {
        corpus = corpusFromTexts(args.get("texts-json"));
        corpusName = args.get("texts-json") + " texts joined by newlines, repeated to >= 4 MiB";
    } else {
        corpus = makeCorpus(static_cast<std::size_t>(mb) << 20, static_cast<std::uint32_t>(args.getInt("seed", 1, 0, UINT32_MAX)));
    }

    tok->clearCache();
    auto t = Clock::now();
    const std::size_t tokens = tok->encode(corpus).size();
    const double cold = secondsSince(t);
    double warm = 1e30, warmCpu = 1e30;
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 3; ++i) {
        t = Clock::now();
        const double c = threadCpuSeconds();
        ids = tok->encode(corpus);
        warmCpu = std::min(warmCpu, threadCpuSeconds() - c);
        warm = std::min(warm, secondsSince(t));
    }
    t = Clock::now();
    const std::string back = tok->decode(ids);
    const double decode = secondsSince(t);

    const double mbytes = static_cast<double>(corpus.size()) / 1e6;
    std::printf("{\"corpus\": %s, \"bytes\": %zu, \"tokens\": %zu, \"bytes_per_token\": %.3f, "
                "\"load_ms\": %.1f, \"encode_cold_mb_per_s\": %.2f, \"encode_warm_mb_per_s\": %.2f, "
                "\"encode_warm_cpu_mb_per_s\": %.2f, "
                "\"decode_mb_per_s\": %.1f, \"roundtrip_exact\": %s, \"regex_jit\": %s}\n",
                nlohmann::json(corpusName).dump().c_str(), corpus.size(), tokens,
                static_cast<double>(corpus.size()) / static_cast<double>(std::max<std::size_t>(tokens, 1)), loadMs,
                mbytes / cold, mbytes / warm, mbytes / warmCpu, mbytes / decode, back == corpus ? "true" : "false",
                tok->preTokenizer().allJit() ? "true" : "false");
    return 0;
}

}  // namespace fathom::cli
