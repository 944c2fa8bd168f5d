// Runs storage work on its own thread so the GUI thread never waits for the disk: the database
// is opened on that thread, jobs run there one after another (FIFO), and results come back
// through callbacks called on the worker thread. Qt-free; the app's wrapper re-posts the callbacks
// to the GUI thread (QMetaObject::invokeMethod, queued).
#pragma once

#include "base/error.h"
#include "storage/database.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace fathom::storage {

class StorageWorker final {
public:
    using Job = std::function<void(Database& db)>;
    using ErrorCallback = std::function<void(const Error& error)>;
    // Called on the worker thread once the database is open (or failed to open: `error` set).
    using OpenedCallback = std::function<void(const Database* db, const Error* error)>;

    explicit StorageWorker(std::string path, DatabaseOptions options = {}, OpenedCallback onOpened = {});
    ~StorageWorker();  // runs the jobs already queued, then closes the database
    StorageWorker(const StorageWorker&) = delete;
    StorageWorker& operator=(const StorageWorker&) = delete;

    // Queues a job. If it throws (or the database could not be opened), onError gets the error;
    // anything else thrown becomes an Internal error. Never blocks on the disk.
    void post(Job job, ErrorCallback onError = {});

    // Queues a job with a result: onResult(job(db)) on the worker thread.
    template <class F, class OnResult>
    void submit(F job, OnResult onResult, ErrorCallback onError = {})
    {
        post([job = std::move(job), onResult = std::move(onResult)](Database& db) mutable { onResult(job(db)); },
             std::move(onError));
    }

    // Blocks until every job queued before this call has run. For shutdown and tests only —
    // never call it on the GUI thread.
    void waitIdle();

private:
    struct Entry {
        Job job;
        ErrorCallback onError;
    };
    void run(std::string path, DatabaseOptions options, OpenedCallback onOpened);

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<Entry> m_queue;
    bool m_busy = false;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace fathom::storage
