// ThreadPool: workers sleep on a condition variable between jobs (no spinning: CI shares 2 cores).
#include "inference/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace fathom::inference::cpu {

namespace {
thread_local bool t_insideChunk = false;
thread_local int t_slot = 0;  // the slot of the chunk this thread is running
}

struct ThreadPool::Job {
    const Body* fn = nullptr;
    std::int64_t n = 0;
    std::int64_t grain = 1;
    std::atomic<std::int64_t> next{0};
    std::mutex errorMutex;
    std::exception_ptr error;
};

int hardwareThreadLimit()
{
    return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(kMaxCpuThreads)));
}

int effectiveThreadCount(int requested)
{
    const int limit = hardwareThreadLimit();
    return requested <= 0 ? limit : std::min(requested, limit);
}

ThreadPool::ThreadPool(int requested)
{
    const int threads = effectiveThreadCount(requested);
    for (int i = 1; i < threads; ++i)
        m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_workers)
        t.join();
}

void ThreadPool::runChunks(Job& job, int slot)
{
    t_insideChunk = true;
    t_slot = slot;
    for (;;) {
        const std::int64_t begin = job.next.fetch_add(job.grain);
        if (begin >= job.n)
            break;
        const std::int64_t end = std::min(job.n, begin + job.grain);
        try {
            (*job.fn)(begin, end, slot);
        } catch (...) {
            std::lock_guard lock(job.errorMutex);
            if (!job.error)
                job.error = std::current_exception();
            job.next.store(job.n);  // stop handing out chunks
        }
    }
    t_insideChunk = false;
}

void ThreadPool::workerLoop(int slot)
{
    std::uint64_t seen = 0;
    for (;;) {
        Job* job = nullptr;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
                return;
            seen = m_generation;
            job = m_job;
        }
        runChunks(*job, slot);
        {
            std::lock_guard lock(m_mutex);
            if (--m_busy == 0)
                m_done.notify_one();
        }
    }
}

void ThreadPool::parallelFor(std::int64_t n, const Body& fn, std::int64_t grain)
{
    if (n <= 0)
        return;
    if (grain <= 0)
        grain = std::max<std::int64_t>(1, n / (4 * size()));
    if (m_workers.empty() || t_insideChunk || n <= grain) {
        const int slot = t_insideChunk ? t_slot : 0;
        for (std::int64_t b = 0; b < n; b += grain)
            fn(b, std::min(n, b + grain), slot);
        return;
    }
    std::lock_guard call(m_callMutex);
    Job job;
    job.fn = &fn;
    job.n = n;
    job.grain = grain;
    {
        std::lock_guard lock(m_mutex);
        m_job = &job;
        m_busy = static_cast<int>(m_workers.size());
        ++m_generation;
    }
    m_wake.notify_all();
    runChunks(job, 0);
    {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [&] { return m_busy == 0; });
        m_job = nullptr;
    }
    if (job.error)
        std::rethrow_exception(job.error);
}

}  // namespace fathom::inference::cpu
