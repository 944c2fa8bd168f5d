// The remote backend against a loopback OpenAI-compatible server that replays vLLM, SGLang and
// DeepSeek-API streams and injects the faults people meet: refused keys, unknown models, 429 with
// Retry-After, 5xx, refused connections, streams cut mid-reply, malformed events and JSON.
#include "app/remote/remote_backend.h"
#include "app/services/thinking_split.h"
#include "tests/remote/fake_openai_process.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace fathom::app;
using fathom::test::FakeOpenAiServer;

namespace {

const QString kReasoning = QStringLiteral("Okay, the user wants the sum of 17 and 25. 17 + 25 = 42.");
const QString kAnswer = QStringLiteral("17 + 25 = **42**.");

// What one request produced.
struct Outcome {
    QString raw;
    QStringList notices;
    MessageStats stats;
    MessageStatus status = MessageStatus::Streaming;
    QString message;
    bool done = false;
    qint64 elapsedMs = 0;
};

QJsonObject answer(const QString& path, const QJsonArray& list)
{
    return {{QStringLiteral("answers"), QJsonObject{{path, list}}}};
}

QJsonObject replay(const QString& file, const QJsonObject& extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("replay"), file);
    return o;
}

QJsonObject error(int status, const QString& body, const QJsonObject& headers = {})
{
    return {{QStringLiteral("status"), status}, {QStringLiteral("body"), body}, {QStringLiteral("headers"), headers}};
}

const QString kChat = QStringLiteral("/v1/chat/completions");
const QString kCompletions = QStringLiteral("/v1/completions");

}  // namespace

class RemoteBackendTest final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeOpenAiServer> m_server;

    RemoteEndpoint endpoint(const QString& model = QStringLiteral("deepseek-ai/DeepSeek-R1"), const QString& key = {}) const
    {
        RemoteEndpoint e;
        e.serverId = QStringLiteral("srv1");
        e.serverName = QStringLiteral("test node");
        e.baseUrl = QUrl(m_server->baseUrl());
        e.model = model;
        e.apiKey = key;
        return e;
    }

    // Runs `start` on a backend and collects the ticket's signals until it finishes.
    static Outcome run(RemoteBackend& backend, const std::function<void()>& start, int timeoutMs = 15000)
    {
        Outcome out;
        QObject context;
        QObject::connect(&backend, &RemoteBackend::text, &context, [&](quint64, const QString& t) { out.raw += t; });
        QObject::connect(&backend, &RemoteBackend::notice, &context, [&](quint64, const QString& t) { out.notices << t; });
        QObject::connect(&backend, &RemoteBackend::finished, &context,
                         [&](quint64, const MessageStats& s, MessageStatus st, const QString& m) {
                             out.stats = s;
                             out.status = st;
                             out.message = m;
                             out.done = true;
                         });
        QElapsedTimer clock;
        clock.start();
        start();
        QTest::qWaitFor([&] { return out.done; }, timeoutMs);
        if (!out.done) out.message = QStringLiteral("(the request did not finish in time)");
        out.elapsedMs = clock.elapsed();
        return out;
    }

    static Outcome chat(RemoteBackend& backend, quint64 ticket = 1)
    {
        ChatMessage user;
        user.role = Role::User;
        user.content = QStringLiteral("What is 17 + 25?");
        return run(backend, [&] { backend.chat(ticket, {user}, QString(), {}, 256); });
    }

    static CompletionRequest editorRequest()
    {
        CompletionRequest r;
        r.prefix = QStringLiteral("def add(a, b):\n    return ");
        r.suffix = QStringLiteral("\n\nprint(add(1, 2))\n");
        r.language = QStringLiteral("Python");
        return r;
    }

    void expectFoldedR1(const Outcome& out)
    {
        QCOMPARE(out.status, MessageStatus::Complete);
        const ThinkingSplit split = ThinkingSplit::split(out.raw);
        QCOMPARE(split.reasoning, kReasoning);
        QCOMPARE(split.answer, kAnswer);
        QVERIFY(!split.open);
    }

