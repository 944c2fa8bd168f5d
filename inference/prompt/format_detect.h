// `auto` chat format: pick deepseek-v2 / deepseek-v3 / deepseek-r1 from a model folder's
// tokenizer_config.json chat_template, else config.json's model_type, and say why.
#pragma once

#include "inference/prompt/chat_format.h"

#include <string>

namespace fathom::inference {

struct DetectedChatFormat {
    ChatFormat format;   // bos/eos filled from tokenizer_config.json when it names them
    std::string reason;  // one line for the user: which file and what in it decided
};

// modelDir may also be a .gguf file (tokenizer.chat_template, general.architecture). Throws
// fathom::Error(UserInput) naming the folder when neither file decides.
DetectedChatFormat detectChatFormat(const std::string& modelDir);

// The decision itself, from already-read values ("" when absent); `where` names the folder.
DetectedChatFormat detectChatFormat(const std::string& chatTemplate, const std::string& modelType,
                                    const std::string& where);

}  // namespace fathom::inference
