// The built-in highlighter's language table: C/C++, Python, JavaScript/TypeScript, Rust, Go, Java,
// JSON, Markdown and shell, each under the aliases people write after a code fence.
#include "ui/highlight/language_rules.h"

#include <QHash>

namespace fathom::ui {

namespace {

QSet<QString> words(const char* list)
{
    QSet<QString> set;
    for (const QString& w : QString::fromLatin1(list).split(u' ', Qt::SkipEmptyParts)) set.insert(w);
    return set;
}

LanguageRules cLike(const QString& name, const char* keywords, const char* types, const char* literals)
{
    LanguageRules r;
    r.name = name;
    r.keywords = words(keywords);
    r.types = words(types);
    r.literals = words(literals);
    r.lineComment = QStringLiteral("//");
    r.blockOpen = QStringLiteral("/*");
    r.blockClose = QStringLiteral("*/");
    return r;
}

struct Table {
    QList<LanguageRules> languages;
    QHash<QString, int> byAlias;

    void add(LanguageRules rules, const char* aliases)
    {
        languages.append(std::move(rules));
        for (const QString& a : QString::fromLatin1(aliases).split(u' ', Qt::SkipEmptyParts))
            byAlias.insert(a, int(languages.size() - 1));
    }

    Table()
    {
        LanguageRules cpp = cLike(QStringLiteral("C++"),
            "alignas alignof asm auto break case catch class co_await co_return co_yield concept const "
            "consteval constexpr constinit const_cast continue decltype default delete do dynamic_cast else "
            "enum explicit export extern final for friend goto if inline mutable namespace new noexcept "
            "operator override private protected public register reinterpret_cast requires return sizeof "
            "static static_assert static_cast struct switch template this thread_local throw try typedef "
            "typeid typename union using virtual volatile while",
            "bool char char8_t char16_t char32_t double float int long short signed unsigned void wchar_t "
            "size_t ssize_t ptrdiff_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t "
            "std string vector map unique_ptr shared_ptr",
            "true false nullptr NULL");
        cpp.hashPreprocessor = true;
        add(cpp, "c++ cpp cc cxx hpp hh hxx h c cuda cu");

        LanguageRules py;
        py.name = QStringLiteral("Python");
        py.keywords = words("and as assert async await break class continue def del elif else except finally "
                            "for from global if import in is lambda match case nonlocal not or pass raise "
                            "return try while with yield");
        py.types = words("int float str bytes bool list dict set tuple object type complex frozenset "
                         "self cls print len range enumerate zip map filter isinstance super open");
        py.literals = words("True False None");
        py.lineComment = QStringLiteral("#");
        py.tripleQuotes = true;
        add(py, "python py python3 py3 pyi");

        LanguageRules js = cLike(QStringLiteral("JavaScript"),
            "async await break case catch class const continue debugger default delete do else export "
            "extends finally for from function if import in instanceof let new of return static super "
            "switch this throw try typeof var void while with yield as implements interface enum type "
            "namespace declare readonly private protected public abstract keyof satisfies",
            "string number boolean any unknown never object symbol bigint Array Promise Map Set Object "
            "console window document JSON Math",
            "true false null undefined NaN Infinity");
        js.backtickStrings = true;
        add(js, "javascript js jsx mjs cjs node typescript ts tsx mts");

        LanguageRules rust = cLike(QStringLiteral("Rust"),
            "as async await break const continue crate dyn else enum extern fn for if impl in let loop "
            "match mod move mut pub ref return self Self static struct super trait type unsafe use where "
            "while macro_rules",
            "i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str String Vec Option "
            "Result Box Rc Arc HashMap",
            "true false None Some Ok Err");
        rust.rustLifetimes = true;
        add(rust, "rust rs");

        LanguageRules go = cLike(QStringLiteral("Go"),
            "break case chan const continue default defer else fallthrough for func go goto if import "
            "interface map package range return select struct switch type var",
            "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string "
            "uint uint8 uint16 uint32 uint64 uintptr any make len cap append new panic",
            "true false nil iota");
        go.backtickStrings = true;
        add(go, "go golang");

        LanguageRules java = cLike(QStringLiteral("Java"),
            "abstract assert break case catch class const continue default do else enum extends final "
            "finally for goto if implements import instanceof interface native new package private "
            "protected public return static strictfp super switch synchronized this throw throws transient "
            "try volatile while var record yield sealed permits",
            "boolean byte char double float int long short void String Integer Long Object List Map",
            "true false null");
        add(java, "java");

        LanguageRules json;
        json.name = QStringLiteral("JSON");
        json.literals = words("true false null");
        json.singleQuoteStrings = false;
        json.jsonKeys = true;
        add(json, "json jsonc json5 jsonl");

        LanguageRules md;
        md.name = QStringLiteral("Markdown");
        md.markdown = true;
        add(md, "markdown md");

        LanguageRules sh;
        sh.name = QStringLiteral("Shell");
        sh.keywords = words("if then else elif fi case esac for while until do done in function select "
                            "return break continue local export readonly declare set unset shift exit");
        sh.types = words("echo printf cd ls cat grep sed awk cp mv rm mkdir cmake make git sudo apt apt-get "
                         "pip python3 source eval exec test read trap curl wget tar chmod");
        sh.literals = words("true false");
        sh.lineComment = QStringLiteral("#");
        sh.dollarVariables = true;
        add(sh, "shell sh bash zsh console shellscript ksh");
    }
};

const Table& table()
{
    static const Table t;
    return t;
}

}  // namespace

const LanguageRules* LanguageRules::find(const QString& language)
{
    // Fence info strings may carry more than the name ("python title=x.py"): use the first word.
    const QString key = language.trimmed().section(u' ', 0, 0).toLower();
    const auto it = table().byAlias.constFind(key);
    return it == table().byAlias.constEnd() ? nullptr : &table().languages[*it];
}

QStringList LanguageRules::names()
{
    QStringList out;
    for (const LanguageRules& r : table().languages) out.append(r.name);
    return out;
}

}  // namespace fathom::ui
