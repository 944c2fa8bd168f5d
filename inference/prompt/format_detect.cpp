// Chat-format detection. The template text is the best evidence (it is what HF would run);
// model_type is the fallback for folders without one (e.g. Coder-V2 Base).
#include "inference/prompt/format_detect.h"

#include "inference/model/json_file.h"
#include "inference/model/gguf_file.h"
#include "inference/model/gguf_metadata.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "base/error.h"

#include <filesystem>

namespace fathom::inference {

namespace fs = std::filesystem;

DetectedChatFormat detectChatFormat(const std::string& chatTemplate, const std::string& modelType,
                                    const std::string& where)
{
    DetectedChatFormat d;
    auto has = [&](std::string_view s) { return chatTemplate.find(s) != std::string::npos; };
    if (has("<｜User｜>") && has("<｜Assistant｜>")) {
        d.format.kind = ChatFormatKind::DeepseekV3;
        d.format.stripThinking = has("</think>");
        // The Jinja source holds the newline as the escape \n inside a string literal.
        d.format.thinkPrefix = has("<｜Assistant｜><think>\\n") || has("<｜Assistant｜><think>\n");
        d.reason = "tokenizer_config.json's chat_template uses <｜User｜>/<｜Assistant｜>";
        if (d.format.stripThinking)
            d.reason += " and drops </think> reasoning from history";
        if (d.format.thinkPrefix)
            d.reason += " and opens <think> for the reply";
        return d;
    }
    if (has("'User: '") && has("'Assistant:'")) {
        d.format.kind = ChatFormatKind::DeepseekV2;
        d.reason = "tokenizer_config.json's chat_template uses 'User: ' / 'Assistant:'";
        return d;
    }
    if (modelType == "deepseek_v3") {
        d.format.kind = ChatFormatKind::DeepseekV3;
        d.reason = "config.json's model_type is deepseek_v3 (no DeepSeek chat_template found)";
        return d;
    }
    if (modelType == "deepseek_v2") {
        d.format.kind = ChatFormatKind::DeepseekV2;
        d.reason = "config.json's model_type is deepseek_v2 (no DeepSeek chat_template found)";
        return d;
    }
    throwFileError(where, "cannot tell the chat format: tokenizer_config.json has no DeepSeek chat_template and "
                          "config.json's model_type is '" + modelType +
                          "'; pass --format deepseek-v2 or --format deepseek-v3");
}

namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to)
{
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

// A .gguf carries the template as tokenizer.chat_template and BOS/EOS as token ids.
DetectedChatFormat detectGgufChatFormat(const std::string& path)
{
    const GgufFile file(path);
    const GgufMetadata m(file.layout(), path);
    const std::string chatTemplate = m.string("tokenizer.chat_template").value_or("");
    const std::string arch = m.string("general.architecture").value_or("");
    // deepseek2 covers V2 and V3; V3 is the one with sigmoid routing.
    std::string modelType = arch;
    if (arch == "deepseek2")
        modelType = m.integer("deepseek2.expert_gating_func").value_or(1) == 2 ? "deepseek_v3" : "deepseek_v2";
    DetectedChatFormat d;
    try {
        d = detectChatFormat(chatTemplate, modelType, path);
    } catch (const Error&) {
        throwFileError(path, "cannot tell the chat format: tokenizer.chat_template has no DeepSeek template and "
                             "general.architecture is '" + arch + "'; pass --format deepseek-v2 or --format deepseek-v3");
    }
    replaceAll(d.reason, "tokenizer_config.json's chat_template", "the GGUF's tokenizer.chat_template");
    replaceAll(d.reason, "config.json's model_type is", "the GGUF's deepseek2 metadata says");
    const std::vector<GgufValue>* tokens = m.array("tokenizer.ggml.tokens", GgufType::String);
    auto text = [&](const char* key) -> std::optional<std::string> {
        const auto id = m.integer(key);
        if (!id || !tokens || *id < 0 || *id >= static_cast<std::int64_t>(tokens->size()))
            return std::nullopt;
        return std::string((*tokens)[static_cast<std::size_t>(*id)].text);
    };
    if (auto b = text("tokenizer.ggml.bos_token_id"))
        d.format.bos = *b;
    if (auto e = text("tokenizer.ggml.eos_token_id"))
        d.format.eos = *e;
    return d;
}

}  // namespace

DetectedChatFormat detectChatFormat(const std::string& modelDir)
{
    if (isGgufPath(modelDir))
        return detectGgufChatFormat(modelDir);
    std::error_code ec;
    if (!fs::is_directory(modelDir, ec))
        throwFileError(modelDir, "is not a model folder");
    std::string chatTemplate, modelType;
    TokenizerConfig cfg;
    const fs::path tc = fs::path(modelDir) / "tokenizer_config.json";
    if (fs::is_regular_file(tc, ec)) {
        cfg = readTokenizerConfig(tc.string());
        chatTemplate = cfg.chatTemplate;
    }
    const fs::path c = fs::path(modelDir) / "config.json";
    if (fs::is_regular_file(c, ec)) {
        const nlohmann::json config = readJsonFile(c.string(), kConfigJsonLimits);
        if (config.is_object() && config.contains("model_type") && config["model_type"].is_string())
            modelType = config["model_type"].get<std::string>();
    }
    DetectedChatFormat d = detectChatFormat(chatTemplate, modelType, modelDir);
    if (cfg.bosToken)
        d.format.bos = *cfg.bosToken;
    if (cfg.eosToken)
        d.format.eos = *cfg.eosToken;
    return d;
}

}  // namespace fathom::inference
