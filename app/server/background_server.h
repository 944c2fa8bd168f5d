// The server of `fathom-cli serve` run beside an app that owns the engine (the GUI's "Local API
// server" setting): binds at construction, serves on its own thread, and stops and joins in its
// destructor, which its owner runs before the engine goes. Loopback only, no key. Qt-free.
#pragma once

#include "app/server/api_server.h"
#include "app/server/served_model.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace fathom::server {

class BackgroundServer final {
public:
    // Throws fathom::Error naming the problem (a port in use, an unreadable tokenizer).
    BackgroundServer(inference::Engine& engine, const std::string& modelDir, int port);
    ~BackgroundServer();  // cancels its requests, stops listening, joins

    int port() const { return m_port; }
    const std::string& modelId() const { return m_model.id(); }

private:
    ServedModel m_model;
    ApiServer m_server;
    int m_port = 0;
    std::atomic<bool> m_ended{false};
    std::thread m_thread;  // last: starts after everything above exists
};

}  // namespace fathom::server
