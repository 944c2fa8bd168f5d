#include "storage/storage_worker.h"

#include <cstdio>

namespace fathom::storage {

namespace {

// A failed job must not take the worker thread (and every later write) down with it.
void report(const StorageWorker::ErrorCallback& onError, const Error& error)
{
    try {
        if (onError)
            onError(error);
        else
            std::fprintf(stderr, "fathom storage: %s\n", error.what());
    } catch (...) {
        std::fprintf(stderr, "fathom storage: an error callback threw while reporting: %s\n", error.what());
    }
}

}  // namespace

StorageWorker::StorageWorker(std::string path, DatabaseOptions options, OpenedCallback onOpened)
    : m_thread([this, path = std::move(path), options, onOpened = std::move(onOpened)]() mutable {
          run(std::move(path), options, std::move(onOpened));
      })
{
}

StorageWorker::~StorageWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void StorageWorker::post(Job job, ErrorCallback onError)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back({std::move(job), std::move(onError)});
    }
    m_wake.notify_one();
}

void StorageWorker::waitIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_queue.empty() && !m_busy; });
}

void StorageWorker::run(std::string path, DatabaseOptions options, OpenedCallback onOpened)
{
    std::unique_ptr<Database> db;
    std::unique_ptr<Error> openError;
    try {
        db = std::make_unique<Database>(path, options);
    } catch (const Error& e) {
        openError = std::make_unique<Error>(e);
    } catch (const std::exception& e) {
        openError = std::make_unique<Error>(ErrorKind::Internal, path + ": " + e.what());
    }
    if (onOpened)
        onOpened(db.get(), openError.get());

    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty())
            break;  // stopping, and everything queued has run
        Entry entry = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        try {
            if (!db)
                throw *openError;
            entry.job(*db);
        } catch (const Error& e) {
            report(entry.onError, e);
        } catch (const std::exception& e) {
            report(entry.onError, Error(ErrorKind::Internal, std::string("storage: ") + e.what()));
        }
        lock.lock();
        m_busy = false;
        if (m_queue.empty())
            m_idle.notify_all();
    }
    m_idle.notify_all();
}

}  // namespace fathom::storage