private slots:
    void initTestCase() { m_server = std::make_unique<FakeOpenAiServer>(); }
    void cleanupTestCase() { m_server.reset(); }

    void foldsVllmReasoningContentLikeLocalR1()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("delay_ms"), 3}})}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        expectFoldedR1(out);
        QVERIFY(out.raw.startsWith(QStringLiteral("<think>\n")));
        QCOMPARE(out.stats.promptTokens, 14);        // from the usage chunk
        QCOMPARE(out.stats.generatedTokens, 24);
        QVERIFY(out.stats.tokensPerSecond > 0);
        QVERIFY(out.stats.timeToFirstTokenMs > 0);
    }

    void foldsSglangReasoningContent()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("sglang_r1_reasoning.sse"))}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        expectFoldedR1(out);
        QCOMPARE(out.stats.generatedTokens, 24);
    }

    void foldsDeepSeekApiStreamWithKeepAlivesAndCrlf()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("deepseek_api_reasoner.sse"))}));
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-reasoner")));
        const Outcome out = chat(backend);
        expectFoldedR1(out);
        QCOMPARE(out.stats.promptTokens, 14);
        QCOMPARE(out.stats.generatedTokens, 24);
    }

    void keepsInlineThinkTagsFromAServerWithoutReasoningParser()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_inline_think.sse"))}));
        RemoteBackend backend(endpoint());
        expectFoldedR1(chat(backend));
    }

    void foldsReasoningWhoseOpeningTagWasInThePrompt()
    {
        // R1's template ends the prompt with "<think>\n": without a parser only "</think>" arrives.
        const ThinkingSplit split = ThinkingSplit::split(kReasoning + QStringLiteral("\n</think>\n\n") + kAnswer);
        QCOMPARE(split.reasoning, kReasoning);
        QCOMPARE(split.answer, kAnswer);
        QCOMPARE(ThinkingSplit::split(kAnswer).answer, kAnswer);  // no tag: all answer
    }

    void sendsModelKeyMessagesAndAsksForUsage()
    {
        m_server->setConfig({{QStringLiteral("require_key"), QStringLiteral("sk-test-123")}});
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-ai/DeepSeek-R1"), QStringLiteral("sk-test-123")));
        ChatMessage user, reply, next;
        user.role = Role::User;
        user.content = QStringLiteral("Hi");
        reply.role = Role::Assistant;
        reply.content = QStringLiteral("Hello!");
        reply.reasoning = QStringLiteral("greet back");
        next.role = Role::User;
        next.content = QStringLiteral("What is 17 + 25?");
        fathom::inference::SamplingParams sampling;
        sampling.temperature = 0.6f;
        sampling.topP = 0.95f;
        const Outcome out = run(backend, [&] { backend.chat(7, {user, reply, next}, QStringLiteral("Be brief."), sampling, 300); });
        expectFoldedR1(out);
        const QJsonArray requests = m_server->stats().value(QStringLiteral("requests")).toArray();
        QCOMPARE(requests.size(), 1);
        const QJsonObject r = requests.first().toObject();
        QVERIFY(r.value(QStringLiteral("authorized")).toBool());
        const QJsonObject body = r.value(QStringLiteral("body")).toObject();
        QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("deepseek-ai/DeepSeek-R1"));
        QVERIFY(body.value(QStringLiteral("stream")).toBool());
        QVERIFY(body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool());
        QCOMPARE(body.value(QStringLiteral("max_tokens")).toInt(), 300);
        QVERIFY(qAbs(body.value(QStringLiteral("temperature")).toDouble() - 0.6) < 1e-6);
        QVERIFY(!body.contains(QStringLiteral("top_k")));  // unset extensions are not sent
        const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages[0].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
        // Earlier reasoning never goes back to the server.
        QCOMPARE(messages[2].toObject().value(QStringLiteral("content")).toString(), QStringLiteral("Hello!"));
        QVERIFY(!messages[2].toObject().contains(QStringLiteral("reasoning_content")));
    }

    void refusedKeySaysSoForBoth401And403()
    {
        m_server->setConfig({{QStringLiteral("require_key"), QStringLiteral("right")}});
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-ai/DeepSeek-R1"), QStringLiteral("wrong")));
        Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("refused the key (HTTP 401)")), qPrintable(out.message));
        QVERIFY(out.message.contains(QStringLiteral("Settings → Models")));
        QVERIFY(!out.message.contains(QStringLiteral("wrong")));  // the key is never echoed

        m_server->setConfig(answer(kChat, {error(403, QStringLiteral("{\"error\": {\"message\": \"Forbidden\"}}"))}));
        out = chat(backend);
        QVERIFY2(out.message.contains(QStringLiteral("refused the key (HTTP 403)")), qPrintable(out.message));
    }

    void connectFailsForAModelTheServerDoesNotList()
    {
        m_server->setConfig({});
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-ai/DeepSeek-V3")));
        QSignalSpy ready(&backend, &RemoteBackend::ready);
        QSignalSpy failed(&backend, &RemoteBackend::connectFailed);
        backend.connectToServer();
        QTRY_COMPARE(failed.size(), 1);
        const QString m = failed.first().first().toString();
        QVERIFY2(m.contains(QStringLiteral("no model named “deepseek-ai/DeepSeek-V3”")), qPrintable(m));
        QVERIFY(m.contains(QStringLiteral("deepseek-ai/DeepSeek-R1")));  // says what it does serve
        QCOMPARE(ready.size(), 0);
    }

    void connectReportsTheServersContextLength()
    {
        m_server->setConfig({});
        RemoteBackend backend(endpoint());
        QSignalSpy ready(&backend, &RemoteBackend::ready);
        backend.connectToServer();
        QTRY_COMPARE(ready.size(), 1);
        QCOMPARE(ready.first().at(0).toString(), QStringLiteral("deepseek-ai/DeepSeek-R1"));
        QCOMPARE(ready.first().at(1).toString(), QStringLiteral("Remote: test node"));
        QCOMPARE(ready.first().at(2).toLongLong(), 163840);
    }

    void unknownModelAtChatTimeSaysWhichModel()
    {
        // vLLM's answer for a model it does not serve.
        m_server->setConfig(answer(kChat, {error(404, QStringLiteral(
            "{\"object\": \"error\", \"message\": \"The model `deepseek-ai/DeepSeek-V3` does not exist.\", "
            "\"type\": \"NotFoundError\", \"param\": \"model\", \"code\": 404}"))}));
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-ai/DeepSeek-V3")));
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("no model named “deepseek-ai/DeepSeek-V3” (HTTP 404)")), qPrintable(out.message));
    }

    void rateLimitWaitsForRetryAfterAndSaysSo()
    {
        m_server->setConfig(answer(kChat, {error(429, QStringLiteral("{\"error\": {\"message\": \"Rate limit reached\"}}"),
                                                 {{QStringLiteral("Retry-After"), QStringLiteral("1")}}),
                                           replay(QStringLiteral("vllm_r1_reasoning.sse"))}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        expectFoldedR1(out);
        QCOMPARE(out.notices.size(), 1);
        QVERIFY2(out.notices.first().contains(QStringLiteral("busy (HTTP 429); trying again in 1 s")), qPrintable(out.notices.first()));
        QVERIFY2(out.elapsedMs >= 900, qPrintable(QString::number(out.elapsedMs)));
        QCOMPARE(m_server->stats().value(QStringLiteral("requests")).toArray().size(), 2);
    }

    void rateLimitWithALongRetryAfterIsReportedNotWaited()
    {
        m_server->setConfig(answer(kChat, {error(429, QStringLiteral("{\"error\": {\"message\": \"Quota exceeded\"}}"),
                                                 {{QStringLiteral("Retry-After"), QStringLiteral("3600")}})}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY(out.notices.isEmpty());
        QVERIFY2(out.message.contains(QStringLiteral("HTTP 429")), qPrintable(out.message));
        QVERIFY(out.message.contains(QStringLiteral("Quota exceeded")));
    }

    void serverErrorNamesStatusAndServerMessage()
    {
        m_server->setConfig(answer(kChat, {error(503, QStringLiteral("{\"object\": \"error\", \"message\": \"Engine is overloaded\"}"))}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("failed (HTTP 503)")), qPrintable(out.message));
        QVERIFY(out.message.contains(QStringLiteral("Engine is overloaded")));
    }

    void refusedConnectionSaysIsTheServerRunning()
    {
        RemoteEndpoint e = endpoint();
        e.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(fathom::test::closedPort()));
        RemoteBackend backend(e);
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("connection was refused")), qPrintable(out.message));
        QSignalSpy failed(&backend, &RemoteBackend::connectFailed);
        backend.connectToServer();
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("connection was refused")));
    }

    void streamCutMidReplyKeepsWhatArrivedAsInterrupted()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("cut_after"), 20}})}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Interrupted);
        QVERIFY2(out.message.contains(QStringLiteral("Regenerate")), qPrintable(out.message));
        const ThinkingSplit split = ThinkingSplit::split(out.raw);
        QCOMPARE(split.reasoning, kReasoning);          // the whole reasoning had arrived ...
        QCOMPARE(split.answer, QStringLiteral("17 + 25")); // ... and the answer's first deltas
        QVERIFY(!split.open);                           // the think block is closed for storage
    }

    void streamCutBeforeAnyTextIsAnError()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("cut_after"), 1}})}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY(out.raw.isEmpty());
    }

    void malformedJsonEventEndsTheReplyKeepingItsText()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("malformed_json.sse"))}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Interrupted);
        QVERIFY2(out.message.contains(QStringLiteral("cannot read")), qPrintable(out.message));
        QCOMPARE(ThinkingSplit::split(out.raw).answer, QStringLiteral("Hello"));
    }

    void errorObjectInsideTheStreamIsShown()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("error_in_stream.sse"))}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Interrupted);
        QVERIFY2(out.message.contains(QStringLiteral("CUDA out of memory while decoding")), qPrintable(out.message));
        QCOMPARE(out.raw, QStringLiteral("Partial"));
    }

    void streamEndingWithoutFinishOrDoneIsInterrupted()
    {
        // A proxy that closes cleanly in the middle: no finish_reason, no usage, no [DONE].
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("drop_last"), 3}})}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Interrupted);
        QVERIFY2(out.message.contains(QStringLiteral("ended the stream before the reply was complete")), qPrintable(out.message));
        QCOMPARE(ThinkingSplit::split(out.raw).answer, kAnswer);
    }

    void malformedEventStreamIsAnError()
    {
        // 2 MiB without a line end: no event stream anyone speaks; the parser gives up at 1 MiB.
        m_server->setConfig(answer(kChat, {QJsonObject{{QStringLiteral("garbage_bytes"), 2 << 20}}}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("malformed event stream")), qPrintable(out.message));
    }

    void htmlInsteadOfAStreamSaysCheckTheBaseUrl()
    {
        QJsonObject html = error(200, QStringLiteral("<html><body>Welcome to nginx!</body></html>"));
        html.insert(QStringLiteral("content_type"), QStringLiteral("text/html"));
        m_server->setConfig(answer(kChat, {html}));
        RemoteBackend backend(endpoint());
        const Outcome out = chat(backend);
        QCOMPARE(out.status, MessageStatus::Error);
        QVERIFY2(out.message.contains(QStringLiteral("did not answer with an event stream")), qPrintable(out.message));
    }

    void cancelClosesTheStream()
    {
        m_server->setConfig(answer(kChat, {replay(QStringLiteral("vllm_r1_reasoning.sse"), {{QStringLiteral("hold_after"), 5}})}));
        RemoteBackend backend(endpoint());
        QString raw;
        connect(&backend, &RemoteBackend::text, this, [&](quint64, const QString& t) {
            raw += t;
            // Queued, as the bridge's stop() arrives.
            if (t.contains(QStringLiteral(" user"))) QMetaObject::invokeMethod(&backend, [&] { backend.cancel(3); }, Qt::QueuedConnection);
        });
        const Outcome out = chat(backend, 3);
        QCOMPARE(out.status, MessageStatus::Stopped);
        QVERIFY(out.raw.endsWith(QStringLiteral("</think>\n\n")));  // closed for storage
        QTRY_COMPARE_WITH_TIMEOUT(m_server->stats().value(QStringLiteral("client_closed")).toInt(), 1, 5000);
    }

    void editorCompletionUsesSuffixWhenTheServerTakesIt()
    {
        m_server->setConfig(answer(kCompletions, {replay(QStringLiteral("completions_fim.sse"))}));
        RemoteBackend backend(endpoint(QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Base")));
        const CompletionRequest request = editorRequest();
        const Outcome out = run(backend, [&] { backend.complete(1, request); });
        QCOMPARE(out.status, MessageStatus::Complete);
        QCOMPARE(out.raw, QStringLiteral("a + b"));
        const QJsonArray requests = m_server->stats().value(QStringLiteral("requests")).toArray();
        QCOMPARE(requests.size(), 1);
        const QJsonObject body = requests[0].toObject().value(QStringLiteral("body")).toObject();
        QCOMPARE(requests[0].toObject().value(QStringLiteral("path")).toString(), kCompletions);
        QCOMPARE(body.value(QStringLiteral("prompt")).toString(), request.prefix);
        QCOMPARE(body.value(QStringLiteral("suffix")).toString(), request.suffix);
        QCOMPARE(body.value(QStringLiteral("temperature")).toInt(), 0);
    }

    void editorCompletionFallsBackToAChatPromptWhenSuffixIsRejected()
    {
        // vLLM's answer to a suffix.
        QJsonObject config = answer(kCompletions, {error(400, QStringLiteral(
            "{\"object\": \"error\", \"message\": \"suffix is not currently supported\", \"type\": \"BadRequestError\", \"code\": 400}"))});
        QJsonObject answers = config.value(QStringLiteral("answers")).toObject();
        answers.insert(kChat, QJsonArray{replay(QStringLiteral("chat_completion_for_editor.sse"))});
        config.insert(QStringLiteral("answers"), answers);
        m_server->setConfig(config);
        RemoteBackend backend(endpoint());
        Outcome out = run(backend, [&] { backend.complete(1, editorRequest()); });
        QCOMPARE(out.status, MessageStatus::Complete);
        QCOMPARE(out.raw, QStringLiteral("a + b"));   // the reasoning is not the editor's business
        out = run(backend, [&] { backend.complete(2, editorRequest()); });
        QCOMPARE(out.raw, QStringLiteral("a + b"));
        const QJsonArray requests = m_server->stats().value(QStringLiteral("requests")).toArray();
        QCOMPARE(requests.size(), 3);  // FIM refused once, then chat, and chat directly the second time
        QCOMPARE(requests[1].toObject().value(QStringLiteral("path")).toString(), kChat);
        QCOMPARE(requests[2].toObject().value(QStringLiteral("path")).toString(), kChat);
        const QString prompt = requests[2].toObject().value(QStringLiteral("body")).toObject().value(QStringLiteral("messages"))
                                   .toArray().first().toObject().value(QStringLiteral("content")).toString();
        QVERIFY(prompt.contains(QStringLiteral("return <CURSOR>")));
    }
};

QTEST_GUILESS_MAIN(RemoteBackendTest)
#include "remote_backend_test.moc"
