// PCRE2 matching for the Split pre-tokenizer. HF compiles these patterns with Oniguruma (Ruby
// syntax); the PCRE2 options below reproduce what differs: Unicode classes (UCP), line anchors
// (MULTILINE: in Ruby `$` always means end of line), LF as the only newline.
#include "inference/tokenizer/regex_split.h"

#include "base/error.h"

#include <pcre2.h>

#include <algorithm>
#include <new>

namespace fathom::inference {

namespace {

// Bounds that stop a hostile pattern from backtracking for ever (docs/RELIABILITY.md case 11). Normal
// pre-tokenizer patterns use a few steps per character; these allow far more than that.
constexpr std::uint32_t kMatchLimit = 50'000'000;
constexpr std::uint32_t kDepthLimit = 1'000'000;
constexpr std::uint32_t kHeapLimitKiB = 256 * 1024;
constexpr std::size_t kJitStackMax = 16u << 20;

std::string pcre2Message(int code)
{
    PCRE2_UCHAR buf[256];
    if (pcre2_get_error_message(code, buf, sizeof buf) < 0)
        return "PCRE2 error " + std::to_string(code);
    return reinterpret_cast<const char*>(buf);
}

// Per-thread match state, shared by every pattern: encode() may run on several threads at once.
struct Scratch {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* stack = nullptr;

    Scratch()
    {
        data = pcre2_match_data_create(1, nullptr);
        context = pcre2_match_context_create(nullptr);
        stack = pcre2_jit_stack_create(64 * 1024, kJitStackMax, nullptr);
        if (!data || !context)
            throw std::bad_alloc();
        pcre2_set_match_limit(context, kMatchLimit);
        pcre2_set_depth_limit(context, kDepthLimit);
        pcre2_set_heap_limit(context, kHeapLimitKiB);
        if (stack)
            pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~Scratch()
    {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
};

Scratch& scratch()
{
    thread_local Scratch s;
    return s;
}

}  // namespace

RegexSplit::RegexSplit(const std::string& pattern, bool literal, SplitBehavior behavior, bool invert,
                       std::string where)
    : m_pattern(pattern), m_where(std::move(where)), m_behavior(behavior), m_invert(invert)
{
    pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    // PCRE2_LITERAL allows only a few other options; UCP and MULTILINE mean nothing for a literal.
    const std::uint32_t options = literal ? (PCRE2_UTF | PCRE2_LITERAL) : (PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE);
    int err = 0;
    PCRE2_SIZE errOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                                     &err, &errOffset, cc);
    pcre2_compile_context_free(cc);
    if (!code)
        throwFileError(m_where, "regex /" + pattern + "/ does not compile: " + pcre2Message(err) +
                                    " at offset " + std::to_string(errOffset));
    m_code = code;
    // JIT is 5-10x faster; without it (unsupported CPU, no executable memory) the interpreter runs.
    m_jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}

RegexSplit::~RegexSplit() { pcre2_code_free(static_cast<pcre2_code*>(m_code)); }

void RegexSplit::findMatches(std::string_view subject, std::vector<Span>& matches) const
{
    auto* code = static_cast<pcre2_code*>(m_code);
    Scratch& s = scratch();
    const auto* ptr = reinterpret_cast<PCRE2_SPTR>(subject.data());
    std::size_t start = 0;
    while (start <= subject.size()) {
        // The text was validated once before pre-tokenization, so PCRE2 need not check it again.
        int rc = m_jit ? pcre2_jit_match(code, ptr, subject.size(), start, PCRE2_NO_UTF_CHECK, s.data, s.context)
                       : pcre2_match(code, ptr, subject.size(), start, PCRE2_NO_UTF_CHECK, s.data, s.context);
        if (rc == PCRE2_ERROR_NOMATCH)
            return;
        if (rc < 0) {
            throwFileError(m_where, "regex /" + m_pattern + "/ gave up on a " + std::to_string(subject.size()) +
                                        "-byte piece of the text: " + pcre2Message(rc) +
                                        " (the pattern backtracks too much for this input)");
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
        const std::size_t b = ov[0], e = ov[1];
        if (e > b) {
            matches.push_back({b, e});
            start = e;
        } else {
            // Empty match: skip one character, as Oniguruma's find_iter does; empty pieces are dropped.
            std::size_t next = b + 1;
            while (next < subject.size() && (static_cast<unsigned char>(subject[next]) & 0xC0) == 0x80)
                ++next;
            start = next;
        }
    }
}

void RegexSplit::apply(std::string_view text, Span piece, std::vector<Span>& out) const
{
    if (piece.end <= piece.begin)
        return;
    // Scratch reused across calls: apply() runs once per piece per step, millions of times.
    thread_local std::vector<Span> found;
    found.clear();
    findMatches(text.substr(piece.begin, piece.end - piece.begin), found);

    // Alternate non-matches and matches over the whole piece, as HF's Pattern::find_matches does.
    struct Part {
        Span span;
        bool isMatch;
    };
    thread_local std::vector<Part> parts;
    parts.clear();
    std::size_t prev = 0;
    const std::size_t len = piece.end - piece.begin;
    for (const Span& m : found) {
        if (m.begin != prev)
            parts.push_back({{prev, m.begin}, m_invert});
        parts.push_back({m, !m_invert});
        prev = m.end;
    }
    if (prev != len)
        parts.push_back({{prev, len}, m_invert});

    thread_local std::vector<Span> pieces;
    pieces.clear();
    bool previousMatch = false;
    switch (m_behavior) {
    case SplitBehavior::Isolated:
        for (const Part& p : parts)
            pieces.push_back(p.span);
        break;
    case SplitBehavior::Removed:
        for (const Part& p : parts)
            if (!p.isMatch)
                pieces.push_back(p.span);
        break;
    case SplitBehavior::Contiguous:
        for (const Part& p : parts) {
            if (p.isMatch == previousMatch && !pieces.empty())
                pieces.back().end = p.span.end;
            else
                pieces.push_back(p.span);
            previousMatch = p.isMatch;
        }
        break;
    case SplitBehavior::MergedWithPrevious:
        for (const Part& p : parts) {
            if (p.isMatch && !previousMatch && !pieces.empty())
                pieces.back().end = p.span.end;
            else
                pieces.push_back(p.span);
            previousMatch = p.isMatch;
        }
        break;
    case SplitBehavior::MergedWithNext:
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
            if (it->isMatch && !previousMatch && !pieces.empty())
                pieces.back().begin = it->span.begin;
            else
                pieces.push_back(it->span);
            previousMatch = it->isMatch;
        }
        std::reverse(pieces.begin(), pieces.end());
        break;
    }
    for (const Span& p : pieces)
        if (p.end > p.begin)
            out.push_back({piece.begin + p.begin, piece.begin + p.end});
    if (parts.capacity() > (1u << 16)) {
        // A huge piece (megabytes of digits) grew these; do not keep that memory per thread.
        std::vector<Span>().swap(found);
        std::vector<Part>().swap(parts);
        std::vector<Span>().swap(pieces);
    }
}

}  // namespace fathom::inference
