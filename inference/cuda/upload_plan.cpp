// The upload plan and its streaming (upload_plan.h).
#include "inference/cuda/upload_plan.h"

#include "base/error.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace fathom::inference::cuda {

namespace {

constexpr unsigned kMaxUploadThreads = 8;  // past ~8 packers the host link, not the CPU, is the limit

}  // namespace

// Rows [row0, row0+n) of a 2-D (or 1-D) tensor as bf16, converted if stored otherwise.
void rowsToBf16(const TensorView& t, std::int64_t row0, std::int64_t n, bf16* out)
{
    const std::int64_t cols = t.shape.size() >= 2 ? t.shape[1] : t.numel();
    const std::int64_t first = row0 * cols, count = n * cols;
    if (t.dtype == DType::BF16) {
        std::memcpy(out, t.data + first * 2, static_cast<std::size_t>(count) * 2);
        return;
    }
    std::vector<float> tmp(static_cast<std::size_t>(count));
    toFloat(t, first, count, tmp.data());
    fromFloat(DType::BF16, tmp.data(), count, reinterpret_cast<std::byte*>(out));
}

std::size_t Plan::tensor(const TensorView& t)
{
    const auto key = std::make_pair(static_cast<const void*>(t.data), t.nbytes);
    if (auto it = m_seen.find(key); it != m_seen.end())
        return it->second;
    const std::int64_t rows = t.shape.size() >= 2 ? t.shape[0] : 1;
    const std::size_t rowBytes = static_cast<std::size_t>(t.numel() / rows) * 2;
    const std::size_t at = reserve(rowBytes * rows);
    const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStaging / rowBytes));
    for (std::int64_t r = 0; r < rows; r += step) {
        const std::int64_t n = std::min(step, rows - r);
        add(at + r * rowBytes, n * rowBytes, [tp = &t, r, n](bf16* out) { rowsToBf16(*tp, r, n, out); });
    }
    m_seen[key] = at;
    return at;
}

std::size_t Plan::raw(const TensorView& t, std::size_t at)
{
    const auto key = std::make_pair(static_cast<const void*>(t.data), t.nbytes ^ 0x5a5a5a5aull);
    if (at == npos) {
        if (auto it = m_seen.find(key); it != m_seen.end())
            return it->second;
        at = reserve(t.nbytes);
        m_seen[key] = at;
    }
    for (std::size_t done = 0; done < t.nbytes; done += kStaging) {
        const std::size_t n = std::min(kStaging, t.nbytes - done);
        add(at + done, n, [src = t.data + done, n](bf16* out) { std::memcpy(out, src, n); });
    }
    return at;
}

bool Plan::seen(const char* kind, const TensorView& t, std::size_t& at)
{
    const auto key = std::make_pair(static_cast<const void*>(t.data), std::hash<std::string>()(kind) ^ t.nbytes);
    if (auto it = m_seen.find(key); it != m_seen.end()) {
        at = it->second;
        return true;
    }
    m_pending = key;
    return false;
}

// Several workers, each with two pinned buffers and its own stream: a worker packs pieces into one
// buffer while the other's copy runs. One thread packing from the page cache tops out near 5 GB/s
// (memcpy plus page faults), so the packing is spread over threads to feed the bus. The calling
// thread is worker 0 and the only one that reports progress (a callback may throw to cancel).
void streamUpload(const Plan& plan, std::byte* arena, const std::function<void(double)>& progress)
{
    const std::vector<Piece>& pieces = plan.pieces();
    const unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxUploadThreads);
    std::atomic<std::size_t> next{0}, doneBytes{0};
    std::atomic<bool> abort{false};
    std::mutex errorMutex;
    std::exception_ptr error;
    const double total = static_cast<double>(std::max<std::size_t>(plan.size(), 1));
    int device = 0;
    check(cudaGetDevice(&device), "reading the current GPU");

    auto work = [&](bool reports) {
        struct Staging {
            void* host = nullptr;
            cudaEvent_t done = nullptr;
        } st[2];
        cudaStream_t s = nullptr;
        auto cleanup = [&] {
            for (auto& b : st) {
                if (b.done)
                    cudaEventSynchronize(b.done), cudaEventDestroy(b.done);
                if (b.host)
                    cudaFreeHost(b.host);
            }
            if (s)
                cudaStreamDestroy(s);
        };
        try {
            check(cudaSetDevice(device), "selecting the GPU for an upload thread");
            check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "creating an upload stream");
            for (auto& b : st) {
                check(cudaHostAlloc(&b.host, kStaging, cudaHostAllocDefault), "allocating pinned staging memory");
                check(cudaEventCreateWithFlags(&b.done, cudaEventDisableTiming), "creating an upload event");
            }
            int cur = 0;
            std::size_t used = 0;
            auto flush = [&] {
                check(cudaEventRecord(st[cur].done, s), "recording an upload event");
                cur ^= 1;
                used = 0;
                check(cudaEventSynchronize(st[cur].done), "waiting for an upload");
            };
            for (std::size_t i; !abort && (i = next.fetch_add(1)) < pieces.size();) {
                const Piece& p = pieces[i];
                if (p.bytes > kStaging)
                    throwInternalError("weight upload: piece of " + std::to_string(p.bytes) + " bytes exceeds the staging buffer");
                if (used + p.bytes > kStaging)
                    flush();
                std::byte* h = static_cast<std::byte*>(st[cur].host) + used;
                p.produce(reinterpret_cast<bf16*>(h));
                check(cudaMemcpyAsync(arena + p.offset, h, p.bytes, cudaMemcpyHostToDevice, s), "copying weights to the GPU");
                used += (p.bytes + 15) & ~std::size_t(15);
                const std::size_t sofar = doneBytes += p.bytes;
                if (reports && progress)
                    progress(static_cast<double>(sofar) / total);
            }
            check(cudaStreamSynchronize(s), "uploading weights");
        } catch (...) {
            abort = true;
            std::lock_guard lock(errorMutex);
            if (!error)
                error = std::current_exception();
        }
        cleanup();
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t)
        threads.emplace_back(work, false);
    work(true);
    for (std::thread& t : threads)
        t.join();
    if (error)
        std::rethrow_exception(error);
}


}  // namespace fathom::inference::cuda
