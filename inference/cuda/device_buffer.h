// One device allocation owned by the CUDA backend. Allocation failure is a clear Resource error
// naming what did not fit and how much memory the GPU had left.
#pragma once

#include "inference/cuda/cuda_check.h"

#include <cstddef>
#include <string>
#include <utility>

namespace fathom::inference::cuda {

class DeviceBuffer final {
public:
    DeviceBuffer() = default;
    DeviceBuffer(std::size_t bytes, const std::string& what) { allocate(bytes, what); }
    ~DeviceBuffer() { release(); }
    DeviceBuffer(DeviceBuffer&& o) noexcept : m_p(std::exchange(o.m_p, nullptr)), m_bytes(std::exchange(o.m_bytes, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept
    {
        if (this != &o) {
            release();
            m_p = std::exchange(o.m_p, nullptr);
            m_bytes = std::exchange(o.m_bytes, 0);
        }
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void allocate(std::size_t bytes, const std::string& what)
    {
        release();
        if (bytes == 0)
            return;
        const cudaError_t e = cudaMalloc(&m_p, bytes);
        if (e != cudaSuccess) {
            cudaGetLastError();
            m_p = nullptr;
            std::size_t freeB = 0, totalB = 0;
            cudaMemGetInfo(&freeB, &totalB);
            throw Error(ErrorKind::Resource, "GPU out of memory: " + what + " needs " + std::to_string(bytes >> 20) +
                                                 " MiB but only " + std::to_string(freeB >> 20) + " of " +
                                                 std::to_string(totalB >> 20) + " MiB are free");
        }
        m_bytes = bytes;
    }
    void release()
    {
        if (m_p)
            cudaFree(m_p);
        m_p = nullptr;
        m_bytes = 0;
    }

    template <typename T = void>
    T* as() const { return static_cast<T*>(m_p); }
    std::size_t bytes() const { return m_bytes; }

private:
    void* m_p = nullptr;
    std::size_t m_bytes = 0;
};

}  // namespace fathom::inference::cuda
