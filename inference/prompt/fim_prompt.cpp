// FIM prompt assembly and trimming. Counting tokens per line is an estimate (a pre-token may cross
// a line break), so every cut is confirmed by encoding the kept text whole.
#include "inference/prompt/fim_prompt.h"

#include "inference/tokenizer/tokenizer.h"
#include "base/error.h"

#include <algorithm>

namespace fathom::inference {

namespace {

int countTokens(const Tokenizer& tok, std::string_view text)
{
    return static_cast<int>(tok.encode(text, /*matchAddedTokens=*/false).size());
}

bool isCharStart(std::string_view s, std::size_t i)
{
    return i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

// A token stands for at most maxTokenBytes bytes, so `limit` tokens never cover more than this:
// searching only that window keeps trimming cheap on huge files.
std::size_t windowBytes(const Tokenizer& tok, int limit)
{
    return static_cast<std::size_t>(std::max(limit, 0) + 1) * std::max<std::size_t>(tok.model().maxTokenBytes(), 4);
}

// Character starts of text, plus text.size().
std::vector<std::size_t> charStarts(std::string_view text)
{
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (isCharStart(text, i))
            starts.push_back(i);
    starts.push_back(text.size());
    return starts;
}

// Smallest character start `cut` such that text[cut..] fits in `limit` tokens (keeps the end).
std::size_t cutCharsFromStart(const Tokenizer& tok, std::string_view text, int limit)
{
    std::size_t base = text.size() > windowBytes(tok, limit) ? text.size() - windowBytes(tok, limit) : 0;
    while (!isCharStart(text, base))
        ++base;
    const std::vector<std::size_t> starts = charStarts(text.substr(base));
    std::size_t lo = 0, hi = starts.size() - 1;  // starts[hi] = end: the empty tail always fits
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (countTokens(tok, text.substr(base + starts[mid])) <= limit)
            hi = mid;
        else
            lo = mid + 1;
    }
    return base + starts[hi];
}

// Largest character start `len` such that text[..len] fits in `limit` tokens (keeps the start).
std::size_t cutCharsFromEnd(const Tokenizer& tok, std::string_view text, int limit)
{
    std::size_t window = std::min(text.size(), windowBytes(tok, limit));
    while (!isCharStart(text, window))
        --window;
    const std::vector<std::size_t> starts = charStarts(text.substr(0, window));
    std::size_t lo = 0, hi = starts.size() - 1;  // starts[0] = 0: the empty head always fits
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo + 1) / 2;
        if (countTokens(tok, text.substr(0, starts[mid])) <= limit)
            lo = mid;
        else
            hi = mid - 1;
    }
    return starts[lo];
}

// Token count of text, or limit + 1 without encoding when text is too long to fit anyway.
int countUpTo(const Tokenizer& tok, std::string_view text, int limit)
{
    return text.size() > windowBytes(tok, limit) ? limit + 1 : countTokens(tok, text);
}

// Keeps the last lines of `prefix` (those nearest the cursor) within `limit` tokens.
std::string_view trimPrefix(const Tokenizer& tok, std::string_view prefix, int limit)
{
    if (countUpTo(tok, prefix, limit) <= limit)
        return prefix;
    // Line starts, nearest the cursor first; the cursor line is prefix[lastNewline+1..].
    std::size_t cut = prefix.size();
    int used = 0;
    std::size_t lineStart = prefix.rfind('\n') == std::string_view::npos ? 0 : prefix.rfind('\n') + 1;
    std::size_t lineEnd = prefix.size();
    while (true) {
        const int n = countTokens(tok, prefix.substr(lineStart, lineEnd - lineStart));
        if (used + n > limit)
            break;
        used += n;
        cut = lineStart;
        if (lineStart == 0)
            break;
        lineEnd = lineStart;
        const std::size_t nl = lineStart >= 2 ? prefix.rfind('\n', lineStart - 2) : std::string_view::npos;
        lineStart = nl == std::string_view::npos ? 0 : nl + 1;
    }
    if (cut == prefix.size())  // not even the cursor line fits whole
        return prefix.substr(cutCharsFromStart(tok, prefix, limit));
    // Per-line counts can be off by a token where lines meet: drop further lines until it fits.
    while (countTokens(tok, prefix.substr(cut)) > limit) {
        const std::size_t nl = prefix.find('\n', cut);
        if (nl == std::string_view::npos || nl + 1 >= prefix.size())
            return prefix.substr(cutCharsFromStart(tok, prefix, limit));
        cut = nl + 1;
    }
    return prefix.substr(cut);
}

