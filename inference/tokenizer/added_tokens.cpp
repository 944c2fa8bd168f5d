// Validation and in-text matching of added tokens.
#include "inference/tokenizer/added_tokens.h"

#include "inference/tokenizer/bpe_model.h"
#include "base/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace fathom::inference {

namespace {

constexpr std::int64_t kMaxId = (1 << 24) - 1;

bool isSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// Word characters for single_word: ASCII alphanumerics, '_' and any non-ASCII byte (letters of
// other scripts); an approximation of Rust's char::is_alphanumeric that no DeepSeek token relies on.
bool isWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

bool flag(const nlohmann::json& t, const char* key)
{
    auto it = t.find(key);
    return it != t.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

void AddedTokens::Trie::add(std::string_view s, std::int32_t index)
{
    if (terminal.empty())
        terminal.push_back(-1);
    std::int32_t node = 0;
    for (char ch : s) {
        const auto c = static_cast<std::uint8_t>(ch);
        const std::uint64_t key = (std::uint64_t(node) << 8) | c;
        auto it = edges.find(key);
        if (it == edges.end()) {
            it = edges.emplace(key, static_cast<std::int32_t>(terminal.size())).first;
            terminal.push_back(-1);
        }
        node = it->second;
    }
    terminal[node] = index;
    firstByte[static_cast<std::uint8_t>(s[0])] = true;
}

AddedTokens::AddedTokens(const nlohmann::json& list, const BpeModel& model, const std::string& file)
{
    if (list.is_null())
        return;
    if (!list.is_array())
        throwFileError(file, "\"added_tokens\" must be an array");
    for (const auto& t : list) {
        if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
            !t["content"].is_string())
            throwFileError(file, "added token " + t.dump().substr(0, 80) + " needs an integer \"id\" and a string \"content\"");
        AddedToken a;
        const std::int64_t id = t["id"].get<std::int64_t>();
        a.content = t["content"].get<std::string>();
        const std::string name = "added token '" + a.content + "'";
        if (a.content.empty())
            throwFileError(file, "an added token with id " + std::to_string(id) + " has empty content");
        if (id < 0 || id > kMaxId)
            throwFileError(file, name + " has id " + std::to_string(id) + ", outside 0.." + std::to_string(kMaxId));
        a.id = static_cast<std::int32_t>(id);
        a.special = flag(t, "special");
        a.normalized = flag(t, "normalized");
        a.lstrip = flag(t, "lstrip");
        a.rstrip = flag(t, "rstrip");
        a.singleWord = flag(t, "single_word");

        const std::string_view vocabText = model.tokenText(a.id);
        if (!vocabText.empty() && vocabText != a.content)
            throwFileError(file, name + " has id " + std::to_string(id) + ", which the vocab already gives to '" +
                                     std::string(vocabText) + "'");
        if (auto v = model.find(a.content); v && *v != a.id)
            throwFileError(file, name + " has id " + std::to_string(id) + " but the vocab has it as id " +
                                     std::to_string(*v));
        if (auto it = m_byId.find(a.id); it != m_byId.end())
            throwFileError(file, name + " and added token '" + m_tokens[it->second].content + "' share id " +
                                     std::to_string(id));
        if (m_byContent.count(a.content))
            throwFileError(file, name + " is listed twice");
        m_byId.emplace(a.id, m_tokens.size());
        m_byContent.emplace(a.content, m_tokens.size());
        m_maxId = std::max(m_maxId, a.id);
        (a.normalized ? m_normalized : m_raw).add(a.content, static_cast<std::int32_t>(m_tokens.size()));
        m_tokens.push_back(std::move(a));
    }
}

const AddedToken* AddedTokens::byId(std::int32_t id) const
{
    auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

const AddedToken* AddedTokens::byContent(std::string_view content) const
{
    auto it = m_byContent.find(std::string(content));
    return it == m_byContent.end() ? nullptr : &m_tokens[it->second];
}

std::vector<TextSegment> AddedTokens::split(std::string_view text, const std::vector<Span>& literal) const
{
    std::vector<TextSegment> first, out;
    splitPass(m_raw, text, 0, text.size(), literal, first);
    for (const TextSegment& s : first) {
        if (s.id >= 0)
            out.push_back(s);
        else
            splitPass(m_normalized, text, s.begin, s.end, literal, out);
    }
    return out;
}

void AddedTokens::splitPass(const Trie& trie, std::string_view text, std::size_t begin, std::size_t end,
                            const std::vector<Span>& literal, std::vector<TextSegment>& out) const
{
    std::size_t nextLiteral = 0;  // first literal range that may still overlap what is ahead
    auto overlapsLiteral = [&](std::size_t b, std::size_t e) {
        while (nextLiteral < literal.size() && literal[nextLiteral].end <= b)
            ++nextLiteral;
        return nextLiteral < literal.size() && literal[nextLiteral].begin < e;
    };
    std::size_t plainStart = begin;  // start of the plain text not yet emitted
    std::size_t pos = begin;
    auto emitPlain = [&](std::size_t upTo) {
        if (upTo > plainStart)
            out.push_back({plainStart, upTo, -1});
    };
    while (trie.terminal.size() > 1 && pos < end) {
        if (!trie.firstByte[static_cast<std::uint8_t>(text[pos])]) {
            ++pos;
            continue;
        }
        // Longest token starting at pos.
        std::int32_t node = 0, best = -1;
        std::size_t bestEnd = pos;
        for (std::size_t i = pos; i < end; ++i) {
            auto it = trie.edges.find((std::uint64_t(node) << 8) | static_cast<std::uint8_t>(text[i]));
            if (it == trie.edges.end())
                break;
            node = it->second;
            if (trie.terminal[node] >= 0) {
                best = trie.terminal[node];
                bestEnd = i + 1;
            }
        }
        if (best < 0) {
            ++pos;
            continue;
        }
        if (overlapsLiteral(pos, bestEnd)) {
            ++pos;
            continue;
        }
        const AddedToken& tok = m_tokens[best];
        std::size_t mBegin = pos, mEnd = bestEnd;
        if (tok.singleWord) {
            const bool wordBefore = mBegin > begin && isWordByte(static_cast<unsigned char>(text[mBegin - 1]));
            const bool wordAfter = mEnd < end && isWordByte(static_cast<unsigned char>(text[mEnd]));
            if (wordBefore || wordAfter) {
                ++pos;
                continue;
            }
        }
        if (tok.lstrip)
            while (mBegin > plainStart && isSpace(static_cast<unsigned char>(text[mBegin - 1])))
                --mBegin;
        if (tok.rstrip)
            while (mEnd < end && isSpace(static_cast<unsigned char>(text[mEnd])))
                ++mEnd;
        emitPlain(mBegin);
        out.push_back({mBegin, mEnd, tok.id});
        plainStart = pos = mEnd;
    }
    emitPlain(end);
}

}  // namespace fathom::inference
