// Loading and running the BPE model. The merge loop follows HF tokenizers' Word::merge_all: a
// min-heap of (rank, position) over adjacent pairs, merging the lowest rank, leftmost first.
#include "inference/tokenizer/bpe_model.h"

#include "inference/tokenizer/byte_level.h"
#include "inference/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <queue>

namespace fathom::inference {

namespace {

// Ids are stored densely (id -> token): refuse ids that would make that table absurdly large.
constexpr std::int64_t kMaxId = (1 << 24) - 1;

std::string inQuotes(std::string_view s)
{
    std::string r(1, '\'');
    r.append(s);
    r.push_back('\'');
    return r;
}

}  // namespace

BpeModel::BpeModel(const nlohmann::json& model, const std::string& file)
{
    if (!model.is_object())
        throwFileError(file, "\"model\" must be an object");
    const std::string type = model.value("type", std::string("BPE"));
    if (type != "BPE")
        throwFileError(file, "model type \"" + type + "\" is not supported (only BPE)");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        auto it = model.find(key);
        if (it != model.end() && !it->is_null() && !(it->is_string() && it->get<std::string>().empty()))
            throwFileError(file, std::string("BPE \"") + key + "\" is set; Fathom supports byte-level BPE without it");
    }
    // dropout only randomizes training-time encodings; inference always encodes deterministically.
    // unk_token / byte_fallback never apply: every byte has a token (checked below).
    if (auto it = model.find("ignore_merges"); it != model.end() && !it->is_null()) {
        if (!it->is_boolean())
            throwFileError(file, "BPE \"ignore_merges\" must be true or false");
        m_ignoreMerges = it->get<bool>();
    }
    if (!model.contains("vocab"))
        throwFileError(file, "BPE model has no \"vocab\"");
    readVocab(model["vocab"], file);
    readMerges(model.contains("merges") ? model["merges"] : nlohmann::json::array(), file);
}

void BpeModel::readVocab(const nlohmann::json& vocab, const std::string& file)
{
    if (!vocab.is_object())
        throwFileError(file, "BPE \"vocab\" must be an object of token: id");
    m_vocab.reserve(vocab.size());
    std::int64_t maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it.value().is_number_integer())
            throwFileError(file, "vocab token " + inQuotes(it.key()) + " has id " + it.value().dump() + ", not an integer");
        const std::int64_t id = it.value().get<std::int64_t>();
        if (id < 0 || id > kMaxId)
            throwFileError(file, "vocab token " + inQuotes(it.key()) + " has id " + std::to_string(id) +
                                     ", outside 0.." + std::to_string(kMaxId));
        m_vocab.emplace(it.key(), static_cast<std::int32_t>(id));
        maxId = std::max(maxId, id);
        m_maxTokenBytes = std::max(m_maxTokenBytes, it.key().size());
    }
    m_idToToken.assign(static_cast<std::size_t>(maxId + 1), std::string());
    std::vector<bool> used(m_idToToken.size(), false);
    for (const auto& [token, id] : m_vocab) {
        if (used[id])
            throwFileError(file, "vocab gives id " + std::to_string(id) + " to both " + inQuotes(m_idToToken[id]) +
                                     " and " + inQuotes(token) + " (duplicate ids)");
        used[id] = true;
        m_idToToken[id] = token;
        std::string raw;
        if (byte_level::decode(token, raw))
            m_rawToId.emplace(std::move(raw), id);
    }
    for (int b = 0; b < 256; ++b) {
        auto it = m_vocab.find(std::string(byte_level::charFor(static_cast<std::uint8_t>(b))));
        m_byteId[b] = it == m_vocab.end() ? -1 : it->second;
        // Bytes that never occur in valid UTF-8 may be missing; any other gap would lose text.
        const bool neverInUtf8 = b == 0xC0 || b == 0xC1 || b >= 0xF5;
        if (m_byteId[b] < 0 && !neverInUtf8) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", b);
            throwFileError(file, std::string("vocab has no token for byte ") + hex + " (byte-level character " +
                                     inQuotes(byte_level::charFor(static_cast<std::uint8_t>(b))) +
                                     "), so text containing it could not be encoded");
        }
    }
}

