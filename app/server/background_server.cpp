#include "app/server/background_server.h"

#include <chrono>
#include <csignal>
#include <filesystem>

namespace fathom::server {

namespace {

ServerOptions loopback(int port)
{
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    return o;
}

}  // namespace

BackgroundServer::BackgroundServer(inference::Engine& engine, const std::string& modelDir, int port)
    : m_model(modelDir, engine.info().name, engine.info().contextLength), m_server(engine, m_model, loopback(port))
{
    std::signal(SIGPIPE, SIG_IGN);  // a client that left is a failed write, not the end of the app
    m_port = m_server.bind();
    m_thread = std::thread([this] {
        m_server.run();
        m_ended = true;
    });
}

BackgroundServer::~BackgroundServer()
{
    // A stop that lands before the thread has begun to listen would be lost: repeat it until run()
    // has returned.
    while (!m_ended) {
        m_server.shutdown();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_thread.join();
}

}  // namespace fathom::server
