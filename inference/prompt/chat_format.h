// DeepSeek chat prompt formats (docs/ARCHITECTURE.md, "Prompt formats"): the text a model expects for a
// chat, reproducing the Jinja chat_template of each model's tokenizer_config.json byte for byte.
#pragma once

#include "inference/prompt/chat_message.h"
#include "inference/tokenizer/span.h"

#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

enum class ChatFormatKind {
    DeepseekV2,  // V2, V2-Lite-Chat, Coder-V2 Instruct: "User: …\n\nAssistant: …"
    DeepseekV3,  // V3, R1: "<｜User｜>…<｜Assistant｜>…"
};

struct ChatFormat {
    ChatFormatKind kind = ChatFormatKind::DeepseekV3;
    bool stripThinking = false;  // R1: earlier assistant turns keep only the text after </think>
    bool thinkPrefix = false;    // generation prompt ends in "<think>\n" (R1 templates that force thinking)
    std::string bos = "<｜begin▁of▁sentence｜>";  // from tokenizer_config.json when known
    std::string eos = "<｜end▁of▁sentence｜>";
};

// A rendered prompt and where the message contents sit in it (sorted, disjoint), so that encoding
// can keep special-token text typed or pasted by a user literal (Tokenizer::encode with spans).
struct RenderedChat {
    std::string text;
    std::vector<Span> contentSpans;

    void control(std::string_view s) { text.append(s); }
    void content(std::string_view s)
    {
        if (s.empty())
            return;
        contentSpans.push_back({text.size(), text.size() + s.size()});
        text.append(s);
    }
};

// "deepseek-v2", "deepseek-v3" or "deepseek-r1" (= v3 with stripThinking). Throws
// fathom::Error(UserInput) listing the names for anything else.
ChatFormat chatFormatByName(const std::string& name);
std::string chatFormatName(const ChatFormat& format);

// The prompt text for `messages`; with addGenerationPrompt it ends where the reply starts.
// Throws fathom::Error(UserInput) for input the template cannot render.
std::string renderChat(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                       bool addGenerationPrompt);
RenderedChat renderChatWithSpans(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                                 bool addGenerationPrompt);

namespace detail {
void renderDeepseekV2(const ChatFormat& format, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                      RenderedChat& out);
void renderDeepseekV3(const ChatFormat& format, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                      RenderedChat& out);
}  // namespace detail

}  // namespace fathom::inference
