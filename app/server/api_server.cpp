// Routes, access checks and the two ways an answer goes out: whole (wait for the job) or streamed
// (a chunked text/event-stream whose provider runs on the connection's pool thread and pulls the
// job's text). A failed write means the client left: its job is cancelled, the engine ends it
// within one decode step, and nobody else's request notices.
#include "app/server/api_server.h"

#include "app/server/api_error.h"
#include "app/server/completion_job.h"
#include "app/server/request_parser.h"
#include "base/error.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>

namespace fathom::server {

namespace {

using Clock = std::chrono::steady_clock;

void sendError(httplib::Response& res, const ApiError& e)
{
    res.status = e.status();
    res.set_content(e.body(), "application/json");
}

std::string hostName(const std::string& hostHeader)
{
    if (!hostHeader.empty() && hostHeader.front() == '[') {
        const auto end = hostHeader.find(']');
        return end == std::string::npos ? hostHeader : hostHeader.substr(1, end - 1);
    }
    const auto colon = hostHeader.find(':');
    return colon == std::string::npos ? hostHeader : hostHeader.substr(0, colon);
}

// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool sameSecret(const std::string& a, const std::string& b)
{
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
}

std::string statusText(int status)
{
    switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 405: return "invalid_request_error";
    case 413: return "invalid_request_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool isLoopbackHost(const std::string& host)
{
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

ApiServer::ApiServer(inference::Engine& engine, const ServedModel& model, ServerOptions options)
    : m_engine(engine), m_model(model), m_options(std::move(options)), m_http(std::make_unique<httplib::Server>()),
      m_created(unixNow())
{
    if (!isLoopbackHost(m_options.host) && m_options.apiKey.empty())
        throwUserError("refusing to serve on '" + m_options.host +
                       "' without --api-key: anyone who can reach that address could use the model; pass --api-key KEY "
                       "(clients then send 'Authorization: Bearer KEY') or bind a loopback address such as 127.0.0.1");
    httplib::Server& http = *m_http;
    const int threads = std::max(4, m_options.threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(std::size_t(threads)); };
    http.set_payload_max_length(m_options.maxBodyBytes);
    http.set_keep_alive_max_count(100);
    // An idle keep-alive connection holds a pool thread (and delays shutdown) this long.
    http.set_keep_alive_timeout(2);
    // Streams may wait a long time for their turn; keep-alive comments keep the write side busy, and
    // a slow reader gets this long to take a chunk before it counts as gone.
    http.set_write_timeout(30, 0);
    http.set_read_timeout(10, 0);

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        addCors(res);
        if (req.method == "OPTIONS" && !m_options.corsOrigin.empty()) {
            res.status = 204;  // CORS preflight: browsers send it without credentials
            return httplib::Server::HandlerResponse::Handled;
        }
        return checkAccess(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.is_chunked_content_provider_) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        if (res.status == 404) message = "Unknown route " + req.method + " " + req.path + " (this server has GET /v1/models, POST /v1/chat/completions and POST /v1/completions)";
        else if (res.status == 413) message = "The request body is larger than this server's limit of " + std::to_string(kMaxRequestBytes >> 20) + " MiB";
        else message = "The request could not be handled (HTTP " + std::to_string(res.status) + ")";
        sendError(res, ApiError(res.status, message, statusText(res.status), {}, res.status == 413 ? "request_too_large" : ""));
        return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        std::fprintf(stderr, "fathom-cli serve: internal error: %s\n", what.c_str());
        sendError(res, ApiError(500, "Internal server error: " + what, "server_error"));
    });

    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(modelList(m_model.id(), m_created), "application/json");
    });
    http.Get("/v1/models/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
        if (req.matches[1] != m_model.id())
            return sendError(res, ApiError(404, "The model '" + std::string(req.matches[1]) + "' does not exist here; this server serves '" + m_model.id() + "'",
                                           "invalid_request_error", "model", "model_not_found"));
        res.set_content(modelObject(m_model.id(), m_created), "application/json");
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { handleChat(req, res); });
    http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { handleText(req, res); });

    // A known route with the wrong method is a 405 naming the right one.
    struct Route { const char* path; const char* allowed; };
    for (const Route route : {Route{"/v1/models", "GET"}, Route{"/v1/chat/completions", "POST"}, Route{"/v1/completions", "POST"}}) {
        auto notAllowed = [route](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Allow", route.allowed);
            sendError(res, ApiError(405, std::string("Method ") + req.method + " is not allowed on " + route.path + "; use " + route.allowed,
                                    "invalid_request_error", {}, "method_not_allowed"));
        };
        const std::string path = route.path;
        if (std::string(route.allowed) == "GET") http.Post(path, notAllowed);
        else http.Get(path, notAllowed);
        http.Put(path, notAllowed);
        http.Delete(path, notAllowed);
        http.Patch(path, notAllowed);
        http.Options(path, notAllowed);
    }
}

