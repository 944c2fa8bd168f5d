// The HTTP side of `fathom-cli serve`: an OpenAI-compatible API (GET /v1/models, POST
// /v1/chat/completions, POST /v1/completions) over one loaded inference::Engine, on cpp-httplib
// (Qt HttpServer 6.4, Debian 12's, has no chunked responses for SSE and no body limit). Each
// connection is served on a pool thread; generation goes through Engine::submit, so requests wait in
// the engine's queue (fill-in-the-middle first) like the app's own. Qt-free.
#pragma once

#include "app/server/openai_json.h"
#include "app/server/served_model.h"
#include "inference/engine/engine.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace fathom::server {

class CompletionJob;

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                  // 0: any free port (bind() says which)
    std::string apiKey;               // "" = none; then only loopback hosts may be bound
    std::string corsOrigin;           // "" = no CORS headers at all
    std::size_t maxBodyBytes = 8u << 20;
    int maxJobs = 64;                 // generation requests queued or running; more get 503
    int threads = 128;                // connections served at once; more wait for a thread
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackHost(const std::string& host);

class ApiServer final {
public:
    // Throws fathom::Error(UserInput) for a non-loopback host without an API key.
    ApiServer(inference::Engine& engine, const ServedModel& model, ServerOptions options);
    ~ApiServer();

    // Binds the port; returns it. Throws fathom::Error(UserInput) naming host:port when it cannot.
    int bind();
    // Serves until shutdown(); then returns once every connection has ended.
    void run();
    // Thread-safe (a signal thread calls it): cancels running generations, stops listening.
    void shutdown();

private:
    bool checkAccess(const httplib::Request& req, httplib::Response& res) const;
    void addCors(httplib::Response& res) const;
    void handleChat(const httplib::Request& req, httplib::Response& res);
    void handleText(const httplib::Request& req, httplib::Response& res);
    void generate(inference::Request request, const ResponseIds& ids, bool stream, bool includeUsage,
                  bool endsAtSpecial, httplib::Response& res);
    void track(const std::shared_ptr<CompletionJob>& job);
    void untrack(const std::shared_ptr<CompletionJob>& job);

    inference::Engine& m_engine;
    const ServedModel& m_model;
    ServerOptions m_options;
    std::unique_ptr<httplib::Server> m_http;
    std::int64_t m_created = 0;

    std::mutex m_mutex;
    std::set<std::shared_ptr<CompletionJob>> m_jobs;  // queued or running
    std::atomic<bool> m_stopping{false};
    std::atomic<std::uint64_t> m_nextRequest{1};
};

}  // namespace fathom::server
