#include "tests/storage/test_db.h"

#include <cstdlib>
#include <stdexcept>

namespace fathom::storage::test {

TempDir::TempDir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "fathom-storage-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a temporary folder");
    m_path = pattern;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

}  // namespace fathom::storage::test
