// Loading and running the BPE model. The merge loop follows HF tokenizers' Word::merge_all: a
// min-heap of (rank, position) over adjacent pairs, merging the lowest rank, leftmost first.
#include "inference/tokenizer/bpe_model.h"

#include "inference/tokenizer/byte_level.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>

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
    const auto typeIt = model.find("type");
    const std::string type = typeIt != model.end() && typeIt->is_string() ? typeIt->get<std::string>() : "BPE";
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
    std::int64_t maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it.value().is_number_integer())
            throwFileError(file, "vocab token " + inQuotes(it.key()) + " has id " + it.value().dump() + ", not an integer");
        const std::int64_t id = it.value().get<std::int64_t>();
        if (id < 0 || id > kMaxId)
            throwFileError(file, "vocab token " + inQuotes(it.key()) + " has id " + std::to_string(id) +
                                     ", outside 0.." + std::to_string(kMaxId));
        if (it.key().empty())
            throwFileError(file, "vocab has an empty token (id " + std::to_string(id) + ")");
        maxId = std::max(maxId, id);
        m_maxTokenBytes = std::max(m_maxTokenBytes, it.key().size());
    }
    // JSON object keys are unique (the parser keeps one of each), so only ids can collide.
    m_idToToken.assign(static_cast<std::size_t>(maxId + 1), std::string());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        const auto id = static_cast<std::size_t>(it.value().get<std::int64_t>());
        if (!m_idToToken[id].empty())
            throwFileError(file, "vocab gives id " + std::to_string(id) + " to both " + inQuotes(m_idToToken[id]) +
                                     " and " + inQuotes(it.key()) + " (duplicate ids)");
        m_idToToken[id] = it.key();
        std::string raw;
        if (m_ignoreMerges && byte_level::decode(it.key(), raw))  // only ignore_merges looks pieces up whole
            m_rawToId.emplace(std::move(raw), static_cast<std::int32_t>(id));
    }
    m_vocabSize = vocab.size();
    m_index.build(m_idToToken);
    for (int b = 0; b < 256; ++b) {
        m_byteId[b] = m_index.find(byte_level::charFor(static_cast<std::uint8_t>(b))).value_or(-1);
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
    std::string merged;
    for (const auto& m : merges) {
        auto where = [&] { return "merge " + std::to_string(rank + 1); };
        std::string_view left, right;
        if (m.is_string()) {
            const std::string& s = m.get_ref<const std::string&>();
            const auto space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throwFileError(file, where() + " " + inQuotes(s) + " is not two tokens separated by one space");
            left = std::string_view(s).substr(0, space);
            right = std::string_view(s).substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            left = m[0].get_ref<const std::string&>();
            right = m[1].get_ref<const std::string&>();
        } else {
            throwFileError(file, where() + " is " + m.dump().substr(0, 80) + ", expected \"a b\" or [\"a\", \"b\"]");
        }
        const auto l = m_index.find(left), r = m_index.find(right);
        if (!l)
            throwFileError(file, where() + " names " + inQuotes(left) + ", which is not in the vocab");
        if (!r)
            throwFileError(file, where() + " names " + inQuotes(right) + ", which is not in the vocab");
        merged.assign(left);
        merged.append(right);
        if (merged.size() > m_maxTokenBytes)
            throwFileError(file, where() + " makes " + inQuotes(merged) + " (" + std::to_string(merged.size()) +
                                     " bytes), longer than any vocab token (" + std::to_string(m_maxTokenBytes) + ")");
        const auto res = m_index.find(merged);
        if (!res)
            throwFileError(file, where() + " makes " + inQuotes(merged) + ", which is not in the vocab");
        m_merges.insert(*l, *r, rank, *res);
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
        auto it = m_rawToId.find(piece);
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
        auto it = m_cache.find(piece);
        if (it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t first = out.size();
    mergeSymbols(piece, out);
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        const std::size_t bytes = piece.size() + (out.size() - first) * sizeof(std::int32_t) + 64;
        if (m_cacheBytes + bytes > kCacheMaxBytes) {
            m_cache.clear();  // bounded memory; a fresh cache refills with the text's current words
            m_cacheBytes = 0;
        }
        if (m_cache.emplace(std::string(piece), std::vector<std::int32_t>(out.begin() + first, out.end())).second)
            m_cacheBytes += bytes;
    }
}

namespace {

// One symbol per byte to start; merged-away symbols get id -1. prev/next link the live ones.
struct Symbol {
    std::int32_t id;
    std::int32_t prev;
    std::int32_t next;
};

// A queued merge. left/right are the pair's ids when queued: if either side changed since, the
// entry is stale (HF compares the merged id instead; with unique ids that is the same test).
struct Candidate {
    std::uint32_t rank;
    std::int32_t pos;  // index of the left symbol
    std::int32_t left;
    std::int32_t right;
    std::int32_t merged;
    // Min-heap order: lowest rank first, then leftmost (HF's Merge ordering).
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

}  // namespace

void BpeModel::mergeSymbols(std::string_view piece, std::vector<std::int32_t>& out) const
{
    // Reused per thread: most pieces are short and this runs once per uncached piece.
    thread_local std::vector<Symbol> sym;
    thread_local std::vector<Candidate> heap;
    sym.clear();
    heap.clear();
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

    const std::greater<Candidate> later;
    for (std::size_t i = 0; i + 1 < sym.size(); ++i)
        if (const auto* e = m_merges.find(sym[i].id, sym[i + 1].id))
            heap.push_back({e->rank, static_cast<std::int32_t>(i), sym[i].id, sym[i + 1].id, e->merged});
    std::make_heap(heap.begin(), heap.end(), later);  // O(n): long pieces start with millions of pairs
    auto pushPair = [&](std::int32_t pos, std::int32_t l, std::int32_t r) {
        if (const auto* e = m_merges.find(l, r)) {
            heap.push_back({e->rank, pos, l, r, e->merged});
            std::push_heap(heap.begin(), heap.end(), later);
        }
    };

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const Candidate top = heap.back();
        heap.pop_back();
        Symbol& left = sym[top.pos];
        if (left.id != top.left || left.next < 0 || sym[left.next].id != top.right)
            continue;
        Symbol& right = sym[left.next];
        left.id = top.merged;
        const std::int32_t after = right.next;
        right.id = -1;
        left.next = after;
        if (after >= 0)
            sym[after].prev = top.pos;
        if (left.prev >= 0)
            pushPair(left.prev, sym[left.prev].id, left.id);
        if (after >= 0)
            pushPair(top.pos, left.id, sym[after].id);
    }
    for (std::int32_t i = 0; i >= 0; i = sym[i].next)
        out.push_back(sym[i].id);
    if (sym.capacity() > (1u << 20)) {
        // Do not keep hundreds of MB around after one huge piece.
        std::vector<Symbol>().swap(sym);
        std::vector<Candidate>().swap(heap);
    }
}

void BpeModel::clearCache() const
{
    std::lock_guard lock(m_cacheMutex);
    m_cache.clear();
    m_cacheBytes = 0;
}

}  // namespace fathom::inference
