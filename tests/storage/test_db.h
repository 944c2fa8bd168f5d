// A fresh database file in a private temporary folder, removed when the test ends.
#pragma once

#include <filesystem>
#include <string>

namespace fathom::storage::test {

class TempDir final {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (m_path / name).string(); }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

}  // namespace fathom::storage::test
