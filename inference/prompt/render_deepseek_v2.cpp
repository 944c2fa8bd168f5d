// DeepSeek-V2 / V2-Lite-Chat / Coder-V2-Instruct chat template, as in their tokenizer_config.json:
//   {{ bos_token }}{% for message in messages %}
//     user:      'User: ' + content + '\n\n'
//     assistant: 'Assistant: ' + content + eos_token
//     system:    content + '\n\n'            (in place, wherever it appears)
//   {% endfor %}{% if add_generation_prompt %}'Assistant:'{% endif %}
// No space after the final "Assistant:" (with one, the Lite models drift off-language: see
// docs/ARCHITECTURE.md, "Prompt formats").
#include "inference/prompt/chat_format.h"

namespace fathom::inference::detail {

void renderDeepseekV2(const ChatFormat& format, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                      RenderedChat& out)
{
    out.control(format.bos);
    for (const ChatMessage& m : messages) {
        const std::string& content = m.content ? *m.content : std::string();
        if (m.role == "user") {
            out.control("User: ");
            out.content(content);
            out.control("\n\n");
        } else if (m.role == "assistant") {
            out.control("Assistant: ");
            out.content(content);
            out.control(format.eos);
        } else if (m.role == "system") {
            out.content(content);
            out.control("\n\n");
        }
        // The template has no branch for tool messages: they are left out, as HF renders them.
    }
    if (addGenerationPrompt)
        out.control("Assistant:");
}

}  // namespace fathom::inference::detail
