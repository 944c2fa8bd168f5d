// Maps a GGUF file read-only (weights are never copied on the host) and validates it; see gguf_file.h.
#include "inference/model/gguf_file.h"

#include "base/error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fathom::inference {

namespace {

struct Fd {
    int fd;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

}  // namespace

bool isGgufPath(const std::string& path)
{
    if (path.size() < 5)
        return false;
    std::string ext = path.substr(path.size() - 5);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".gguf")
        return true;
    // Ollama keeps GGUF models as blobs/sha256-<hex>, without an extension: a regular file that
    // starts with the GGUF magic is one too (folders and other files are not opened past 4 bytes).
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    const Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    char magic[4] = {};
    return f.fd >= 0 && ::read(f.fd, magic, 4) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

GgufFile::GgufFile(const std::string& path) : m_path(path)
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
    if (m_size == 0)  // mmap of an empty file fails; let the parser give the real reason
        m_layout = parseGguf(nullptr, 0, path);
    m_map = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, f.fd, 0);
    if (m_map == MAP_FAILED) {
        m_map = nullptr;
        throwFileError(path, std::string("cannot memory-map ") + std::to_string(m_size) + " bytes: " + std::strerror(errno));
    }
    try {
        m_layout = parseGguf(static_cast<const std::byte*>(m_map), m_size, path);
    } catch (...) {
        ::munmap(m_map, m_size);
        m_map = nullptr;
        throw;
    }
}

GgufFile::~GgufFile()
{
    if (m_map)
        ::munmap(m_map, m_size);
}

}  // namespace fathom::inference
