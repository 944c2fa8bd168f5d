// Full-text search over every message of every conversation (SQLite FTS5, kept in step by
// triggers; see schema_v1.cpp). Answers with conversations, best first, each with a highlighted
// snippet of its best-matching message for the sidebar's search results.
#pragma once

#include "storage/message.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fathom::storage {

class Database;

struct SearchOptions {
    std::string highlightOpen = "[";   // put around each matched word in the snippet
    std::string highlightClose = "]";
    int snippetWords = 12;             // words of context in a snippet (FTS5 allows up to 64)
    int maxConversations = 50;
};

struct SearchHit {
    std::int64_t conversationId = 0;
    std::string title;
    std::int64_t messageId = 0;  // the best-matching message, to scroll to
    MessageRole role = MessageRole::User;
    std::string snippet;         // text around the match, matched words wrapped in the markers
    int matchingMessages = 0;    // how many messages of this conversation match
    std::int64_t updatedAt = 0;  // of the conversation
};

class MessageSearch final {
public:
    explicit MessageSearch(const Database& db) : m_db(db) {}

    // `text` is what the person typed: words, all of which must appear (any order); the last word
    // matches as a prefix, so results follow typing. Quotes and FTS operators in it are taken
    // literally, never as query syntax. Empty text: no hits.
    std::vector<SearchHit> search(const std::string& text, const SearchOptions& options = {}) const;

    // The FTS5 query for `text` ("" when it has no words); exposed for tests.
    static std::string toFtsQuery(const std::string& text);

private:
    const Database& m_db;
};

}  // namespace fathom::storage
