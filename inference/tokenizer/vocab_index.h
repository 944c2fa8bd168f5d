// Token text -> id for a vocab of ~100k entries: an open-addressing table of ids whose keys are
// the strings the vocab already stores (id -> text), so loading makes no per-token allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

class VocabIndex final {
public:
    // `texts` (id -> token text, "" for unused ids) must outlive the index and not change.
    void build(const std::vector<std::string>& texts);
    std::optional<std::int32_t> find(std::string_view text) const;

private:
    static std::size_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

    const std::vector<std::string>* m_texts = nullptr;
    std::vector<std::int32_t> m_slots;  // id, or -1 for an empty slot
    std::size_t m_mask = 0;
};

}  // namespace fathom::inference
