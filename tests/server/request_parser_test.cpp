// The server's request parsing and validation (app/server/request_parser.h) and the shapes of what it
// answers (api_error.h, openai_json.h): pure functions, no engine, no sockets.
#include "app/server/api_error.h"
#include "app/server/api_server.h"
#include "app/server/openai_json.h"
#include "app/server/request_parser.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace fathom::server;
using nlohmann::json;

namespace {

// The ApiError a body gives, or a test failure when it parses.
template <typename Parse>
ApiError errorOf(Parse parse, const std::string& body)
{
    try {
        parse(body);
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "parsed without error: " << body;
    return ApiError(0, "", "");
}

ApiError chatError(const std::string& body) { return errorOf(parseChatCompletionRequest, body); }
ApiError textError(const std::string& body) { return errorOf(parseTextCompletionRequest, body); }

const std::string kHi = R"("messages":[{"role":"user","content":"hi"}])";

}  // namespace

TEST(ServerRequest, parsesChatFieldsAndIgnoresUnknownOnes)
{
    const ChatCompletionRequest r = parseChatCompletionRequest(
        R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]}],
            "stream":true,"stream_options":{"include_usage":true},"max_tokens":7,"temperature":0,"top_p":0.5,"seed":42,
            "presence_penalty":1.5,"frequency_penalty":-1,"stop":"\n","logit_bias":{"1":2},"user":"u","tools":null})");
    EXPECT_EQ(r.fields.model, "m");
    ASSERT_EQ(r.messages.size(), 2u);
    EXPECT_EQ(r.messages[1].content.value_or(""), "hi");
    EXPECT_TRUE(r.fields.stream);
    EXPECT_TRUE(r.fields.includeUsage);
    EXPECT_EQ(r.fields.maxTokens.value_or(0), 7);
    EXPECT_EQ(r.fields.temperature, 0.0f);
    EXPECT_EQ(r.fields.topP, 0.5f);
    EXPECT_EQ(r.fields.seed.value_or(0), 42u);
    EXPECT_EQ(r.fields.presencePenalty, 1.5f);
    EXPECT_EQ(r.fields.frequencyPenalty, -1.0f);
    EXPECT_EQ(r.fields.stop, std::vector<std::string>{"\n"});
}

TEST(ServerRequest, nullFieldsCountAsAbsent)
{
    const ChatCompletionRequest r = parseChatCompletionRequest("{" + kHi + R"(,"max_tokens":null,"temperature":null,"stop":null,"seed":null})");
    EXPECT_FALSE(r.fields.maxTokens);
    EXPECT_EQ(r.fields.temperature, 1.0f);
    EXPECT_TRUE(r.fields.stop.empty());
    EXPECT_FALSE(r.fields.seed);
}

TEST(ServerRequest, stopTakesAStringOrAnArray)
{
    EXPECT_EQ(parseChatCompletionRequest("{" + kHi + R"(,"stop":["a","bc"]})").fields.stop, (std::vector<std::string>{"a", "bc"}));
    EXPECT_EQ(chatError("{" + kHi + R"(,"stop":[1]})").param(), "stop");
    EXPECT_EQ(chatError("{" + kHi + R"(,"stop":""})").param(), "stop");
    EXPECT_EQ(chatError("{" + kHi + R"(,"stop":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]})").param(), "stop");
}

TEST(ServerRequest, malformedJsonIsInvalidJson)
{
    for (const char* body : {"", "{", "{\"messages\": [", "[]", "42", "\"text\"", "{\"a\":1}x", "{\"messages\":\"\xff\"}"}) {
        const ApiError e = chatError(body);
        EXPECT_EQ(e.status(), 400) << body;
        EXPECT_EQ(e.code(), "invalid_json") << body;
        EXPECT_EQ(e.type(), "invalid_request_error") << body;
    }
}

TEST(ServerRequest, deepNestingAndValueBombsAreRefused)
{
    const std::string deep = "{\"messages\":" + std::string(100, '[') + std::string(100, ']') + "}";
    EXPECT_NE(std::string(chatError(deep).what()).find("nested more than"), std::string::npos);
    std::string wide = "{\"x\":[";
    for (std::size_t i = 0; i < kMaxRequestValues + 10; ++i) wide += "0,";
    wide += "0]}";
    EXPECT_NE(std::string(chatError(wide).what()).find("more than"), std::string::npos);
}

TEST(ServerRequest, wrongFieldTypesNameTheField)
{
    struct Case { const char* field; const char* value; };
    for (const Case c : {Case{"temperature", "\"hot\""}, Case{"temperature", "3"}, Case{"top_p", "0"}, Case{"top_p", "1.5"},
                         Case{"max_tokens", "0"}, Case{"max_tokens", "-5"}, Case{"max_tokens", "2.5"}, Case{"max_tokens", "\"9\""},
                         Case{"max_tokens", "18446744073709551615"}, Case{"seed", "\"s\""}, Case{"stream", "1"},
                         Case{"presence_penalty", "2.5"}, Case{"frequency_penalty", "-3"}, Case{"model", "5"},
                         Case{"stream_options", "true"}, Case{"n", "2"}}) {
        const ApiError e = chatError("{" + kHi + ",\"" + c.field + "\":" + c.value + "}");
        EXPECT_EQ(e.status(), 400) << c.field << "=" << c.value;
        EXPECT_EQ(e.param(), c.field) << c.field << "=" << c.value << ": " << e.what();
    }
}

TEST(ServerRequest, maxTokensAcceptsAWholeFloatAndTheNewName)
{
    EXPECT_EQ(parseChatCompletionRequest("{" + kHi + R"(,"max_tokens":5.0})").fields.maxTokens.value_or(0), 5);
    EXPECT_EQ(parseChatCompletionRequest("{" + kHi + R"(,"max_completion_tokens":9})").fields.maxTokens.value_or(0), 9);
}