ApiServer::~ApiServer()
{
    shutdown();
}

int ApiServer::bind()
{
    const int port = m_options.port == 0 ? m_http->bind_to_any_port(m_options.host)
                                         : (m_http->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1);
    if (port <= 0)
        throwUserError("cannot listen on " + m_options.host + ":" + std::to_string(m_options.port) +
                       " (is the port in use, or the address not one of this machine's?)");
    return port;
}

void ApiServer::run()
{
    m_http->listen_after_bind();
}

void ApiServer::shutdown()
{
    m_stopping = true;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& job : m_jobs) job->cancel();
    }
    m_http->stop();
}

void ApiServer::addCors(httplib::Response& res) const
{
    if (m_options.corsOrigin.empty()) return;
    res.set_header("Access-Control-Allow-Origin", m_options.corsOrigin);
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
    if (m_options.corsOrigin != "*") res.set_header("Vary", "Origin");
}

bool ApiServer::checkAccess(const httplib::Request& req, httplib::Response& res) const
{
    // DNS rebinding: a web page's script reaching 127.0.0.1 through a name of its own sends that name
    // as Host. A loopback-bound server answers only loopback names.
    if (isLoopbackHost(m_options.host) && req.has_header("Host")) {
        const std::string host = hostName(req.get_header_value("Host"));
        if (!isLoopbackHost(host) && host != m_options.host) {
            sendError(res, ApiError(403, "Host '" + host + "' is not allowed: this server listens on loopback and answers only "
                                         "localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding)",
                                    "permission_error", {}, "invalid_host"));
            return false;
        }
    }
    if (m_options.apiKey.empty()) return true;
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) != 0 || !sameSecret(auth.substr(prefix.size()), m_options.apiKey)) {
        res.set_header("WWW-Authenticate", "Bearer");
        sendError(res, ApiError(401, auth.empty() ? "You didn't provide an API key: send 'Authorization: Bearer KEY' with the key this server was started with (--api-key)"
                                                  : "Incorrect API key provided",
                                "authentication_error", {}, "invalid_api_key"));
        return false;
    }
    return true;
}

void ApiServer::handleChat(const httplib::Request& req, httplib::Response& res)
{
    try {
        const ChatCompletionRequest parsed = parseChatCompletionRequest(req.body);
        ResponseIds ids{Endpoint::Chat, "chatcmpl-" + std::to_string(m_nextRequest++), unixNow(), m_model.id()};
        generate(m_model.build(parsed), ids, parsed.fields.stream, parsed.fields.includeUsage, false, res);
    } catch (const ApiError& e) {
        sendError(res, e);
    }
}

void ApiServer::handleText(const httplib::Request& req, httplib::Response& res)
{
    try {
        const TextCompletionRequest parsed = parseTextCompletionRequest(req.body);
        ResponseIds ids{Endpoint::Text, "cmpl-" + std::to_string(m_nextRequest++), unixNow(), m_model.id()};
        generate(m_model.build(parsed), ids, parsed.fields.stream, parsed.fields.includeUsage, parsed.suffix.has_value(), res);
    } catch (const ApiError& e) {
        sendError(res, e);
    }
}

