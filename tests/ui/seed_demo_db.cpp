// Writes the demo conversation shown in docs/screenshot-*.png into a chat database, through the
// same storage API the app uses: `ui_seed_demo_db FILE.sqlite3` prints the conversation id.
// The text is written by hand to show the chat view's features (reasoning, code, branches, stats);
// it is not model output.
#include "storage/conversation_store.h"
#include "storage/database.h"

#include <cstdio>
#include <exception>

using namespace fathom::storage;

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: ui_seed_demo_db FILE.sqlite3\n");
        return 1;
    }
    try {
        Database db(argv[1]);
        ConversationStore store(db);
        for (const char* title : {"Binary search in Rust", "Why is my CUDA kernel slow?", "Regex for ISO dates"}) {
            const auto id = store.createConversation(title);
            const auto q = store.addMessage(id, 0, MessageRole::User, std::string("Question about ") + title);
            const auto r = store.beginReply(id, q, "fathom-tiny-coder", "{}");
            store.finishReply(r, MessageStatus::Complete, "A short answer.", "", ReplyStats{20, 12, 41.0, 90.0});
        }

        const auto id = store.createConversation("Stream a large CSV in Python");
        const auto q = store.addMessage(id, 0, MessageRole::User,
            "How do I sum one column of a 20 GB CSV file in Python without loading it all into memory?");
        const auto first = store.beginReply(id, q, "fathom-tiny-coder", "{\"temperature\":0.7}");
        store.finishReply(first, MessageStatus::Complete, "Use pandas with `chunksize`.", "", ReplyStats{38, 9, 44.0, 120.0});
        const auto reply = store.beginReply(id, q, "fathom-tiny-coder", "{\"temperature\":0.7}");
        store.finishReply(reply, MessageStatus::Complete,
            "Read it **row by row** with the standard `csv` module: only one row is in memory at a time.\n\n"
            "```python\nimport csv\n\ndef column_sum(path: str, column: str) -> float:\n"
            "    \"\"\"Sum one numeric column of a CSV file, streaming.\"\"\"\n    total = 0.0\n"
            "    with open(path, newline=\"\") as f:\n        for row in csv.DictReader(f):\n"
            "            total += float(row[column])  # one row at a time\n    return total\n\n"
            "print(column_sum(\"sales.csv\", \"amount\"))\n```\n\n"
            "Why this works:\n\n"
            "- `DictReader` yields one row per iteration, so memory stays flat.\n"
            "- `newline=\"\"` lets the reader handle quoted line breaks.\n\n"
            "For speed, `pandas.read_csv(path, usecols=[column], chunksize=1_000_000)` sums each chunk in C.",
            "The file is 20 GB, so it cannot be read at once. Stream it: csv.DictReader reads one row at a time. "
            "Mention the chunked pandas variant for speed.",
            ReplyStats{38, 164, 47.3, 112.0});
        const auto q2 = store.addMessage(id, reply, MessageRole::User, "And if some rows have an empty amount?");
        const auto r2 = store.beginReply(id, q2, "fathom-tiny-coder", "{\"temperature\":0.7}");
        store.finishReply(r2, MessageStatus::Complete,
            "Skip them explicitly, so a blank cell is not an error:\n\n"
            "```python\nvalue = row[column].strip()\nif value:\n    total += float(value)\n```\n",
            "", ReplyStats{230, 31, 46.1, 95.0});
        std::printf("%lld\n", static_cast<long long>(id));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ui_seed_demo_db: %s\n", e.what());
        return 1;
    }
    return 0;
}
