// Maps a safetensors file read-only (weights are never copied on the host) and hands the bytes to
// the layout parser; see safetensors.h.
#include "inference/model/safetensors.h"

#include "base/error.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fathom::inference {

namespace {

// Closes the descriptor on every path out of the constructor; the mapping outlives it.
struct Fd {
    int fd;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : m_path(path)
{
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0)
        throwFileError(path, errno == ENOENT ? "file not found" : std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(f.fd, &st) != 0)
        throwFileError(path, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throwFileError(path, "not a regular file");
    m_size = static_cast<std::size_t>(st.st_size);
    if (m_size < 8)  // mmap of an empty file fails; let the parser give the real reason
        parseSafetensors(nullptr, m_size, path);
    m_map = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (m_map == MAP_FAILED) {
        m_map = nullptr;
        throwFileError(path, std::string("cannot memory-map ") + std::to_string(m_size) + " bytes: " +
                                 std::strerror(errno));
    }
    try {
        m_layout = parseSafetensors(static_cast<const std::byte*>(m_map), m_size, path);
        // The mapping is page-aligned, so a view is misaligned exactly when its file offset is.
        // Kernels and the CPU ops read elements in place, so give those tensors aligned copies
        // (new[] aligns to at least 16 bytes); the cost is their size in host memory, once.
        for (TensorView& t : m_layout.tensors) {
            if (t.nbytes == 0 || reinterpret_cast<std::uintptr_t>(t.data) % dtypeSize(t.dtype) == 0)
                continue;
            std::unique_ptr<std::byte[]> copy(new std::byte[t.nbytes]);  // no zeroing: overwritten at once
            std::memcpy(copy.get(), t.data, t.nbytes);
            t.data = copy.get();
            m_realignedBytes += t.nbytes;
            m_realigned.push_back(std::move(copy));
        }
    } catch (...) {
        ::munmap(m_map, m_size);
        m_map = nullptr;
        throw;
    }
}

SafetensorsFile::~SafetensorsFile()
{
    if (m_map)
        ::munmap(m_map, m_size);
}

}  // namespace fathom::inference
