// The event-stream framing on its own: line ends of every kind, split anywhere between reads,
// comments, multi-line data, and the size limit that stops a server that never ends a line.
#include "app/remote/sse_parser.h"

#include <gtest/gtest.h>

using fathom::app::SseEvent;
using fathom::app::SseParser;

namespace {

std::vector<SseEvent> parseInPieces(const std::string& stream, std::size_t piece)
{
    SseParser parser;
    std::vector<SseEvent> out;
    for (std::size_t i = 0; i < stream.size(); i += piece) EXPECT_TRUE(parser.feed(std::string_view(stream).substr(i, piece), out));
    return out;
}

}  // namespace

TEST(SseParser, SplitsEventsOnBlankLinesWhateverTheLineEnds)
{
    const std::string stream = "data: one\n\ndata: two\r\n\r\ndata: three\r\rdata: [DONE]\n\n";
    for (std::size_t piece : {std::size_t(1), std::size_t(2), std::size_t(3), std::size_t(7), stream.size()}) {
        const std::vector<SseEvent> events = parseInPieces(stream, piece);
        ASSERT_EQ(events.size(), 4u) << "piece " << piece;
        EXPECT_EQ(events[0].data, "one");
        EXPECT_EQ(events[1].data, "two");
        EXPECT_EQ(events[2].data, "three");
        EXPECT_EQ(events[3].data, "[DONE]");
    }
}

TEST(SseParser, SkipsCommentsAndJoinsDataLines)
{
    const std::vector<SseEvent> events =
        parseInPieces(": keep-alive\n\nevent: delta\nid: 7\ndata:{\"a\":\ndata:  1}\nretry: 10\n\n", 5);
    ASSERT_EQ(events.size(), 1u);  // the comment-only block is no event
    EXPECT_EQ(events[0].event, "delta");
    EXPECT_EQ(events[0].id, "7");
    EXPECT_EQ(events[0].data, "{\"a\":\n 1}");  // one space after the colon is dropped, not two
}

TEST(SseParser, SkipsALeadingByteOrderMarkOnly)
{
    const std::vector<SseEvent> events = parseInPieces("\xEF\xBB\xBF" "data: x\n\ndata: \xEF\xBB\xBFy\n\n", 100);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].data, "x");
    EXPECT_EQ(events[1].data, "\xEF\xBB\xBFy");
}

TEST(SseParser, ReportsAnUnfinishedEventAtTheEnd)
{
    SseParser parser;
    std::vector<SseEvent> out;
    EXPECT_TRUE(parser.feed("data: complete\n\ndata: cut", out));
    EXPECT_EQ(out.size(), 1u);
    EXPECT_TRUE(parser.hasPartialEvent());
}

TEST(SseParser, StopsAtTheSizeLimitInsteadOfBufferingForever)
{
    SseParser parser(1024);
    std::vector<SseEvent> out;
    EXPECT_TRUE(parser.feed("data: ok\n\n", out));
    EXPECT_FALSE(parser.feed("data: " + std::string(2000, 'x'), out));
    EXPECT_TRUE(parser.failed());
    EXPECT_NE(parser.error().find("longer than 1024 bytes"), std::string::npos);
    EXPECT_FALSE(parser.feed("\n\ndata: later\n\n", out));  // nothing more after a failure
    EXPECT_EQ(out.size(), 1u);
    // Many data lines that each fit still add up to one event over the limit.
    SseParser lines(1024);
    std::string many;
    for (int i = 0; i < 100; ++i) many += "data: " + std::string(20, 'y') + "\n";
    EXPECT_FALSE(lines.feed(many, out));
}
