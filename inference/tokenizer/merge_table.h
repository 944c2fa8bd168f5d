// BPE merge lookup: (left id, right id) -> (rank, merged id) in an open-addressing hash table,
// the hot inner lookup of encoding (one probe per adjacent pair per merge step).
#pragma once

#include <cstdint>
#include <vector>

namespace fathom::inference {

class MergeTable final {
public:
    struct Entry {
        std::uint64_t key = kEmpty;  // (left << 32) | right
        std::uint32_t rank = 0;      // position in the merges list: lower merges first
        std::int32_t merged = -1;    // id of left+right
    };

    void reserve(std::size_t count);
    // A later insert of the same pair replaces the earlier one, as HF's HashMap collect() does.
    void insert(std::int32_t left, std::int32_t right, std::uint32_t rank, std::int32_t merged);
    // nullptr when the pair has no merge.
    const Entry* find(std::int32_t left, std::int32_t right) const
    {
        if (m_slots.empty())
            return nullptr;
        const std::uint64_t key = makeKey(left, right);
        for (std::size_t i = hash(key) & m_mask;; i = (i + 1) & m_mask) {
            const Entry& e = m_slots[i];
            if (e.key == key)
                return &e;
            if (e.key == kEmpty)
                return nullptr;
        }
    }
    std::size_t size() const { return m_size; }

private:
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
    static std::uint64_t makeKey(std::int32_t l, std::int32_t r)
    {
        return (std::uint64_t(std::uint32_t(l)) << 32) | std::uint32_t(r);
    }
    static std::size_t hash(std::uint64_t k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        return static_cast<std::size_t>(k);
    }
    void grow();

    std::vector<Entry> m_slots;
    std::size_t m_mask = 0;
    std::size_t m_size = 0;
};

}  // namespace fathom::inference
