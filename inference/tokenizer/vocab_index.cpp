// Building and probing the vocab index (linear probing, load factor <= 1/2).
#include "inference/tokenizer/vocab_index.h"

namespace fathom::inference {

void VocabIndex::build(const std::vector<std::string>& texts)
{
    m_texts = &texts;
    std::size_t cap = 16;
    while (cap < texts.size() * 2)
        cap *= 2;
    m_slots.assign(cap, -1);
    m_mask = cap - 1;
    for (std::size_t id = 0; id < texts.size(); ++id) {
        if (texts[id].empty())
            continue;
        std::size_t i = hash(texts[id]) & m_mask;
        while (m_slots[i] >= 0)
            i = (i + 1) & m_mask;
        m_slots[i] = static_cast<std::int32_t>(id);
    }
}

std::optional<std::int32_t> VocabIndex::find(std::string_view text) const
{
    if (m_slots.empty() || text.empty())
        return std::nullopt;
    for (std::size_t i = hash(text) & m_mask;; i = (i + 1) & m_mask) {
        const std::int32_t id = m_slots[i];
        if (id < 0)
            return std::nullopt;
        if ((*m_texts)[static_cast<std::size_t>(id)] == text)
            return id;
    }
}

}  // namespace fathom::inference