// Keeps the first lines of `suffix` (those nearest the cursor) within `limit` tokens.
std::string_view trimSuffix(const Tokenizer& tok, std::string_view suffix, int limit)
{
    if (countUpTo(tok, suffix, limit) <= limit)
        return suffix;
    std::size_t keep = 0;
    int used = 0;
    while (keep < suffix.size()) {
        const std::size_t nl = suffix.find('\n', keep);
        const std::size_t end = nl == std::string_view::npos ? suffix.size() : nl + 1;
        const int n = countTokens(tok, suffix.substr(keep, end - keep));
        if (used + n > limit)
            break;
        used += n;
        keep = end;
    }
    if (keep == 0)
        return suffix.substr(0, cutCharsFromEnd(tok, suffix, limit));
    while (keep > 0 && countTokens(tok, suffix.substr(0, keep)) > limit) {
        const std::size_t nl = keep >= 2 ? suffix.rfind('\n', keep - 2) : std::string_view::npos;
        keep = nl == std::string_view::npos ? 0 : nl + 1;
    }
    return suffix.substr(0, keep);
}

}  // namespace

FimPrompt buildFimPrompt(const Tokenizer& tok, std::string_view prefix, std::string_view suffix, const FimBudget& budget)
{
    const std::int32_t begin = tok.requireTokenId("<｜fim▁begin｜>");
    const std::int32_t hole = tok.requireTokenId("<｜fim▁hole｜>");
    const std::int32_t end = tok.requireTokenId("<｜fim▁end｜>");
    const bool bos = tok.addBosToken() && tok.bosId();
    const int control = 3 + (bos ? 1 : 0);
    const int textBudget = budget.maxTokens - control;
    if (textBudget < 0)
        throwUserError("FIM budget of " + std::to_string(budget.maxTokens) + " tokens cannot hold the " +
                       std::to_string(control) + " control tokens");

    // Split the budget: a side that needs less than its share gives the rest to the other.
    const double share = std::clamp(budget.prefixShare, 0.0, 1.0);
    const int prefixShare = static_cast<int>(textBudget * share);
    const int prefixNeed = countUpTo(tok, prefix, textBudget), suffixNeed = countUpTo(tok, suffix, textBudget);
    int prefixLimit = prefixShare, suffixLimit = textBudget - prefixShare;
    if (prefixNeed <= prefixShare) {
        prefixLimit = prefixNeed;
        suffixLimit = textBudget - prefixNeed;
    } else if (suffixNeed <= textBudget - prefixShare) {
        suffixLimit = suffixNeed;
        prefixLimit = textBudget - suffixNeed;
    }

    FimPrompt out;
    out.keptPrefix = std::string(trimPrefix(tok, prefix, prefixLimit));
    out.keptSuffix = std::string(trimSuffix(tok, suffix, suffixLimit));
    const auto p = tok.encode(out.keptPrefix, false);
    const auto s = tok.encode(out.keptSuffix, false);
    out.prefixTokens = static_cast<int>(p.size());
    out.suffixTokens = static_cast<int>(s.size());
    if (bos)
        out.ids.push_back(*tok.bosId());
    out.ids.push_back(begin);
    out.ids.insert(out.ids.end(), p.begin(), p.end());
    out.ids.push_back(hole);
    out.ids.insert(out.ids.end(), s.begin(), s.end());
    out.ids.push_back(end);
    return out;
}

}  // namespace fathom::inference
