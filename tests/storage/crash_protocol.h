// What storage_crash_child writes and what crash_test expects: the text the child "generates"
// (a pure function of seed, turn and token index, so the test can rebuild it), and the side-file
// records through which the child reports what it had committed when it was killed.
//
// Side file, one record per line, written with write(2) on an O_APPEND descriptor, which the
// kernel keeps even when the process is killed:
//   U turn msgId           user message committed
//   R turn msgId           reply row committed (status streaming)
//   A turn tUs length      about to append a token; length of the reply once it is in
//   S turn tUs length      a save of `length` characters starts
//   C turn tUs length      that save is committed
//   D turn length          reply finished (status complete) and committed
// tUs: steady_clock (CLOCK_MONOTONIC, shared by all processes) in microseconds.
#pragma once

#include <cstdint>
#include <string>

namespace fathom::storage::crash {

inline std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

inline std::string userText(std::uint64_t seed, int turn)
{
    return "question " + std::to_string(turn) + " of run " + std::to_string(seed) + ": explain ünïcode «safely»";
}

// Token i of the reply in `turn`: words of varying length, some multi-byte, as a model would give.
inline std::string tokenText(std::uint64_t seed, int turn, int i)
{
    static const char* const kWords[] = {"the ", "borrow", " checker", " ensures", " ñ", "→", " 🚀", "\n", " x", "."};
    std::uint64_t h = mix(seed * 1000003u + static_cast<std::uint64_t>(turn) * 7919u + static_cast<std::uint64_t>(i));
    return kWords[h % 10];
}

inline int replyTokens(std::uint64_t seed, int turn)
{
    return 20 + static_cast<int>(mix(seed ^ (static_cast<std::uint64_t>(turn) << 32)) % 180);
}

// How fast the child "generates", picked by seed: it decides which save rule gets exercised.
enum class Pace {
    Flat,     // as fast as possible: the 32-token rule
    Quick,    // one token per 2 ms
    Slow,     // one token per 15 ms: the 250 ms rule on append
    Bursty,   // 5 tokens, then a 300 ms pause: the timer thread
};

inline Pace paceFor(std::uint64_t seed) { return static_cast<Pace>(mix(seed + 17) % 4); }

}  // namespace fathom::storage::crash
