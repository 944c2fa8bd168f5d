// DeepSeek-V3 / R1 chat template, following the Jinja in V3's tokenizer_config.json step by step,
// including its tool-call branches and their quirks (`is_first` and `is_output_first` are never
// reset between turns), so that renders match HF apply_chat_template exactly.
#include "inference/prompt/chat_format.h"

#include "inference/prompt/thinking.h"

namespace fathom::inference::detail {

namespace {

void toolCall(RenderedChat& out, const ToolCall& t)
{
    out.control("<｜tool▁call▁begin｜>");
    out.content(t.type);
    out.control("<｜tool▁sep｜>");
    out.content(t.name);
    out.control("\n```json\n");
    out.content(t.arguments);
    out.control("\n```<｜tool▁call▁end｜>");
}

}  // namespace

void renderDeepseekV3(const ChatFormat& format, const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                      RenderedChat& out)
{
    // All system messages, joined by a blank line, go right after BOS whatever their position.
    out.control(format.bos);
    bool firstSystem = true;
    for (const ChatMessage& m : messages) {
        if (m.role != "system")
            continue;
        if (!firstSystem)
            out.control("\n\n");
        out.content(m.content.value_or(""));
        firstSystem = false;
    }

    bool isFirst = false, isTool = false, isOutputFirst = true;
    for (const ChatMessage& m : messages) {
        if (m.role == "user") {
            isTool = false;
            out.control("<｜User｜>");
            out.content(m.content.value_or(""));
        } else if (m.role == "assistant" && !m.content) {
            isTool = false;
            for (const ToolCall& t : m.toolCalls) {
                if (!isFirst) {
                    out.control("<｜Assistant｜><｜tool▁calls▁begin｜>");
                    toolCall(out, t);
                    isFirst = true;
                } else {
                    out.control("\n");
                    toolCall(out, t);
                    out.control("<｜tool▁calls▁end｜><｜end▁of▁sentence｜>");
                }
            }
        } else if (m.role == "assistant") {
            if (isTool) {
                out.control("<｜tool▁outputs▁end｜>");
                out.content(*m.content);
                out.control(format.eos);
                isTool = false;
            } else {
                out.control("<｜Assistant｜>");
                out.content(format.stripThinking ? stripThinkingForHistory(*m.content) : *m.content);
                out.control(format.eos);
            }
        } else if (m.role == "tool") {
            isTool = true;
            out.control(isOutputFirst ? "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>" : "\n<｜tool▁output▁begin｜>");
            out.content(m.content.value_or(""));
            out.control("<｜tool▁output▁end｜>");
            isOutputFirst = false;
        }
    }
    if (isTool)
        out.control("<｜tool▁outputs▁end｜>");
    if (addGenerationPrompt && !isTool)
        out.control(format.thinkPrefix ? "<｜Assistant｜><think>\n" : "<｜Assistant｜>");
}

}  // namespace fathom::inference::detail
