// `fathom-cli serve`: the OpenAI-compatible local server (docs/server.md) over one loaded engine.
// SIGINT / SIGTERM are taken by a thread of their own (sigwait), which cancels the running
// generations and stops the listener; main then returns normally, so the engine shuts down in order.
#include "app/cli/commands.h"

#include "app/cli/model_option.h"
#include "app/server/api_server.h"
#include "app/server/served_model.h"
#include "base/error.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <pthread.h>
#include <thread>

namespace fathom::cli {

namespace {

// The id clients name in "model": a hub cache snapshot (…/models--ORG--NAME/snapshots/REV) is
// ORG/NAME, as other local servers call it; anything else the engine's own name (folder or file stem).
std::string modelId(const std::string& dir, const std::string& engineName)
{
    for (std::filesystem::path p = std::filesystem::path(dir).lexically_normal(); !p.empty() && p != p.root_path();
         p = p.parent_path()) {
        const std::string part = p.filename().string();
        if (part.rfind("models--", 0) == 0) {
            std::string id = part.substr(8);
            const auto sep = id.find("--");
            if (sep != std::string::npos) id.replace(sep, 2, "/");
            return id;
        }
    }
    return engineName;
}

}  // namespace

int runServe(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {},
                       {"model", "host", "port", "api-key", "cors-origin", "backend", "threads", "context", "max-queue",
                        "gpu-memory-limit", "weights"});
    server::ServerOptions options;
    options.host = args.get("host", "127.0.0.1");
    options.port = static_cast<int>(args.getInt("port", 8080, 0, 65535));
    options.apiKey = args.get("api-key", "");
    options.corsOrigin = args.get("cors-origin", "");
    options.maxJobs = static_cast<int>(args.getInt("max-queue", 64, 1, 4096));
    if (args.has("api-key") && options.apiKey.empty()) throwUserError("--api-key must not be empty");
    if (!server::isLoopbackHost(options.host) && options.apiKey.empty())
        throwUserError("refusing to listen on '" + options.host +
                       "' without --api-key: every machine that can reach it could use the model. Pass --api-key KEY "
                       "(clients send 'Authorization: Bearer KEY') or keep the default --host 127.0.0.1");

    inference::EngineOptions engineOptions;
    engineOptions.backend = backend(args);
    engineOptions.threads = threadsOption(args);
    engineOptions.contextLength = args.getInt("context", 4096, 1, kMaxContextOption);
    engineOptions.gpuMemoryLimitBytes = gpuMemoryLimitOption(args);
    engineOptions.weights = inference::parseWeightFormat(args.get("weights", "bf16"));
    const std::string dir = modelDir(args);

    // Block the signals before any thread starts, so every thread inherits the mask and only the
    // waiter below receives them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that left is a failed write, not the end of the server

    const auto engine = inference::Engine::load(dir, engineOptions);
    const server::ServedModel model(dir, modelId(dir, engine->info().name), engine->info().contextLength);
    server::ApiServer server(*engine, model, options);
    const int port = server.bind();
    std::fprintf(stderr, "fathom-cli serve: %s (%s, context %lld) on http://%s:%d/v1%s\n", model.id().c_str(),
                 engine->info().backendName.c_str(), static_cast<long long>(model.contextLength()),
                 options.host.find(':') != std::string::npos ? ("[" + options.host + "]").c_str() : options.host.c_str(), port,
                 options.apiKey.empty() ? "" : " (API key required)");
    std::fflush(stderr);

    std::atomic<bool> finished{false};
    std::thread waiter([&] {
        int sig = 0;
        sigwait(&stopSignals, &sig);
        if (!finished) {
            std::fprintf(stderr, "fathom-cli serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
            server.shutdown();
        }
    });
    server.run();
    // run() also ends if listening fails: wake the waiter so it can be joined.
    finished = true;
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    std::fprintf(stderr, "fathom-cli serve: stopped\n");
    return 0;
}

}  // namespace fathom::cli