void ApiServer::track(const std::shared_ptr<CompletionJob>& job)
{
    std::lock_guard lock(m_mutex);
    if (m_stopping) throw ApiError(503, "The server is shutting down", "server_error", {}, "server_shutting_down");
    if (int(m_jobs.size()) >= m_options.maxJobs)
        throw ApiError(503, "The server has " + std::to_string(m_jobs.size()) + " requests queued or running, its limit; retry later",
                       "server_error", {}, "queue_full");
    m_jobs.insert(job);
}

void ApiServer::untrack(const std::shared_ptr<CompletionJob>& job)
{
    std::lock_guard lock(m_mutex);
    m_jobs.erase(job);
}

void ApiServer::generate(inference::Request request, const ResponseIds& ids, bool stream, bool includeUsage, bool endsAtSpecial,
                         httplib::Response& res)
{
    std::function<bool(std::int32_t)> endsAt;
    if (endsAtSpecial) endsAt = [model = &m_model](std::int32_t t) { return model->isSpecial(t); };
    auto job = std::make_shared<CompletionJob>(m_engine, std::move(endsAt));
    track(job);
    try {
        job->start(std::move(request));
    } catch (const std::exception& e) {
        untrack(job);
        throw ApiError(500, std::string("The engine refused the request: ") + e.what(), "server_error");
    }

    if (!stream) {
        const auto [text, outcome] = job->wait();
        untrack(job);
        if (outcome.finishReason == "error") throw ApiError(500, "Generation failed: " + outcome.error, "server_error");
        if (outcome.finishReason == "cancelled") throw ApiError(503, "The request was cancelled: the server is shutting down", "server_error", {}, "server_shutting_down");
        res.set_content(completionResponse(ids, text, outcome.finishReason, outcome.usage), "application/json");
        return;
    }

    struct StreamState {
        bool first = true;
        Clock::time_point lastWrite = Clock::now();
    };
    auto state = std::make_shared<StreamState>();
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, job, ids, includeUsage, state](std::size_t, httplib::DataSink& sink) {
            const CompletionJob::Update u = job->next(std::chrono::milliseconds(200));
            std::string out;
            if (state->first && ids.endpoint == Endpoint::Chat) out += streamChunk(ids, "", true, std::nullopt);
            state->first = false;
            if (!u.text.empty()) out += streamChunk(ids, u.text, false, std::nullopt);
            if (u.outcome) {
                if (u.outcome->finishReason == "error")
                    out += streamErrorEvent(ApiError(500, "Generation failed: " + u.outcome->error, "server_error").body());
                else if (u.outcome->finishReason == "cancelled")
                    out += streamErrorEvent(ApiError(503, "The request was cancelled: the server is shutting down", "server_error", {}, "server_shutting_down").body());
                else
                    out += streamChunk(ids, "", false, u.outcome->finishReason);
                if (includeUsage) out += streamUsageChunk(ids, u.outcome->usage);
                out += kStreamDone;
                sink.write(out.data(), out.size());
                sink.done();
                return true;
            }
            // While the request waits its turn (or a long prefill runs) a comment line every second
            // keeps proxies from timing out and finds a client that has gone; clients skip comments.
            if (out.empty() && Clock::now() - state->lastWrite > std::chrono::seconds(1)) out = ": keep-alive\n\n";
            if (out.empty()) return true;
            state->lastWrite = Clock::now();
            if (!sink.is_writable() || !sink.write(out.data(), out.size())) {
                std::fprintf(stderr, "fathom-cli serve: %s cancelled: the client disconnected\n", ids.id.c_str());
                return false;  // the releaser below cancels the job
            }
            return true;
        },
        [this, job](bool success) {
            if (!success) job->cancel();
            job->wait();  // the engine's last event for it has come: the sink may go
            untrack(job);
        });
}

}  // namespace fathom::server
