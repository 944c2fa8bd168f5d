// Growth and insertion for MergeTable; lookups are inline in the header.
#include "inference/tokenizer/merge_table.h"

namespace fathom::inference {

void MergeTable::reserve(std::size_t count)
{
    std::size_t cap = 16;
    while (cap < count * 2)
        cap *= 2;
    if (cap <= m_slots.size())
        return;
    std::vector<Entry> old;
    old.swap(m_slots);
    m_slots.assign(cap, Entry{});
    m_mask = cap - 1;
    m_size = 0;
    for (const Entry& e : old)
        if (e.key != kEmpty)
            insert(std::int32_t(e.key >> 32), std::int32_t(e.key & 0xffffffffu), e.rank, e.merged);
}

void MergeTable::grow() { reserve(m_slots.empty() ? 8 : m_slots.size()); }

void MergeTable::insert(std::int32_t left, std::int32_t right, std::uint32_t rank, std::int32_t merged)
{
    if ((m_size + 1) * 2 > m_slots.size())
        grow();
    const std::uint64_t key = makeKey(left, right);
    for (std::size_t i = hash(key) & m_mask;; i = (i + 1) & m_mask) {
        Entry& e = m_slots[i];
        if (e.key == key) {
            e.rank = rank;
            e.merged = merged;
            return;
        }
        if (e.key == kEmpty) {
            e = {key, rank, merged};
            ++m_size;
            return;
        }
    }
}

}  // namespace fathom::inference
