// DeepSeek-V3 / R1 chat template, following the Jinja in V3's tokenizer_config.json step by step,
// including its tool-call branches and their quirks (`is_first` and `is_output_first` are never
// reset between turns), so that renders match HF apply_chat_template exactly.
#include "inference/prompt/chat_format.h"

#include "inference/prompt/thinking.h"

namespace fathom::inference::detail {

namespace {

std::string toolCallText(const ToolCall& t)
{
    return "<｜tool▁call▁begin｜>" + t.type + "<｜tool▁sep｜>" + t.name + "\n```json\n" + t.arguments +
           "\n```<｜tool▁call▁end｜>";
}

}  // namespace

std::string renderDeepseekV3(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                             bool addGenerationPrompt)
{
    // All system messages, joined by a blank line, go right after BOS whatever their position.
    std::string system;
    bool firstSystem = true;
    for (const ChatMessage& m : messages) {
        if (m.role != "system")
            continue;
        if (!firstSystem)
            system += "\n\n";
        system += m.content.value_or("");
        firstSystem = false;
    }
    std::string out = format.bos + system;

    bool isFirst = false, isTool = false, isOutputFirst = true;
    for (const ChatMessage& m : messages) {
        if (m.role == "user") {
            isTool = false;
            out += "<｜User｜>" + m.content.value_or("");
        } else if (m.role == "assistant" && !m.content) {
            isTool = false;
            for (const ToolCall& t : m.toolCalls) {
                if (!isFirst) {
                    out += "<｜Assistant｜><｜tool▁calls▁begin｜>" + toolCallText(t);
                    isFirst = true;
                } else {
                    out += '\n';
                    out += toolCallText(t);
                    out += "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
                }
            }
        } else if (m.role == "assistant") {
            if (isTool) {
                out += "<｜tool▁outputs▁end｜>" + *m.content + format.eos;
                isTool = false;
            } else {
                const std::string content = format.stripThinking ? stripThinkingForHistory(*m.content) : *m.content;
                out += "<｜Assistant｜>" + content + format.eos;
            }
        } else if (m.role == "tool") {
            isTool = true;
            if (isOutputFirst) {
                out += "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>" + m.content.value_or("") + "<｜tool▁output▁end｜>";
                isOutputFirst = false;
            } else {
                out += "\n<｜tool▁output▁begin｜>" + m.content.value_or("") + "<｜tool▁output▁end｜>";
            }
        }
    }
    if (isTool)
        out += "<｜tool▁outputs▁end｜>";
    if (addGenerationPrompt && !isTool)
        out += format.thinkPrefix ? "<｜Assistant｜><think>\n" : "<｜Assistant｜>";
    return out;
}

}  // namespace fathom::inference::detail