void BpeModel::readMerges(const nlohmann::json& merges, const std::string& file)
{
    if (!merges.is_array())
        throwFileError(file, "BPE \"merges\" must be an array");
    m_merges.reserve(merges.size());
    std::uint32_t rank = 0;
    for (const auto& m : merges) {
        const std::string where = "merge " + std::to_string(rank + 1);
        std::string left, right;
        if (m.is_string()) {
            const std::string& s = m.get_ref<const std::string&>();
            const auto space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throwFileError(file, where + " " + inQuotes(s) + " is not two tokens separated by one space");
            left = s.substr(0, space);
            right = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            left = m[0].get<std::string>();
            right = m[1].get<std::string>();
        } else {
            throwFileError(file, where + " is " + m.dump().substr(0, 80) + ", expected \"a b\" or [\"a\", \"b\"]");
        }
        auto l = m_vocab.find(left), r = m_vocab.find(right);
        if (l == m_vocab.end())
            throwFileError(file, where + " names " + inQuotes(left) + ", which is not in the vocab");
        if (r == m_vocab.end())
            throwFileError(file, where + " names " + inQuotes(right) + ", which is not in the vocab");
        const std::string merged = left + right;
        if (merged.size() > m_maxTokenBytes)
            throwFileError(file, where + " makes " + inQuotes(merged) + " (" + std::to_string(merged.size()) +
                                     " bytes), longer than any vocab token (" + std::to_string(m_maxTokenBytes) + ")");
        auto res = m_vocab.find(merged);
        if (res == m_vocab.end())
            throwFileError(file, where + " makes " + inQuotes(merged) + ", which is not in the vocab");
        m_merges.insert(l->second, r->second, rank, res->second);
        ++rank;
    }
    m_mergeCount = rank;
}

std::string_view BpeModel::tokenText(std::int32_t id) const
{
    if (id < 0 || id >= idLimit())
        return {};
    return m_idToToken[id];
}

void BpeModel::encodePiece(std::string_view piece, std::vector<std::int32_t>& out) const
{
    if (piece.empty())
        return;
    if (m_ignoreMerges) {
        // ignore_merges: a piece that is itself a token is taken whole (Llama-3 style vocabularies).
        auto it = m_rawToId.find(std::string(piece));
        if (it != m_rawToId.end()) {
            out.push_back(it->second);
            return;
        }
    }
    if (piece.size() == 1 && m_byteId[static_cast<std::uint8_t>(piece[0])] >= 0) {
        out.push_back(m_byteId[static_cast<std::uint8_t>(piece[0])]);
        return;
    }
    const bool cacheable = piece.size() <= kCacheMaxPieceBytes;
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        auto it = m_cache.find(std::string(piece));
        if (it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t first = out.size();
    mergeSymbols(piece, out);
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        if (m_cache.size() >= kCacheMaxEntries)
            m_cache.clear();  // bounded memory; a fresh cache refills with the text's current words
        m_cache.emplace(std::string(piece), std::vector<std::int32_t>(out.begin() + first, out.end()));
    }
}

void BpeModel::mergeSymbols(std::string_view piece, std::vector<std::int32_t>& out) const
{
    // One symbol per byte to start; merged-away symbols get id -1. prev/next link the live ones.
    struct Symbol {
        std::int32_t id;
        std::int32_t prev;
        std::int32_t next;
    };
    std::vector<Symbol> sym;
    sym.reserve(piece.size());
    for (char c : piece) {
        const std::int32_t id = m_byteId[static_cast<std::uint8_t>(c)];
        if (id < 0)
            continue;  // a byte the vocab lacks (only non-UTF-8 bytes may be): dropped, as HF does
        const auto n = static_cast<std::int32_t>(sym.size());
        sym.push_back({id, n - 1, n + 1});
    }
    if (sym.empty())
        return;
    sym.back().next = -1;

    struct Candidate {
        std::uint32_t rank;
        std::int32_t pos;     // index of the left symbol
        std::int32_t merged;  // id the pair had when queued; a changed pair makes the entry stale
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    for (std::size_t i = 0; i + 1 < sym.size(); ++i)
        if (const auto* e = m_merges.find(sym[i].id, sym[i + 1].id))
            queue.push({e->rank, static_cast<std::int32_t>(i), e->merged});

    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = sym[top.pos];
        if (left.id < 0 || left.next < 0)
            continue;
        Symbol& right = sym[left.next];
        const auto* e = m_merges.find(left.id, right.id);
        if (!e || e->merged != top.merged)
            continue;  // stale: one side was merged since this pair was queued
        left.id = top.merged;
        const std::int32_t after = right.next;
        right.id = -1;
        left.next = after;
        if (after >= 0)
            sym[after].prev = top.pos;
        if (left.prev >= 0)
            if (const auto* p = m_merges.find(sym[left.prev].id, left.id))
                queue.push({p->rank, left.prev, p->merged});
        if (after >= 0)
            if (const auto* n = m_merges.find(left.id, sym[after].id))
                queue.push({n->rank, top.pos, n->merged});
    }
    for (std::int32_t i = 0; i >= 0; i = sym[i].next)
        out.push_back(sym[i].id);
}

void BpeModel::clearCache() const
{
    std::lock_guard lock(m_cacheMutex);
    m_cache.clear();
}

}  // namespace fathom::inference
