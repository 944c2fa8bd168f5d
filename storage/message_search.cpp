#include "storage/message_search.h"

#include "storage/database.h"
#include "storage/statement.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace fathom::storage {

namespace {

// Rows read before grouping by conversation: bounds the work for a word in every message.
constexpr int kMaxRows = 2000;

}  // namespace

std::string MessageSearch::toFtsQuery(const std::string& text)
{
    std::istringstream words(text);
    std::vector<std::string> terms;
    for (std::string w; words >> w;) {
        // A "string" in FTS5 syntax: everything inside is literal; a quote is written twice.
        std::string quoted = "\"";
        for (char c : w)
            quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        terms.push_back(quoted + "\"");
    }
    std::string query;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        query += (i ? " " : "") + terms[i];
        if (i + 1 == terms.size())
            query += " *";  // prefix match on the word being typed
    }
    return query;
}

std::vector<SearchHit> MessageSearch::search(const std::string& text, const SearchOptions& options) const
{
    std::string query = toFtsQuery(text);
    if (query.empty())
        return {};
    // bm25: lower is better. Column -1 lets snippet() pick content or reasoning, whichever matched.
    Statement s(m_db, "SELECT m.conversation_id, c.title, m.id, m.role, "
                      "  snippet(messages_fts, -1, ?2, ?3, '…', ?4), c.updated_at "
                      "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                      "JOIN conversations c ON c.id = m.conversation_id "
                      "WHERE messages_fts MATCH ?1 ORDER BY bm25(messages_fts), m.id DESC LIMIT ?5");
    s.bindText(1, query).bindText(2, options.highlightOpen).bindText(3, options.highlightClose);
    s.bindInt(4, std::clamp(options.snippetWords, 1, 64)).bindInt(5, kMaxRows);
    std::vector<SearchHit> hits;
    std::map<std::int64_t, std::size_t> byConversation;
    while (s.step()) {
        std::int64_t conversationId = s.intAt(0);
        auto it = byConversation.find(conversationId);
        if (it != byConversation.end()) {
            ++hits[it->second].matchingMessages;
            continue;
        }
        SearchHit hit;
        hit.conversationId = conversationId;
        hit.title = s.textAt(1);
        hit.messageId = s.intAt(2);
        hit.role = roleFromString(s.textAt(3));
        hit.snippet = s.textAt(4);
        hit.matchingMessages = 1;
        hit.updatedAt = s.intAt(5);
        byConversation[conversationId] = hits.size();
        hits.push_back(std::move(hit));
    }
    if (hits.size() > static_cast<std::size_t>(std::max(0, options.maxConversations)))
        hits.resize(static_cast<std::size_t>(std::max(0, options.maxConversations)));
    return hits;
}

}  // namespace fathom::storage
