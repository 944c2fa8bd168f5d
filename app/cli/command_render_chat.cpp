// `fathom-cli render-chat --format NAME --messages FILE.json [--add-generation-prompt] [--model DIR]`:
// prints the prompt text for an OpenAI-style message list. NAME: deepseek-v2, deepseek-v3,
// deepseek-r1, or auto (needs --model; the pick and its reason go to stderr).
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"

#include "inference/prompt/chat_format.h"
#include "inference/prompt/format_detect.h"
#include "inference/tokenizer/tokenizer_files.h"
#include "inference/util/error.h"

#include <cstdio>
#include <filesystem>

namespace fathom::cli {

int runRenderChat(int argc, char** argv)
{
    CliArgs args(argc, argv, 2, {"add-generation-prompt"}, {"format", "messages", "model"});
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
    const auto messages = inference::parseChatMessages(inference::readJsonFile(path, 256u << 20), path);
    const std::string text = inference::renderChat(format, messages, args.has("add-generation-prompt"));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace fathom::cli
