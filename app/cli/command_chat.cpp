// `fathom-cli chat --db FILE [--model DIR] [--conversation ID] --message TEXT [--max-tokens N]`: one
// chat turn stored exactly as the app stores it (same schema, same order of commits: the user's
// message first, then a `streaming` reply saved by ReplyWriter while it generates, then its final
// status). `--list [--conversation ID]` prints conversations and their whole message trees as JSON.
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "app/cli/model_option.h"

#include "inference/engine/engine.h"
#include "inference/prompt/chat_format.h"
#include "inference/prompt/chat_prompt.h"
#include "inference/prompt/format_detect.h"
#include "inference/prompt/thinking.h"
#include "inference/tokenizer/stream_decoder.h"
#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"
#include "storage/conversation_export.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/reply_writer.h"
#include "storage/settings.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <mutex>

namespace fathom::cli {

namespace {

using storage::ConversationStore;
using storage::MessageStatus;

std::atomic<bool> g_interrupted{false};

extern "C" void onSigint(int) { g_interrupted = true; }

int listConversations(const CliArgs& args, const storage::Database& db)
{
    ConversationStore store(db);
    nlohmann::json list = nlohmann::json::array();
    if (args.has("conversation")) {
        list.push_back(storage::exportJson(store, args.getInt("conversation", 0, 1, INT64_MAX), storage::ExportIds::Database));
    } else {
        for (const auto& c : store.listConversations())
            list.push_back(storage::exportJson(store, c.id, storage::ExportIds::Database));
    }
    std::printf("%s\n", nlohmann::json{{"conversations", list}}.dump(2).c_str());
    return 0;
}

// Receives the engine's events on its thread: decodes ids to text, streams it to stdout and into
// the ReplyWriter; the main thread waits for the end.
class TurnSink final : public inference::EventSink {
public:
    TurnSink(const inference::Tokenizer& tokenizer, storage::ReplyWriter& writer)
        : m_decoder(tokenizer, /*skipSpecial=*/true), m_writer(writer)
    {
    }
    void onToken(std::uint64_t, const inference::TokenEvent& e) override
    {
        // Text from the ids, not e.text: the engine may run without a detokenizer.
        emit(m_decoder.push(e.token), 1);
    }
    void onDone(std::uint64_t, const inference::DoneStats& stats) override
    {
        emit(m_decoder.flush(), 0);
        finish(stats, {});
    }
    void onError(std::uint64_t, const std::string& message) override
    {
        finish({}, message.empty() ? "generation failed" : message);
    }
    // Waits for the end, polling Ctrl-C to cancel the request.
    void wait(inference::Engine& engine, std::uint64_t requestId)
    {
        std::unique_lock lock(m_mutex);
        while (!m_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return m_done; }))
            if (g_interrupted.exchange(false))
                engine.cancel(requestId);
    }
    const inference::DoneStats& stats() const { return m_stats; }
    const std::string& error() const { return m_error; }

private:
    void emit(const std::string& text, int tokens)
    {
        if (!text.empty()) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        }
        m_writer.appendContent(text, tokens);
    }
    void finish(const inference::DoneStats& stats, const std::string& error)
    {
        std::lock_guard lock(m_mutex);
        m_stats = stats;
        m_error = error;
        m_done = true;
        m_cv.notify_all();
    }

    inference::StreamDecoder m_decoder;
    storage::ReplyWriter& m_writer;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    inference::DoneStats m_stats;
    std::string m_error;
};

MessageStatus statusFor(inference::FinishReason reason, const std::string& error)
{
    if (!error.empty() || reason == inference::FinishReason::Error)
        return MessageStatus::Error;
    return reason == inference::FinishReason::Cancelled ? MessageStatus::Stopped : MessageStatus::Complete;
}

