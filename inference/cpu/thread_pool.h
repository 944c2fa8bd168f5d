// A fixed pool of worker threads for the CPU backend's data-parallel ops: parallelFor splits an index
// range into chunks that the caller and the workers take from a shared counter, so a descheduled
// thread on a busy machine does not hold everyone else up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fathom::inference::cpu {

// The most threads a pool ever runs, whatever is asked or the hardware reports (docs/RELIABILITY.md):
// a typo like --threads 100000 must not start tens of thousands of threads and exhaust the user's
// process limit. The CLI refuses larger values; settings and APIs are clamped.
constexpr int kMaxCpuThreads = 256;

// The hardware's thread count (at least 1), capped at kMaxCpuThreads: the useful maximum, which the
// settings dialog offers.
int hardwareThreadLimit();

// What a pool asked for `requested` threads runs: requested <= 0 means all of hardwareThreadLimit(),
// more than that is clamped to it (oversubscribing the cores only adds contention).
int effectiveThreadCount(int requested);

class ThreadPool final {
public:
    // effectiveThreadCount(threads) threads; the calling thread counts as one of them.
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(m_workers.size()) + 1; }

    // fn(begin, end, slot) over [0, n) in chunks of `grain` (0 = about four chunks per thread);
    // slot in [0, size()) is unique among concurrently running chunks (for per-thread scratch).
    // Returns when every chunk has run; rethrows the first exception a chunk threw. One caller at
    // a time; a call from inside a chunk runs serially on that thread.
    using Body = std::function<void(std::int64_t begin, std::int64_t end, int slot)>;
    void parallelFor(std::int64_t n, const Body& fn, std::int64_t grain = 0);

private:
    struct Job;
    void workerLoop(int slot);
    void runChunks(Job& job, int slot);

    std::vector<std::thread> m_workers;
    std::mutex m_callMutex;  // serialises parallelFor callers
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    Job* m_job = nullptr;
    std::uint64_t m_generation = 0;
    int m_busy = 0;  // workers still inside the current job
    bool m_stop = false;
};

}  // namespace fathom::inference::cpu