TEST(ServerRequest, messagesAreRequiredAndChecked)
{
    EXPECT_EQ(chatError("{}").param(), "messages");
    EXPECT_EQ(chatError(R"({"messages":[]})").param(), "messages");
    EXPECT_EQ(chatError(R"({"messages":{}})").param(), "messages");
    const ApiError e = chatError(R"({"messages":[{"role":"wizard","content":"x"}]})");
    EXPECT_EQ(e.param(), "messages");
    EXPECT_NE(std::string(e.what()).find("wizard"), std::string::npos);
}

TEST(ServerRequest, completionPromptForms)
{
    EXPECT_EQ(parseTextCompletionRequest(R"({"prompt":"def f("})").prompt, "def f(");
    EXPECT_EQ(parseTextCompletionRequest(R"({"prompt":["def f("]})").prompt, "def f(");
    EXPECT_EQ(parseTextCompletionRequest(R"({"prompt":[1,2,3]})").promptTokens, (std::vector<std::int32_t>{1, 2, 3}));
    EXPECT_EQ(parseTextCompletionRequest(R"({"prompt":[[4,5]]})").promptTokens, (std::vector<std::int32_t>{4, 5}));
    const TextCompletionRequest fim = parseTextCompletionRequest(R"({"prompt":"a","suffix":"b","max_tokens":3})");
    EXPECT_EQ(fim.suffix.value_or(""), "b");
    EXPECT_EQ(textError("{}").param(), "prompt");
    EXPECT_EQ(textError(R"({"prompt":["a","b"]})").code(), "unsupported_value");
    EXPECT_EQ(textError(R"({"prompt":[-1]})").param(), "prompt");
    EXPECT_EQ(textError(R"({"prompt":[]})").param(), "prompt");
    EXPECT_EQ(textError(R"({"prompt":7})").param(), "prompt");
    EXPECT_EQ(textError(R"({"prompt":"a","suffix":3})").param(), "suffix");
    EXPECT_EQ(textError(R"({"prompt":[1],"suffix":"b"})").param(), "suffix");
    EXPECT_EQ(textError(R"({"prompt":"a","echo":true})").param(), "echo");
}

TEST(ServerErrors, bodyHasOpenAiShapeWithNulls)
{
    const json withAll = json::parse(ApiError::badRequest("bad", "temperature", "invalid_type").body());
    EXPECT_EQ(withAll, json::parse(R"({"error":{"message":"bad","type":"invalid_request_error","param":"temperature","code":"invalid_type"}})"));
    const json bare = json::parse(ApiError(401, "no key", "authentication_error").body());
    EXPECT_TRUE(bare["error"]["param"].is_null());
    EXPECT_TRUE(bare["error"]["code"].is_null());
    EXPECT_EQ(bare["error"]["type"], "authentication_error");
}

TEST(ServerErrors, invalidUtf8InAMessageDoesNotThrow)
{
    EXPECT_NO_THROW(json::parse(ApiError::badRequest("field \xff\xfe", "x").body()));
}

TEST(ServerResponses, chatResponseAndChunksHaveOpenAiShapes)
{
    const ResponseIds ids{Endpoint::Chat, "chatcmpl-1", 1700000000, "tiny"};
    const json r = json::parse(completionResponse(ids, "hello", "stop", {5, 2}));
    EXPECT_EQ(r["object"], "chat.completion");
    EXPECT_EQ(r["choices"][0]["message"]["content"], "hello");
    EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(r["usage"]["total_tokens"], 7);

    const std::string first = streamChunk(ids, "", true, std::nullopt);
    ASSERT_EQ(first.rfind("data: ", 0), 0u);
    ASSERT_EQ(first.substr(first.size() - 2), "\n\n");
    const json c = json::parse(first.substr(6));
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    EXPECT_EQ(c["choices"][0]["delta"]["role"], "assistant");
    EXPECT_TRUE(c["choices"][0]["finish_reason"].is_null());
    const json last = json::parse(streamChunk(ids, "", false, std::string("length")).substr(6));
    EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
    EXPECT_TRUE(last["choices"][0]["delta"].empty());
    const json usage = json::parse(streamUsageChunk(ids, {3, 4}).substr(6));
    EXPECT_TRUE(usage["choices"].empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"], 4);
}

TEST(ServerResponses, textCompletionShapes)
{
    const ResponseIds ids{Endpoint::Text, "cmpl-1", 1, "tiny"};
    const json r = json::parse(completionResponse(ids, "x = 1", "length", {1, 1}));
    EXPECT_EQ(r["object"], "text_completion");
    EXPECT_EQ(r["choices"][0]["text"], "x = 1");
    EXPECT_EQ(json::parse(streamChunk(ids, "y", false, std::nullopt).substr(6))["choices"][0]["text"], "y");
    EXPECT_EQ(json::parse(modelList("tiny", 1))["data"][0]["id"], "tiny");
}

TEST(ServerResponses, textCutMidCharacterIsReplacedNotThrown)
{
    const ResponseIds ids{Endpoint::Text, "cmpl-1", 1, "tiny"};
    EXPECT_NO_THROW(json::parse(completionResponse(ids, "\xe2\x82", "length", {1, 1})));
}

TEST(ServerAccess, loopbackHosts)
{
    for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) EXPECT_TRUE(isLoopbackHost(h)) << h;
    for (const char* h : {"0.0.0.0", "::", "192.168.1.2", "example.com", "localhost.evil.com", ""}) EXPECT_FALSE(isLoopbackHost(h)) << h;
}