int chatTurn(const CliArgs& args, const storage::Database& db)
{
    ConversationStore store(db);
    storage::Settings settings(db);
    const std::string text = args.get("message");
    std::optional<storage::Conversation> conversation;
    if (args.has("conversation"))
        conversation = store.conversation(args.getInt("conversation", 0, 1, INT64_MAX));  // a clear error when missing

    // Model: --model, else the conversation's, else the global default, else the embedded model.
    std::string modelPath = args.get("model", "");
    if (modelPath.empty() && conversation && conversation->model)
        modelPath = *conversation->model;
    if (modelPath.empty())
        modelPath = settings.getString("model.default");
    if (modelPath.empty())
        modelPath = modelDir(args);

    // Sampling: the options given, else the global settings. Kept as doubles for the stored JSON.
    nlohmann::json used = {{"temperature", args.getDouble("temperature", settings.getDouble("chat.temperature"))},
                           {"top_p", settings.getDouble("chat.top_p")},
                           {"top_k", settings.getInt("chat.top_k")},
                           {"min_p", settings.getDouble("chat.min_p")},
                           {"repetition_penalty", settings.getDouble("chat.repetition_penalty")},
                           {"seed", args.getInt("seed", 0, 0, INT64_MAX)},
                           {"max_tokens", args.getInt("max-tokens", settings.getInt("chat.max_tokens"), 1, kInt32Max)}};
    if (conversation && conversation->samplingJson)  // per-conversation overrides win over the defaults
        for (const auto& [key, value] : nlohmann::json::parse(*conversation->samplingJson).items())
            if (used.contains(key) && value.is_number() && !args.has(key == "max_tokens" ? "max-tokens" : key))
                used[key] = value;
    inference::Request request;
    request.maxTokens = used["max_tokens"].get<int>();
    request.sampling.temperature = used["temperature"].get<float>();
    request.sampling.topP = used["top_p"].get<float>();
    request.sampling.topK = used["top_k"].get<int>();
    request.sampling.minP = used["min_p"].get<float>();
    request.sampling.repetitionPenalty = used["repetition_penalty"].get<float>();
    request.sampling.seed = used["seed"].get<std::uint64_t>();
    if (request.maxTokens <= 0)
        throwUserError("--max-tokens must be at least 1");
    if (request.sampling.temperature < 0)
        throwUserError("--temperature must be 0 or more");

    // Everything that can fail on a bad model folder happens before anything is stored.
    inference::EngineOptions options;
    options.backend = backend(args);
    options.threads = threadsOption(args, settings.getInt("engine.cpu_threads"));
    options.contextLength = settings.getInt("chat.context_length");
    const auto tokenizer = inference::Tokenizer::load(modelPath);
    const inference::DetectedChatFormat format = inference::detectChatFormat(modelPath);
    const auto engine = inference::Engine::load(modelPath, options);

    // The user's message is committed before generation starts.
    const std::int64_t conversationId =
        conversation ? conversation->id : store.createConversation(text.substr(0, text.find('\n')).substr(0, 60));
    const storage::Conversation conv = store.conversation(conversationId);
    const std::int64_t userId = store.addMessage(conversationId, store.activeLeaf(conversationId),
                                                 storage::MessageRole::User, text);

    std::vector<inference::ChatMessage> messages;
    std::string systemPrompt = conv.systemPrompt ? *conv.systemPrompt : settings.getString("chat.system_prompt");
    if (!systemPrompt.empty())
        messages.push_back({"system", systemPrompt, {}});
    for (const storage::Message& m : store.activePath(conversationId)) {
        if (m.role == storage::MessageRole::Assistant && m.content.empty())
            continue;  // a reply that failed before saying anything
        messages.push_back({storage::toString(m.role), m.content, {}});
    }
    // Special-token text inside a message stays plain text: a pasted end-of-sentence cannot end a turn.
    request.promptTokens = inference::encodeChatPrompt(*tokenizer, format.format, messages, true);

    const std::int64_t replyId = store.beginReply(conversationId, userId, modelPath, used.dump());

    // R1-style models write "<think>…</think>answer": saved apart, as reasoning and content.
    const bool thinkPrefix = format.format.thinkPrefix;
    auto save = [&](const storage::ReplySnapshot& s) {
        inference::ThinkingSplit split = inference::splitThinking(s.content, thinkPrefix);
        store.updateReply(replyId, split.answer, split.thinking, s.tokens);
    };
    storage::ReplyWriter writer(save);
    TurnSink sink(*tokenizer, writer);
    std::signal(SIGINT, onSigint);
    const std::uint64_t requestId = engine->submit(request, &sink);
    sink.wait(*engine, requestId);
    std::signal(SIGINT, SIG_DFL);
    std::printf("\n");

    const storage::ReplySnapshot full = writer.finish();
    const inference::ThinkingSplit split = inference::splitThinking(full.content, thinkPrefix);
    const inference::DoneStats& d = sink.stats();
    const MessageStatus status = statusFor(d.reason, sink.error());
    storage::ReplyStats stats{d.promptTokens, sink.error().empty() ? d.generatedTokens : full.tokens,
                              d.tokensPerSecond, d.timeToFirstTokenMs};
    store.finishReply(replyId, status, split.answer, split.thinking, stats, sink.error());
    std::fprintf(stderr, "conversation %lld, reply %lld: %s, %lld tokens, %.1f tok/s\n",
                 static_cast<long long>(conversationId), static_cast<long long>(replyId), storage::toString(status),
                 static_cast<long long>(stats.completionTokens), stats.tokensPerSecond);
    if (status == MessageStatus::Error)
        throw Error(ErrorKind::Internal, "generation failed: " + sink.error());
    return 0;
}

}  // namespace

int runChat(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {"list"},
                       {"db", "model", "conversation", "message", "max-tokens", "temperature", "seed", "backend",
                        "threads"});
    const storage::Database db(args.get("db"));
    if (db.interruptedOnOpen() > 0)
        std::fprintf(stderr, "%s: %d reply(s) left streaming by a stopped process marked interrupted\n",
                     args.get("db").c_str(), db.interruptedOnOpen());
    if (args.has("list")) {
        if (args.has("message"))
            throwUserError("give either --list or --message, not both");
        return listConversations(args, db);
    }
    return chatTurn(args, db);
}

}  // namespace fathom::cli
