// `fathom-cli render-chat --format NAME --messages FILE.json [--add-generation-prompt] [--model DIR]
// [--ids [--tokenizer FILE_OR_DIR]]`: prints the prompt text for an OpenAI-style message list, or
// with --ids the token ids the engine would prefill (JSON array; tokenizer from --tokenizer or
// --model). NAME: deepseek-v2, deepseek-v3, deepseek-r1, or auto (needs --model; the pick and its
// reason go to stderr).
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

#include "inference/prompt/chat_format.h"
#include "inference/prompt/chat_prompt.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/model/json_file.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "base/error.h"

#include <cstdio>
#include <filesystem>

namespace fathom::cli {

int runRenderChat(int argc, char** argv)
{
    CliArgs args(argc, argv, 2, {"add-generation-prompt", "ids"}, {"format", "messages", "model", "tokenizer"});
    const std::string name = args.get("format");
    inference::ChatFormat format;
    if (name == "auto") {
        if (!args.has("model"))
            throwUserError("--format auto needs --model DIR to read the chat template from");
        const inference::DetectedChatFormat d = inference::detectChatFormat(args.get("model"));
        std::fprintf(stderr, "render-chat: using %s (%s)\n", inference::chatFormatName(d.format).c_str(),
                     d.reason.c_str());
        format = d.format;
    } else {
        format = inference::chatFormatByName(name);
        // A model folder still supplies its own BOS/EOS text when it names them.
        if (args.has("model")) {
            const auto cfgPath = std::filesystem::path(args.get("model")) / "tokenizer_config.json";
            if (std::filesystem::is_regular_file(cfgPath)) {
                const inference::TokenizerConfig cfg = inference::readTokenizerConfig(cfgPath.string());
                if (cfg.bosToken)
                    format.bos = *cfg.bosToken;
                if (cfg.eosToken)
                    format.eos = *cfg.eosToken;
            }
        }
    }
    const std::string path = args.get("messages");
    const auto messages = inference::parseChatMessages(inference::readJsonFile(path, 256u << 20, 16u << 20), path);
    if (args.has("ids")) {
        if (!args.has("tokenizer") && !args.has("model"))
            throwUserError("--ids needs --tokenizer FILE_OR_DIR or --model DIR");
        const auto tok = inference::Tokenizer::load(args.has("tokenizer") ? args.get("tokenizer") : args.get("model"));
        const auto ids = inference::encodeChatPrompt(*tok, format, messages, args.has("add-generation-prompt"));
        std::string out = "[";
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i)
                out += ',';
            out += std::to_string(ids[i]);
        }
        out += "]\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    }
    const std::string text = inference::renderChat(format, messages, args.has("add-generation-prompt"));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace fathom::cli
